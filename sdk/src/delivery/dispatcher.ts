import type { EventBatchResponse, TrackingEvent } from '@huashu/core';
import { isoTime } from '../ids.js';
import type { PersistedQueue, QueuedEvent } from '../queue/persisted-queue.js';
import { HuashuApiError, toApiError, type HuashuErrorCode } from '../errors.js';
import type { Transport } from '../transport.js';
import { retryDelay } from './backoff.js';
import { chunkBySize } from './batches.js';

export const BATCH_PATH = '/v1/events/batch';
/**
 * Events per request. The server takes up to 1000 and 500 KB; smaller requests
 * finish sooner on a slow phone network and lose less work when cut off.
 */
export const MAX_REQUEST_EVENTS = 100;
/** Below the server's 500 KB batch limit with margin for the envelope. */
export const MAX_REQUEST_BYTES = 450 * 1024;
/**
 * Chrome, Safari and Firefox refuse `sendBeacon` / `keepalive` bodies beyond
 * 64 KiB (a quota shared by all unload requests of the page), so unload
 * chunks stay under it.
 */
export const MAX_BEACON_BYTES = 60 * 1024;
/**
 * Server errors an event may meet travelling alone before it is dropped.
 * Backoff spreads ten tries over minutes, across reloads, while the events
 * around it get through: by then it is the event, not a blip.
 */
export const DEFAULT_MAX_ATTEMPTS = 10;
/**
 * An event older than a day is dropped at its first server error alone: its
 * tries can be spread thin over many short visits, and a day late it is stale
 * for the intent signals and alerts it was meant to feed.
 */
export const DEFAULT_MAX_EVENT_AGE_MS = 24 * 60 * 60 * 1000;

export interface DispatcherOptions {
  queue: PersistedQueue;
  transport: Transport;
  flushAt: number;
  flushIntervalMs: number;
  /** False while offline or without tracking consent; delivery then waits. */
  canSend(): boolean;
  /** Sends one unload body without waiting for an answer; false when the browser refused it. */
  beacon?: ((body: string) => boolean) | undefined;
  onError(error: HuashuApiError): void;
  /** Server errors an event may meet alone before it is dropped (see {@link DEFAULT_MAX_ATTEMPTS}). */
  maxAttempts: number;
  /** Age, from the event's timestamp, past which its next server error alone drops it (see {@link DEFAULT_MAX_EVENT_AGE_MS}). */
  maxEventAgeMs: number;
  now(): number;
  random(): number;
}

export interface Dispatcher {
  /** Call after each enqueue: sends at once when `flushAt` events wait, otherwise arms the interval timer. */
  schedule(): void;
  /**
   * Sends every queued event now, one request at a time, until the queue is
   * empty or a request fails (the failure arms the retry timer). `force` skips
   * an exponential-backoff wait but never a server's `Retry-After`. Never rejects.
   */
  flush(force?: boolean): Promise<void>;
  /** Hands the events not yet beaconed to the browser for delivery after the page is gone. */
  flushByBeacon(): void;
  destroy(): void;
}

