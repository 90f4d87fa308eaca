import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isoTime, uuid } from '../ids.js';
import { createPersistedQueue } from '../queue/persisted-queue.js';
import { createStore, type StorageLike } from '../queue/storage.js';
import { acceptAll, createMemoryStorage, json, scriptedFetch, type RecordedRequest, type ScriptStep } from '../test-support/fakes.js';
import { createTransport, type HuashuApiError } from '../transport.js';
import { createDispatcher, DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_EVENT_AGE_MS } from './dispatcher.js';

// The dispatcher on its own, with a fixed jitter, so retry times are exact.
function setup({ script = [] as ScriptStep[], flushAt = 1, random = (): number => 0.999999 } = {}) {
  const server = scriptedFetch(...script);
  const errors: HuashuApiError[] = [];
  const queue = createPersistedQueue({ namespace: 't', maxQueue: 100, now: Date.now, onOverflow: () => undefined });
  const dispatcher = createDispatcher({
    queue,
    transport: createTransport({ endpoint: 'https://api.test', fetch: server.fetch, credential: () => 'pk_test' }),
    flushAt,
    flushIntervalMs: 5000,
    canSend: () => true,
    onError: (error) => errors.push(error),
    maxAttempts: DEFAULT_MAX_ATTEMPTS,
    maxEventAgeMs: DEFAULT_MAX_EVENT_AGE_MS,
    now: Date.now,
    random,
  });
  const enqueue = (count = 1) => {
    for (let i = 0; i < count; i++) queue.push({ messageId: uuid(), type: 'track', event: `e${i}`, timestamp: isoTime(Date.now()) });
    dispatcher.schedule();
  };
  return { server, errors, queue, dispatcher, enqueue };
}

/** Records when each request of `fetch` happened, relative to the fake clock's start. */
function timed(step: ScriptStep, times: number[], start: number): ScriptStep {
  return (request) => {
    times.push(Date.now() - start);
    if (step instanceof Error) throw step;
    return typeof step === 'function' ? step(request) : step;
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-11-22T10:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('retries', () => {
  it('backs off exponentially with jitter, capped at a minute, and resends the same events', async () => {
    const times: number[] = [];
    const start = Date.now();
    const failures = Array.from({ length: 9 }, () => timed(new TypeError('offline'), times, start));
    const { enqueue, server, queue } = setup({ script: [...failures, timed(acceptAll, times, start)] });
    enqueue(2);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    const gaps = times.slice(1).map((time, i) => time - times[i]!);
    // random() ≈ 1: each wait is just under its window of 500 ms · 2^(n-1), until the 60 s cap.
    expect(gaps).toEqual([499, 999, 1999, 3999, 7999, 15999, 31999, 59999, 59999]);
    const batches = server.requests.map((request) => request.body.batch.map((event: { messageId: string }) => event.messageId));
    expect(new Set(batches.map((ids) => ids.join()))).toHaveProperty('size', 1);
    expect(queue.size()).toBe(0);
  });

  it('keeps jittered waits inside [0, window)', async () => {
    const times: number[] = [];
    const start = Date.now();
    const { enqueue } = setup({ script: Array.from({ length: 6 }, () => timed(new TypeError('offline'), times, start)), random: Math.random });
    enqueue();
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    const gaps = times.slice(1).map((time, i) => time - times[i]!);
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(0);
      expect(gap).toBeLessThan(500 * 2 ** i + 1);
    });
  });

  it('honours Retry-After in seconds on 429', async () => {
    const times: number[] = [];
    const start = Date.now();
    const tooMany = json({ error: { code: 'rate_limited', message: 'slow down' } }, 429, { 'retry-after': '7' });
    const { enqueue, queue } = setup({ script: [timed(tooMany, times, start), timed(acceptAll, times, start)] });
    enqueue();
    await vi.advanceTimersByTimeAsync(6999);
    expect(times).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(times).toEqual([0, 7000]);
    expect(queue.size()).toBe(0);
  });

  it('honours Retry-After as an HTTP date on 503, even against a forced flush', async () => {
    const times: number[] = [];
    const start = Date.now();
    const unavailable = json({ error: { code: 'internal', message: 'maintenance' } }, 503, {
      'retry-after': new Date(start + 30_000).toUTCString(),
    });
    const { enqueue, dispatcher } = setup({ script: [timed(unavailable, times, start), timed(acceptAll, times, start)] });
    enqueue();
    await vi.advanceTimersByTimeAsync(10_000);
    await dispatcher.flush(true);
    expect(times).toEqual([0]);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(times).toEqual([0, 30_000]);
  });

  it('a forced flush skips a plain backoff wait', async () => {
    const times: number[] = [];
    const start = Date.now();
    const { enqueue, dispatcher } = setup({ script: [timed(new TypeError('offline'), times, start), timed(acceptAll, times, start)] });
    enqueue();
    await vi.advanceTimersByTimeAsync(100);
    await dispatcher.flush(true);
    expect(times).toEqual([0, 100]);
  });
});

