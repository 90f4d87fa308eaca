import type { TrackingEvent } from '@huashu/core';
import { uuid } from '../ids.js';
import type { Store } from './storage.js';

/** One queued event plus local bookkeeping that never goes on the wire. */
export interface QueuedEvent {
  event: TrackingEvent;
  /**
   * Set when the event went out in an unload beacon. A beacon's fate is
   * unknowable, so the event stays queued and is sent again by normal delivery
   * (the server de-duplicates by `messageId`); the mark only keeps it out of
   * further beacons.
   */
  beaconSentAt?: string;
  /**
   * Server errors (5xx) this event met in requests that carried it alone, the
   * only failures that can be blamed on it. Stored with it, so a reload does
   * not give a poisoned event a fresh set of tries.
   */
  failedAttempts?: number;
}

/** How often a live tab stamps its heartbeat. */
export const HEARTBEAT_MS = 10_000;
/**
 * A queue whose owner has not stamped for this long is treated as abandoned.
 * Browsers throttle timers in background tabs to about once a minute, so a
 * sleepy but living tab may be adopted too — harmless, see below.
 */
export const ORPHAN_AFTER_MS = 60_000;

export interface PersistedQueueOptions {
  /** Absent in Node or when storage is unusable: the queue then lives in memory only. */
  store?: Store | undefined;
  /** Keeps several publishable keys on one origin apart. */
  namespace: string;
  maxQueue: number;
  now: () => number;
  /** Receives the oldest events when the cap forces them out. */
  onOverflow(dropped: TrackingEvent[]): void;
  /** @internal Fixed in tests; a fresh id per page load otherwise. */
  tabId?: string;
}

export interface PersistedQueue {
  size(): number;
  /** Oldest first. */
  items(): readonly QueuedEvent[];
  push(event: TrackingEvent): void;
  /** Forgets acknowledged (or deliberately dropped) events. */
  remove(messageIds: readonly string[]): void;
  /** Writes the queue through after the dispatcher changed an item's bookkeeping (`beaconSentAt`, `failedAttempts`). */
  save(): void;
  clear(): void;
  /** Stamps this tab as alive and adopts queues of tabs that are gone; returns how many events were adopted. */
  heartbeat(): number;
  /** Declares this tab gone (page unloading, client destroyed) so the next page load adopts its queue at once. */
  release(): void;
}

/**
 * The event queue, written through to `localStorage` on every change so a
 * reload or a crash loses nothing: events leave storage only once the server
 * acknowledged them.
 *
 * Multiple tabs — per-tab queues rather than one shared queue under a lock.
 * `localStorage` has no atomic read-modify-write across tabs (Chrome does not
 * implement the storage mutex), so two tabs appending to one shared array can
 * silently overwrite each other's events, and a lease only moves that race
 * into the lease itself. Instead each tab owns `huashu:q:<ns>:<tab>`, which only
 * it writes, plus a heartbeat key. When a tab's heartbeat is missing (it
 * released on unload) or stale (it crashed), any other tab — or the next page
 * load — adopts the queue: it first writes the events into its own queue, then
 * deletes the orphan. Events are therefore always in at least one queue. If two
 * tabs adopt the same orphan at once, or a frozen tab wakes up after being
 * adopted, an event may be *sent* twice, but it keeps its `messageId` and the
 * server counts it once; nothing is ever removed from storage unless its
 * delivery was acknowledged or it was dropped on purpose (and reported).
 */
export function createPersistedQueue({ store, namespace, maxQueue, now, onOverflow, tabId = uuid() }: PersistedQueueOptions): PersistedQueue {
  const queuePrefix = `huashu:q:${namespace}:`;
  const heartbeatPrefix = `huashu:hb:${namespace}:`;
  const ownKey = queuePrefix + tabId;
  let items: QueuedEvent[] = [];

  /** Returns whether storage now holds the queue. */
  const persist = (): boolean => {
    if (!store) return false;
    if (items.length) return store.write(ownKey, items);
    store.remove(ownKey);
    return true;
  };

  const add = (incoming: QueuedEvent[]) => {
    // A message id is queued once, whatever the route it came by (adoption, a woken tab).
    const known = new Set(items.map((item) => item.event.messageId));
    for (const item of incoming) {
      if (known.has(item.event.messageId)) continue;
      known.add(item.event.messageId);
      items.push(item);
    }
    const overflow = items.length - maxQueue;
    if (overflow > 0) onOverflow(items.splice(0, overflow).map((item) => item.event));
    persist();
  };

  const isStale = (stamp: unknown, at: number) => typeof stamp !== 'number' || Math.abs(at - stamp) >= ORPHAN_AFTER_MS;

  function heartbeat(): number {
    if (!store) return 0;
    const at = now();
    store.write(heartbeatPrefix + tabId, at);
    const orphanKeys: string[] = [];
    let orphaned: QueuedEvent[] = [];
    for (const key of store.keys(queuePrefix)) {
      const owner = key.slice(queuePrefix.length);
      if (owner === tabId || !isStale(store.read(heartbeatPrefix + owner), at)) continue;
      const orphan = store.read<QueuedEvent[]>(key);
      if (Array.isArray(orphan)) orphaned = orphaned.concat(orphan.filter((item) => typeof item?.event?.messageId === 'string'));
      orphanKeys.push(key);
    }
    const before = items.length;
    if (orphaned.length) {
      add(orphaned);
      // Adopted events are usually older than ours; keep the queue oldest-first.
      items.sort((a, b) => Date.parse(a.event.timestamp) - Date.parse(b.event.timestamp));
    }
    // Only once the events are safe in our own stored queue may the orphans go — exactly
    // the ones read above: a queue orphaned since then is adopted on the next heartbeat.
    // If our write failed (quota), the orphans stay for a later heartbeat or another tab.
    if (orphanKeys.length && persist()) {
      for (const key of orphanKeys) {
        store.remove(key);
        store.remove(heartbeatPrefix + key.slice(queuePrefix.length));
      }
    }
    // Heartbeats of tabs that died with an empty queue would otherwise pile up, one per page load.
    for (const key of store.keys(heartbeatPrefix)) {
      if (key !== heartbeatPrefix + tabId && isStale(store.read(key), at)) store.remove(key);
    }
    return Math.max(0, items.length - before);
  }

  return {
    size: () => items.length,
    items: () => items,
    push: (event) => add([{ event }]),
    remove(messageIds) {
      const done = new Set(messageIds);
      const before = items.length;
      items = items.filter((item) => !done.has(item.event.messageId));
      if (items.length !== before) persist();
    },
    save: persist,
    clear() {
      items = [];
      persist();
    },
    heartbeat,
    release: () => store?.remove(heartbeatPrefix + tabId),
  };
}