/**
 * Batches queued events and delivers them to `POST /v1/events/batch`.
 *
 * Exactly one request is in flight at a time, and an event leaves the queue
 * only when the server answered for it, so a retry resends the same events with
 * the same `messageId`s and nothing is sent twice concurrently.
 *
 * A server error (5xx) on a batch cannot say which event caused it, so the
 * next tries send halves until the culprit travels alone; only failures alone
 * count against an event ({@link QueuedEvent.failedAttempts}). Such a suspect
 * goes on travelling alone, and only when no untried event waits, so the queue
 * keeps flowing past it until it succeeds or is dropped.
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { queue, transport, flushAt, flushIntervalMs, canSend, beacon, onError, maxAttempts, maxEventAgeMs, now, random } = options;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let attempt = 0;
  /** Events per request; halved by each server error on a batch, whole again after any success. */
  let batchLimit = MAX_REQUEST_EVENTS;
  /** Earliest time of the next attempt: the backoff deadline after a failure. */
  let retryAt = 0;
  /** When the server's `Retry-After` ends (the failure's own time when it named none); even a forced flush waits for it. */
  let serverRetryAt = 0;
  let destroyed = false;

  const arm = (delay: number) => {
    if (destroyed || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, delay);
  };
  const disarm = () => {
    clearTimeout(timer);
    timer = undefined;
  };

  const reportDropped = (events: TrackingEvent[], code: HuashuErrorCode, circumstance: string, error: HuashuApiError) =>
    onError(new HuashuApiError(code, `dropped ${events.length} event(s)${circumstance}: ${error.message}`, { status: error.status, details: error.details, events, cause: error }));

  /** Untried events in order, or else the least-tried suspect alone (round robin while the server is down). Needs a non-empty queue. */
  function nextBatch(): readonly QueuedEvent[] {
    const items = queue.items();
    const untried = items.filter((item) => !item.failedAttempts);
    return untried.length
      ? chunkBySize(untried.slice(0, batchLimit), batchLimit, MAX_REQUEST_BYTES)[0]!
      : [items.reduce((least, item) => (item.failedAttempts! < least.failedAttempts! ? item : least))];
  }

  /**
   * A server error on a batch says nothing about which event caused it, so the batch is halved
   * until the culprit travels alone; alone, the failure is the event's, and counts towards its limits.
   */
  function blame(items: readonly QueuedEvent[], error: HuashuApiError): void {
    const [item] = items as [QueuedEvent];
    if (items.length > 1) batchLimit = Math.ceil(items.length / 2);
    // An event the visitor's opt-out removed while its request was out is nobody's concern any more.
    else if (queue.items().includes(item)) {
      const failures = (item.failedAttempts = (item.failedAttempts ?? 0) + 1);
      if (failures < maxAttempts && now() - Date.parse(item.event.timestamp) < maxEventAgeMs) return queue.save();
      queue.remove([item.event.messageId]);
      reportDropped([item.event], 'event_rejected', ` after ${failures} server error(s)`, error);
    }
  }

  async function deliver(items: readonly QueuedEvent[]): Promise<boolean> {
    const batch = items.map((item) => item.event);
    try {
      const response = await transport.send(BATCH_PATH, { method: 'POST', body: { sentAt: isoTime(now()), batch } });
      // A 2xx means the server took the batch; an unreadable body cannot make it retryable.
      const result = (await response.json().catch(() => undefined)) as Partial<EventBatchResponse> | undefined;
      const rejected = Array.isArray(result?.rejected) ? result.rejected : [];
      if (rejected.length) {
        onError(
          new HuashuApiError('event_rejected', `${rejected.length} event(s) rejected: ${rejected[0]?.error}`, {
            status: response.status,
            details: { rejected },
            events: rejected.map((entry) => batch[entry.index]).filter((event): event is TrackingEvent => !!event),
          }),
        );
      }
    } catch (thrown) {
      const error = toApiError(thrown);
      if (!error.retryable) {
        // 400/401/403/413 and friends: the same bytes will fail the same way, so drop and say so.
        reportDropped(batch, error.code, '', error);
      } else {
        // Only a server error can be an event's doing; timeouts, 429 and an unreachable server are not.
        if (error.status >= 500) blame(items, error);
        attempt++;
        const delay = retryDelay(attempt, error.retryAfterMs, random);
        retryAt = now() + delay;
        serverRetryAt = now() + (error.retryAfterMs ?? 0);
        disarm();
        arm(delay);
        return false;
      }
    }
    // The server answered for every event (accepted, duplicate, rejected or refused): all are finished, and
    // both the backoff for an unreachable server and the halving for a failing batch start over.
    queue.remove(batch.map((event) => event.messageId));
    attempt = retryAt = serverRetryAt = 0;
    batchLimit = MAX_REQUEST_EVENTS;
    return true;
  }

  async function drain(force: boolean): Promise<void> {
    try {
      // Yield once so `flush` has stored this promise in `running` before the `finally` below can clear it.
      await undefined;
      disarm();
      while (!destroyed && queue.size() && now() >= (force ? serverRetryAt : retryAt)) {
        if (!canSend()) return;
        if (!(await deliver(nextBatch()))) return;
      }
    } catch (error) {
      onError(toApiError(error));
    } finally {
      // Runs in the same turn as the loop's last look at the queue, so an event
      // enqueued after it finds `running` cleared and schedules itself.
      running = undefined;
      if (queue.size()) arm(Math.max(retryAt - now(), 0) || flushIntervalMs);
    }
  }

  function flush(force = false): Promise<void> {
    // A forced flush arriving while a normal drain runs goes again afterwards: that drain
    // may stop at a backoff the forced one is meant to skip.
    if (running) return force ? running.then(() => flush(true)) : running;
    return (running = drain(force));
  }

  return {
    schedule() {
      if (queue.size() >= flushAt && now() >= retryAt) void flush();
      else arm(Math.max(retryAt - now(), 0) || flushIntervalMs);
    },
    flush,
    flushByBeacon() {
      if (!beacon || !canSend()) return;
      // A suspect would sink the whole unload body with it; it waits for a request of its own.
      const pending = queue.items().filter((item) => !item.beaconSentAt && !item.failedAttempts);
      for (const chunk of chunkBySize(pending, MAX_REQUEST_EVENTS, MAX_BEACON_BYTES)) {
        const sentAt = isoTime(now());
        if (!beacon(JSON.stringify({ sentAt, batch: chunk.map((item) => item.event) }))) return;
        for (const item of chunk) item.beaconSentAt = sentAt;
        queue.save();
      }
    },
    destroy() {
      destroyed = true;
      disarm();
    },
  };
}