describe('forced flush during a running drain', () => {
  it('tries again once the running drain stopped at a backoff', async () => {
    let fail!: () => void;
    const { enqueue, dispatcher, server, queue } = setup({
      script: [() => new Promise<Response>((_resolve, reject) => (fail = () => reject(new TypeError('offline'))))],
    });
    enqueue();
    await vi.advanceTimersByTimeAsync(0);
    const forced = dispatcher.flush(true);
    fail();
    await forced;
    expect(server.requests).toHaveLength(2);
    expect(queue.size()).toBe(0);
  });
});

describe('non-retryable answers', () => {
  it.each([400, 401, 403, 413])('drops the batch on %i, reports it with the events, and never retries', async (status) => {
    const { enqueue, server, errors, queue } = setup({
      script: [json({ error: { code: 'validation_failed', message: 'bad batch', details: { issues: [{ path: 'batch.0', message: 'x' }] } } }, status)],
    });
    enqueue(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(queue.size()).toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'validation_failed', status, issues: [{ path: 'batch.0', message: 'x' }] });
    expect(errors[0]!.events).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(server.requests).toHaveLength(1);
  });

  it('drops the events the server rejected individually and reports them; accepted and duplicates are done', async () => {
    const { enqueue, errors, queue } = setup({
      flushAt: 3,
      script: [json({ accepted: 1, duplicates: 1, rejected: [{ index: 2, error: 'event: a track event needs an event name' }] })],
    });
    enqueue(3);
    await vi.advanceTimersByTimeAsync(0);
    expect(queue.size()).toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'event_rejected', details: { rejected: [{ index: 2 }] } });
    expect(errors[0]!.events!.map((event) => event.event)).toEqual(['e2']);
  });
});

describe('one request at a time', () => {
  it('never sends an event twice, however flushes and enqueues interleave', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { enqueue, dispatcher, server, queue } = setup({
      script: [
        async (request) => {
          await gate;
          return acceptAll(request);
        },
      ],
    });
    enqueue(3);
    const flushes = [dispatcher.flush(), dispatcher.flush(true), dispatcher.flush()];
    enqueue(2);
    await vi.advanceTimersByTimeAsync(0);
    expect(server.requests).toHaveLength(1);
    release();
    await Promise.all(flushes);
    await vi.advanceTimersByTimeAsync(10_000);
    const ids = server.sentIds();
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
    expect(queue.size()).toBe(0);
  });
});

