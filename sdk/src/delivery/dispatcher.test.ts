import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isoTime, uuid } from '../ids.js';
import { createPersistedQueue } from '../queue/persisted-queue.js';
import { acceptAll, json, scriptedFetch, type ScriptStep } from '../test-support/fakes.js';
import { createTransport, type HuashuApiError } from '../transport.js';
import { createDispatcher } from './dispatcher.js';

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
