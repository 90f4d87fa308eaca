import type { EventBatchResponse, TrackingEvent } from '@huashu/core';
import { isoTime } from '../ids.js';
import type { PersistedQueue } from '../queue/persisted-queue.js';
import { HuashuApiError, toApiError, type Transport } from '../transport.js';
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
 */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { queue, transport, flushAt, flushIntervalMs, canSend, beacon, onError, now, random } = options;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let attempt = 0;
  /** Earliest time of the next attempt: the backoff deadline after a failure. */
  let retryAt = 0;
  /** The part of `retryAt` the server demanded with `Retry-After`; even a forced flush respects it. */
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

  async function deliver(batch: TrackingEvent[]): Promise<boolean> {
    const ids = batch.map((event) => event.messageId);
    try {
      const response = await transport.send(BATCH_PATH, { method: 'POST', body: { sentAt: isoTime(now()), batch } });
      let result: Partial<EventBatchResponse> | undefined;
      try {
        result = (await response.json()) as Partial<EventBatchResponse>;
      } catch {
        // A 2xx means the server took the batch; an unreadable body cannot make it retryable.
      }
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
      // Accepted, duplicate (already stored) and rejected events are all finished.
      queue.remove(ids);
      attempt = 0;
      retryAt = serverRetryAt = 0;
      return true;
    } catch (thrown) {
      const error = toApiError(thrown);
      if (error.retryable) {
        attempt++;
        const delay = retryDelay(attempt, error.retryAfterMs, random);
        retryAt = now() + delay;
        serverRetryAt = error.retryAfterMs === undefined ? 0 : now() + error.retryAfterMs;
        disarm();
        arm(delay);
        return false;
      }
      // 400/401/403/413 and friends: the same bytes will fail the same way, so drop and say so.
      // The server did answer, so the backoff for an unreachable server starts over.
      attempt = 0;
      retryAt = serverRetryAt = 0;
      queue.remove(ids);
      onError(
        new HuashuApiError(error.code, `dropped ${batch.length} event(s): ${error.message}`, {
          status: error.status,
          details: error.details,
          events: batch,
          cause: error,
        }),
      );
      return true;
    }
  }

  async function drain(force: boolean): Promise<void> {
    try {
      // Yield once so `flush` has stored this promise in `running` before the `finally` below can clear it.
      await undefined;
      disarm();
      while (!destroyed && queue.size() && now() >= (force ? serverRetryAt : retryAt)) {
        if (!canSend()) return;
        const [first] = chunkBySize(queue.items().slice(0, MAX_REQUEST_EVENTS), MAX_REQUEST_EVENTS, MAX_REQUEST_BYTES);
        if (!first || !(await deliver(first.map((item) => item.event)))) return;
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
      const pending = queue.items().filter((item) => !item.beaconSentAt);
      for (const chunk of chunkBySize(pending, MAX_REQUEST_EVENTS, MAX_BEACON_BYTES)) {
        const sentAt = isoTime(now());
        if (!beacon(JSON.stringify({ sentAt, batch: chunk.map((item) => item.event) }))) return;
        queue.markBeaconSent(
          chunk.map((item) => item.event.messageId),
          sentAt,
        );
      }
    },
    destroy() {
      destroyed = true;
      disarm();
    },
  };
}
