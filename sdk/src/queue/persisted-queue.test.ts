import type { TrackingEvent } from '@huashu/core';
import { describe, expect, it } from 'vitest';
import { isoTime } from '../ids.js';
import { createPersistedQueue, ORPHAN_AFTER_MS, type PersistedQueueOptions } from './persisted-queue.js';
import { createMemoryStorage } from '../test-support/fakes.js';
import { createStore, type StorageLike } from './storage.js';

let clock = Date.parse('2026-11-22T10:00:00Z');
const now = () => clock;
const event = (messageId: string, at = clock): TrackingEvent => ({ messageId, type: 'track', event: messageId, timestamp: isoTime(at) });

function tab(storage: StorageLike, tabId: string, options: Partial<PersistedQueueOptions> = {}) {
  const dropped: TrackingEvent[][] = [];
  const queue = createPersistedQueue({
    store: createStore(storage, () => undefined),
    namespace: 'pk_test',
    maxQueue: 100,
    now,
    onOverflow: (events) => dropped.push(events),
    tabId,
    ...options,
  });
  queue.heartbeat();
  return Object.assign(queue, { dropped, ids: () => queue.items().map((item) => item.event.messageId) });
}

describe('persisted queue', () => {
  it('writes through to storage and forgets only what is removed', () => {
    const storage = createMemoryStorage();
    const a = tab(storage, 'a');
    a.push(event('1'));
    a.push(event('2'));
    a.remove(['1']);
    expect(JSON.parse(storage.getItem('huashu:q:pk_test:a')!)).toEqual([{ event: event('2') }]);
    a.remove(['2']);
    expect(storage.getItem('huashu:q:pk_test:a')).toBeNull();
  });

  it('drops the oldest events beyond the cap and hands them over', () => {
    const q = tab(createMemoryStorage(), 'a', { maxQueue: 2 });
    ['1', '2', '3', '4'].forEach((id) => q.push(event(id)));
    expect(q.ids()).toEqual(['3', '4']);
    expect(q.dropped.map((events) => events.map((e) => e.messageId))).toEqual([['1'], ['2']]);
  });

  it('never queues the same message id twice', () => {
    const q = tab(createMemoryStorage(), 'a');
    q.push(event('1'));
    q.push(event('1'));
    expect(q.ids()).toEqual(['1']);
  });

  it('adopts the queue of a tab that released it (reload) at once, keeping order and ids', () => {
    const storage = createMemoryStorage();
    const old = tab(storage, 'old');
    old.push(event('1', clock - 2000));
    old.push(event('2', clock - 1000));
    old.release();
    const fresh = tab(storage, 'fresh');
    fresh.push(event('3'));
    // The adoption happened in `tab()` before '3' arrived; adopt again to merge a later release too.
    expect(fresh.ids()).toEqual(['1', '2', '3']);
    expect(storage.getItem('huashu:q:pk_test:old')).toBeNull();
    expect(storage.getItem('huashu:hb:pk_test:old')).toBeNull();
  });

  it('stores the delivery bookkeeping on save(), and an adopting tab carries it on', () => {
    const storage = createMemoryStorage();
    const old = tab(storage, 'old');
    old.push(event('1'));
    old.push(event('2'));
    Object.assign(old.items()[0]!, { failedAttempts: 3, beaconSentAt: isoTime(clock) });
    old.save();
    old.release();
    const fresh = tab(storage, 'fresh');
    expect(fresh.items().map(({ failedAttempts, beaconSentAt }) => ({ failedAttempts, beaconSentAt }))).toEqual([
      { failedAttempts: 3, beaconSentAt: isoTime(clock) },
      { failedAttempts: undefined, beaconSentAt: undefined },
    ]);
  });

  it('leaves a live tab alone and adopts it once its heartbeat is stale (crash)', () => {
    const storage = createMemoryStorage();
    const crashed = tab(storage, 'crashed');
    crashed.push(event('1'));
    const other = tab(storage, 'other');
    expect(other.ids()).toEqual([]);
    clock += ORPHAN_AFTER_MS - 1;
    expect(other.heartbeat()).toBe(0);
    clock += 1;
    expect(other.heartbeat()).toBe(1);
    expect(other.ids()).toEqual(['1']);
    expect(storage.getItem('huashu:q:pk_test:crashed')).toBeNull();
  });

  it('two tabs adopting the same orphan both keep it: sent twice at worst, never lost', () => {
    const storage = createMemoryStorage();
    const gone = tab(storage, 'gone');
    gone.push(event('1'));
    gone.release();
    // Both read the orphan before either deletes it: simulate by copying storage for the second tab.
    const snapshot = createMemoryStorage();
    for (let i = 0; i < storage.length; i++) snapshot.setItem(storage.key(i)!, storage.getItem(storage.key(i)!)!);
    const b = tab(storage, 'b');
    const c = tab(snapshot, 'c');
    expect(b.ids()).toEqual(['1']);
    expect(c.ids()).toEqual(['1']);
  });

  it('leaves an orphan in storage while its adopter cannot store it', () => {
    const storage = createMemoryStorage();
    const gone = tab(storage, 'gone');
    gone.push(event('1'));
    gone.release();
    let full = false;
    const quota: StorageLike = {
      get length() {
        return storage.length;
      },
      key: (index) => storage.key(index),
      getItem: (key) => storage.getItem(key),
      setItem: (key, value) => {
        if (full && key.startsWith('huashu:q:')) throw new DOMException('quota', 'QuotaExceededError');
        storage.setItem(key, value);
      },
      removeItem: (key) => storage.removeItem(key),
    };
    full = true;
    const b = tab(quota, 'b');
    expect(b.ids()).toEqual(['1']);
    expect(storage.getItem('huashu:q:pk_test:gone')).not.toBeNull();
    full = false;
    b.heartbeat();
    expect(b.ids()).toEqual(['1']);
    expect(storage.getItem('huashu:q:pk_test:gone')).toBeNull();
    expect(JSON.parse(storage.getItem('huashu:q:pk_test:b')!)).toHaveLength(1);
  });

  it('cleans up heartbeats of tabs that died with an empty queue', () => {
    const storage = createMemoryStorage();
    tab(storage, 'ghost');
    clock += ORPHAN_AFTER_MS;
    tab(storage, 'alive');
    expect(storage.getItem('huashu:hb:pk_test:ghost')).toBeNull();
    expect(storage.getItem('huashu:hb:pk_test:alive')).not.toBeNull();
  });

  it('works without storage, in memory', () => {
    const q = createPersistedQueue({ namespace: 'x', maxQueue: 10, now, onOverflow: () => undefined });
    q.push(event('1'));
    expect(q.heartbeat()).toBe(0);
    expect(q.size()).toBe(1);
  });
});
