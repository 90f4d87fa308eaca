import type { LookupAddress } from 'node:dns';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupFunction } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from './test-receiver.js';
import { isBlockedAddress, postWebhook } from './webhooks.http.js';
import { MAX_RETRY_AFTER_MS, parseRetryAfter, retryDelay, DEFAULT_RETRY_SCHEDULE_MS } from './webhooks.retry.js';

describe('address policy', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.0.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '100.64.0.1',
    '100.127.255.254',
    '169.254.169.254',
    '0.0.0.0',
    '255.255.255.255',
    '224.0.0.251',
    '::1',
    '::',
    'fe80::1',
    'febf::1',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::7f00:1',
    '[::1]',
    'not-an-address',
  ])('blocks %s', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '203.119.1.1', '100.63.255.255', '100.128.0.1', '2400:3200::1', '2001:4860:4860::8888'])('allows the public address %s', (address) => {
    expect(isBlockedAddress(address)).toBe(false);
  });
});

describe('postWebhook guarded at resolution and connect time', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 200, body: 'ok' }));
  });
  afterAll(async () => {
    await receiver?.close();
  });

  /** A resolver that answers `address` for every name, the way a rebinding DNS server would. */
  const resolvingTo =
    (address: string, family: 4 | 6 = 4): LookupFunction =>
    (_hostname, options, callback) => {
      const all = (options as { all?: boolean }).all;
      if (all) (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, [{ address, family }]);
      else callback(null, address, family);
    };

  const post = (url: string, options: { allowPrivate?: boolean; resolve?: LookupFunction } = {}) =>
    postWebhook({ url: new URL(url), headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 5_000, maxResponseBytes: 1024, allowPrivate: options.allowPrivate ?? false, resolve: options.resolve });

  it('refuses a public-looking name that resolves to loopback, and sends nothing', async () => {
    const before = receiver.received.length;
    const result = await post(`http://crm.example.test:${receiver.port}/hook`, { resolve: resolvingTo('127.0.0.1') });
    expect(result).toMatchObject({ status: null, error: 'blocked_address' });
    const mapped = await post(`http://crm.example.test:${receiver.port}/hook`, { resolve: resolvingTo('::ffff:127.0.0.1', 6) });
    expect(mapped).toMatchObject({ status: null, error: 'blocked_address' });
    expect(receiver.received.length).toBe(before);
  });

  it('refuses localhost and literal loopback forms', async () => {
    const before = receiver.received.length;
    for (const url of [`http://localhost:${receiver.port}/`, `http://127.0.0.1:${receiver.port}/`, `http://[::ffff:127.0.0.1]:${receiver.port}/`, `http://[::1]:${receiver.port}/`]) {
      expect(await post(url)).toMatchObject({ status: null, error: 'blocked_address' });
    }
    expect(receiver.received.length).toBe(before);
  });

  it('reaches loopback when private targets are allowed (development), reading a bounded answer', async () => {
    receiver.respond(() => ({ status: 200, body: 'x'.repeat(10_000) }));
    const result = await post(`http://localhost:${receiver.port}/ok`, { allowPrivate: true });
    expect(result.status).toBe(200);
    expect(result.body.length).toBe(1024);
    receiver.respond(() => ({ status: 200, body: 'ok' }));
  });

  it('classifies a refused connection without a message', async () => {
    const closed = await startReceiver();
    const port = closed.port;
    await closed.close();
    expect(await post(`http://127.0.0.1:${port}/`, { allowPrivate: true })).toMatchObject({ status: null, error: 'connection_refused' });
  });

  it('times out a receiver that never answers', async () => {
    const silent = createServer(() => {
      // Takes the request and never answers.
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const result = await postWebhook({ url: new URL(`http://127.0.0.1:${port}/slow`), headers: {}, body: '{}', timeoutMs: 200, maxResponseBytes: 1024, allowPrivate: true });
    expect(result).toMatchObject({ status: null, error: 'timeout' });
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });
});

describe('retry schedule', () => {
  it('is Svix-like: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h after the first attempt, within ±10 %', () => {
    const waits = DEFAULT_RETRY_SCHEDULE_MS.map((_, index) => retryDelay(index + 1, DEFAULT_RETRY_SCHEDULE_MS, null, () => 0.5));
    expect(waits).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(retryDelay(1, DEFAULT_RETRY_SCHEDULE_MS, null, () => 0)).toBe(4_500);
    expect(retryDelay(1, DEFAULT_RETRY_SCHEDULE_MS, null, () => 1)).toBe(5_500);
    expect(retryDelay(DEFAULT_RETRY_SCHEDULE_MS.length + 1, DEFAULT_RETRY_SCHEDULE_MS)).toBeNull();
  });

  it('honours Retry-After as seconds or a date, never beyond its bound', () => {
    const now = Date.parse('2026-12-03T08:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 03 Dec 2026 08:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(retryDelay(1, [50], 120_000, () => 0.5)).toBe(120_000);
    expect(retryDelay(1, [50], 999 * 86_400_000, () => 0.5)).toBe(MAX_RETRY_AFTER_MS);
    // A shorter Retry-After does not hurry the schedule.
    expect(retryDelay(2, DEFAULT_RETRY_SCHEDULE_MS, 1_000, () => 0.5)).toBe(300_000);
  });
});