describe('an event the server keeps failing (5xx)', () => {
  const POISON = 'poison';
  const carriesPoison = (request: RecordedRequest) => request.body.batch.some((event: { event?: string }) => event.event === POISON);
  /** The server: a 500 for any batch that carries the poisoned event, acceptance otherwise. */
  const poisoned: ScriptStep = (request) => (carriesPoison(request) ? json({ error: { code: 'internal', message: 'internal server error' } }, 500) : acceptAll(request));

  function poisonSetup(options: { storage?: StorageLike; tabId?: string; maxAttempts?: number; maxEventAgeMs?: number } = {}) {
    // More answers than any test here asks for.
    const server = scriptedFetch(...Array.from({ length: 200 }, () => poisoned));
    const errors: HuashuApiError[] = [];
    const store = options.storage && createStore(options.storage, () => undefined);
    const queue = createPersistedQueue({ store, namespace: 't', maxQueue: 1000, now: Date.now, onOverflow: () => undefined, tabId: options.tabId ?? 'tab' });
    const dispatcher = createDispatcher({
      queue,
      transport: createTransport({ endpoint: 'https://api.test', fetch: server.fetch, credential: () => 'pk_test' }),
      flushAt: 1000,
      flushIntervalMs: 5000,
      canSend: () => true,
      onError: (error) => errors.push(error),
      maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      maxEventAgeMs: options.maxEventAgeMs ?? DEFAULT_MAX_EVENT_AGE_MS,
      now: Date.now,
      // No jitter wait at all: the retries run back to back under the fake clock.
      random: () => 0,
    });
    const push = (name: string, at = Date.now()) => queue.push({ messageId: uuid(), type: 'track', event: name, timestamp: isoTime(at) });
    /** Names of the events the server accepted, in order (each accepted request's whole batch). */
    const accepted = () => server.requests.filter((request) => !carriesPoison(request)).flatMap((request) => request.body.batch.map((event: { event: string }) => event.event));
    return { server, errors, queue, dispatcher, push, accepted };
  }

  it('splits the failing batch until the poisoned event travels alone, delivers every other event once, and drops it after maxAttempts', async () => {
    const { server, errors, queue, dispatcher, push, accepted } = poisonSetup();
    const names = Array.from({ length: 40 }, (_, i) => `good${i}`);
    names.slice(0, 13).forEach((name) => push(name));
    push(POISON);
    names.slice(13).forEach((name) => push(name));
    await dispatcher.flush();
    await vi.advanceTimersByTimeAsync(60_000);

    expect(queue.size()).toBe(0);
    expect(accepted().sort()).toEqual([...names].sort());
    const alone = server.requests.filter((request) => carriesPoison(request) && request.body.batch.length === 1);
    expect(alone).toHaveLength(DEFAULT_MAX_ATTEMPTS);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'event_rejected', status: 500, message: `dropped 1 event(s) after ${DEFAULT_MAX_ATTEMPTS} server error(s): internal server error` });
    expect(errors[0]!.events!.map((event) => event.event)).toEqual([POISON]);
  });

  it('never counts a batch failure against the good events in it', async () => {
    const { queue, dispatcher, push } = poisonSetup();
    for (let i = 0; i < 20; i++) push(i === 7 ? POISON : `good${i}`);
    let seen = 0;
    const counts: number[] = [];
    // Look at the queue after every request: only the poisoned event ever carries a count.
    while (queue.size() && seen++ < 100) {
      await dispatcher.flush(true);
      counts.push(...queue.items().filter((item) => item.event.event !== POISON).map((item) => item.failedAttempts ?? 0));
    }
    expect(queue.size()).toBe(0);
    expect(new Set(counts)).toEqual(new Set([0]));
  });

  it('lets later events past a suspect while it waits for its next try alone', async () => {
    const { server, queue, dispatcher, push } = poisonSetup();
    push(POISON);
    await dispatcher.flush(true);
    expect(queue.items()[0]!.failedAttempts).toBe(1);
    push('later1');
    push('later2');
    await dispatcher.flush(true);
    // The two untried events went first, together, without the suspect.
    expect(server.requests[1]!.body.batch.map((event: { event: string }) => event.event)).toEqual(['later1', 'later2']);
    expect(server.requests[2]!.body.batch.map((event: { event: string }) => event.event)).toEqual([POISON]);
  });

  it('takes turns among suspects, the least-tried first, so an outage does not spend one event’s tries', async () => {
    const { server, queue, dispatcher, push } = poisonSetup();
    // Everything fails, as during an outage.
    server.script.splice(0, server.script.length, ...Array.from({ length: 20 }, () => json({ error: { code: 'internal', message: 'down' } }, 503)));
    ['a', 'b', 'c'].forEach((name) => push(name));
    for (let i = 0; i < 8; i++) await dispatcher.flush(true);
    // [a,b,c] fails, then [a,b], then a, b and c alone once each, then a round again.
    const sent = server.requests.map((request) => request.body.batch.map((event: { event: string }) => event.event).join());
    expect(sent).toEqual(['a,b,c', 'a,b', 'a', 'b', 'c', 'a', 'b', 'c']);
    expect(queue.items().map((item) => item.failedAttempts)).toEqual([2, 2, 2]);
  });

  it('keeps its count across a reload, so the next page finishes what the last one started', async () => {
    const storage = createMemoryStorage();
    const first = poisonSetup({ storage, tabId: 'first-page', maxAttempts: 3 });
    first.push(POISON);
    await first.dispatcher.flush(true);
    await first.dispatcher.flush(true);
    expect(first.queue.items()[0]!.failedAttempts).toBe(2);
    first.queue.release();

    const next = poisonSetup({ storage, tabId: 'next-page', maxAttempts: 3 });
    next.queue.heartbeat();
    expect(next.queue.items()[0]!.failedAttempts).toBe(2);
    await next.dispatcher.flush(true);
    expect(next.server.requests).toHaveLength(1);
    expect(next.queue.size()).toBe(0);
    expect(next.errors[0]).toMatchObject({ code: 'event_rejected', message: expect.stringContaining('after 3 server error(s)') });
  });

  it('drops an event older than maxEventAgeMs at its first server error alone', async () => {
    const { errors, queue, dispatcher, push } = poisonSetup();
    push(POISON, Date.now() - DEFAULT_MAX_EVENT_AGE_MS);
    await dispatcher.flush(true);
    expect(queue.size()).toBe(0);
    expect(errors[0]).toMatchObject({ code: 'event_rejected', message: expect.stringContaining('after 1 server error(s)') });
  });

  it.each<[string, () => Response | Error]>([
    ['429 with Retry-After', () => json({ error: { code: 'rate_limited', message: 'slow down' } }, 429, { 'retry-after': '1' })],
    ['408', () => json({ error: { code: 'timeout', message: 'slow' } }, 408)],
    ['a network error', () => new TypeError('offline')],
  ])('never blames an event for %s, however often', async (_name, failure) => {
    const { server, errors, queue, dispatcher, push } = poisonSetup({ maxAttempts: 2 });
    const FAILURES = 10;
    const countsSeen: unknown[] = [];
    const step: ScriptStep = () => {
      countsSeen.push(...queue.items().map((item) => item.failedAttempts));
      const answer = failure();
      if (answer instanceof Error) throw answer;
      return answer;
    };
    server.script.splice(0, server.script.length, ...Array.from({ length: FAILURES }, () => step));
    push('patient');
    await dispatcher.flush();
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    // Five times maxAttempts failed tries, none counted, then the next try delivered it.
    expect(countsSeen).toEqual(Array.from({ length: FAILURES }, () => undefined));
    expect(server.requests).toHaveLength(FAILURES + 1);
    expect(errors).toEqual([]);
    expect(queue.size()).toBe(0);
  });
});
