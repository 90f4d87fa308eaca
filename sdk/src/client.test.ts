import { MAX_EVENT_BYTES as SERVER_MAX_EVENT_BYTES } from '@huashu/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHuashu, MAX_EVENT_BYTES, type HuashuOptions } from './client.js';
import type { StorageLike } from './queue/storage.js';
import { createMemoryStorage, fakePage, json, scriptedFetch, type ScriptStep } from './test-support/fakes.js';
import type { HuashuApiError } from './transport.js';

const KEY = 'pk_test_abcdefghijklmnop';

function setup(options: Partial<HuashuOptions> = {}, ...script: ScriptStep[]) {
  const storage = (options.storage ?? createMemoryStorage()) as StorageLike;
  const server = scriptedFetch(...script);
  const errors: HuashuApiError[] = [];
  const client = createHuashu({ endpoint: 'https://api.test/', publishableKey: KEY, fetch: server.fetch, environment: null, ...options, storage });
  client.on('error', (error) => errors.push(error));
  return { client, server, storage, errors };
}

const offline = () => new TypeError('Failed to fetch');

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-11-22T10:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('batching', () => {
  it('sends as soon as flushAt events wait, with the key, messageId and timestamp on each event', async () => {
    const { client, server } = setup({ flushAt: 3 });
    client.track('a', { n: 1 });
    client.track('b');
    await vi.advanceTimersByTimeAsync(0);
    expect(server.requests).toHaveLength(0);
    client.track('c');
    await vi.advanceTimersByTimeAsync(0);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.url).toBe('https://api.test/v1/events/batch');
    expect(request!.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(request!.body.sentAt).toBe('2026-11-22T10:00:00.000Z');
    expect(request!.body.batch.map((event: { event: string }) => event.event)).toEqual(['a', 'b', 'c']);
    expect(request!.body.batch[0]).toEqual({
      messageId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'track',
      event: 'a',
      anonymousId: expect.any(String),
      properties: { n: 1 },
      timestamp: '2026-11-22T10:00:00.000Z',
    });
    expect(client.queueSize()).toBe(0);
  });

  it('sends what waits flushIntervalMs after the first event', async () => {
    const { client, server } = setup({ flushIntervalMs: 5000 });
    client.track('a');
    await vi.advanceTimersByTimeAsync(3000);
    client.track('b');
    await vi.advanceTimersByTimeAsync(1999);
    expect(server.requests).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.sentIds()).toHaveLength(2);
  });

  it('flush() sends everything now and resolves when the queue is empty', async () => {
    const { client, server } = setup();
    for (let i = 0; i < 250; i++) client.track(`e${i}`);
    await client.flush();
    expect(client.queueSize()).toBe(0);
    // 20 went on reaching flushAt, the rest in requests of at most 100 events.
    expect(server.requests.every((request) => request.body.batch.length <= 100)).toBe(true);
    expect(new Set(server.sentIds()).size).toBe(250);
  });
});

describe('persistence', () => {
  it('survives a reload: a new client over the same storage re-sends the same events', async () => {
    const storage = createMemoryStorage();
    // Every attempt fails: backoff is jittered, so a fixed number of failures
    // could run out inside the 6 s below and let a retry succeed.
    const first = setup({ storage }, ...Array.from({ length: 50 }, offline));
    first.client.track('before_reload');
    first.client.track('also_before');
    await vi.advanceTimersByTimeAsync(6000);
    expect(first.client.queueSize()).toBe(2);
    const lost = first.server.requests[0]!.body.batch.map((event: { messageId: string }) => event.messageId);
    first.client.destroy();

    const second = setup({ storage });
    expect(second.client.queueSize()).toBe(2);
    await vi.advanceTimersByTimeAsync(5000);
    expect(second.server.sentIds()).toEqual(lost);
    expect(second.client.queueSize()).toBe(0);
  });

  it('keeps in-flight events stored until the server acknowledged them', async () => {
    const storage = createMemoryStorage();
    let answer!: () => void;
    const { client } = setup({ storage, flushAt: 1 }, (request) => new Promise((resolve) => (answer = () => resolve(json({ accepted: request.body.batch.length, duplicates: 0, rejected: [] })))));
    client.track('a');
    await vi.advanceTimersByTimeAsync(0);
    const stored = () => [...Array(storage.length).keys()].map((i) => storage.key(i)!).filter((key) => key.startsWith('huashu:q:'));
    expect(stored()).toHaveLength(1);
    answer();
    await vi.advanceTimersByTimeAsync(0);
    expect(stored()).toHaveLength(0);
  });

  it('caps the queue, dropping the oldest events with an error', async () => {
    const { client, errors } = setup({ maxQueue: 3, flushAt: 100 });
    ['1', '2', '3', '4', '5'].forEach((name) => client.track(name));
    expect(client.queueSize()).toBe(3);
    await vi.advanceTimersByTimeAsync(0);
    const overflow = errors.filter((error) => error.code === 'queue_overflow');
    expect(overflow.flatMap((error) => error.events!.map((event) => event.event))).toEqual(['1', '2']);
  });

  it('refuses an event above the server limit, which matches @huashu/core', async () => {
    expect(MAX_EVENT_BYTES).toBe(SERVER_MAX_EVENT_BYTES);
    const { client, errors } = setup();
    client.track('huge', { text: '话'.repeat(MAX_EVENT_BYTES / 3) });
    await vi.advanceTimersByTimeAsync(0);
    expect(client.queueSize()).toBe(0);
    expect(errors.map((error) => error.code)).toEqual(['event_too_large']);
  });
});

describe('text the server can store', () => {
  const GRIN = '😀'; // two UTF-16 code units
  const HIGH = '\ud83d';
  const LOW = '\ude00';

  it('cuts a page view\'s own title, URL and referrer at a code-point boundary, never through an emoji', async () => {
    const page = fakePage(`https://example.com/landing?utm=${'x'.repeat(3000)}`);
    page.document.title = `a${GRIN.repeat(1500)}`;
    const { client, server } = setup({ environment: page.environment, autoPage: false });
    client.page();
    await client.flush();
    const { title, url } = server.requests[0]!.body.batch[0].properties;
    // 2048 units would end in the first half of an emoji; the cut comes one unit earlier.
    expect(title).toBe(`a${GRIN.repeat(1023)}`);
    expect(url).toHaveLength(2048);
    expect(url.startsWith('https://example.com/landing?utm=xxx')).toBe(true);
  });

  it('sends lone surrogates in names, keys and values as U+FFFD', async () => {
    const { client, server, storage } = setup();
    client.track(`cta${HIGH}`, { note: `x${HIGH}y${GRIN}`, [`k${LOW}`]: [LOW] });
    const queueKey = [...Array(storage.length).keys()].map((i) => storage.key(i)!).find((key) => key.startsWith('huashu:q:'))!;
    const stored = storage.getItem(queueKey);
    await client.flush();
    const [event] = server.requests[0]!.body.batch;
    expect(event.event).toBe('cta\ufffd');
    expect(event.properties).toEqual({ note: `x\ufffdy${GRIN}`, 'k\ufffd': ['\ufffd'] });
    // Mended before it was queued, so storage and beacons hold the same text.
    expect(stored).toContain('cta\ufffd');
    expect(stored).not.toMatch(/\\ud[89a-f]/i);
  });
});

describe('an event the server keeps failing', () => {
  const serverError = () => json({ error: { code: 'internal', message: 'internal server error' } }, 500);

  it('is dropped after maxAttempts tries alone and reported through on(\'error\')', async () => {
    const { client, server, errors } = setup({ maxAttempts: 2, flushAt: 1 }, serverError(), serverError());
    client.track('poisoned');
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(server.requests).toHaveLength(2);
    expect(client.queueSize()).toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'event_rejected', status: 500 });
    expect(errors[0]!.events!.map((event) => event.event)).toEqual(['poisoned']);
  });

  it('stays out of unload beacons once suspected, so it cannot sink them', async () => {
    const page = fakePage();
    const { client } = setup({ environment: page.environment, autoPage: false, flushAt: 1 }, serverError());
    client.track('suspect');
    await vi.advanceTimersByTimeAsync(0);
    client.track('fresh');
    page.pagehide();
    expect(page.beacons.flatMap((beacon) => JSON.parse(beacon.body).batch.map((event: { event: string }) => event.event))).toEqual(['fresh']);
  });
});

describe('identity', () => {
  it('identify sends the anonymous id with the lead id, and later events carry the lead id', async () => {
    const { client, server } = setup();
    client.track('anonymous');
    client.identify('lead_42');
    client.identify({ email: 'li@example.com' });
    client.track('known');
    await client.flush();
    const [anonymous, identify, traits, known] = server.requests.flatMap((request) => request.body.batch);
    expect(anonymous.leadId).toBeUndefined();
    expect(identify).toMatchObject({ type: 'identify', anonymousId: anonymous.anonymousId, leadId: 'lead_42', properties: {} });
    expect(traits).toMatchObject({ type: 'identify', leadId: 'lead_42', properties: { email: 'li@example.com' } });
    expect(known).toMatchObject({ anonymousId: anonymous.anonymousId, leadId: 'lead_42' });
  });

  it('keeps the anonymous id across reloads and forgets it on reset()', async () => {
    const storage = createMemoryStorage();
    const first = setup({ storage });
    first.client.track('a');
    await first.client.flush();
    first.client.destroy();
    const second = setup({ storage });
    second.client.track('b');
    second.client.reset();
    second.client.track('c');
    await second.client.flush();
    const a = first.server.requests[0]!.body.batch[0];
    const [b, c] = second.server.requests.flatMap((request) => request.body.batch);
    expect(b.anonymousId).toBe(a.anonymousId);
    expect(c.anonymousId).not.toBe(a.anonymousId);
  });
});

describe('consent', () => {
  it('opt-in mode records nothing, and stores no id, until optIn(); the choice persists', async () => {
    const storage = createMemoryStorage();
    const { client, server } = setup({ storage, consent: 'opt-in' });
    client.track('too_early');
    client.identify('lead_1');
    expect(client.isTracking()).toBe(false);
    expect(client.queueSize()).toBe(0);
    expect(storage.length).toBe(1); // this tab's heartbeat, nothing about the visitor
    client.optIn();
    client.track('welcome');
    await client.flush();
    expect(server.requests.flatMap((request) => request.body.batch).map((event) => event.event)).toEqual(['welcome']);
    client.destroy();
    const again = setup({ storage, consent: 'opt-in' });
    expect(again.client.isTracking()).toBe(true);
  });

  it('opt-out mode tracks until optOut(), which also deletes unsent events; the choice persists', async () => {
    const storage = createMemoryStorage();
    const { client, server } = setup({ storage });
    client.track('before');
    client.optOut();
    client.track('after');
    await client.flush();
    expect(server.requests).toHaveLength(0);
    expect(client.queueSize()).toBe(0);
    client.destroy();
    expect(setup({ storage }).client.isTracking()).toBe(false);
  });

  it('respects Do Not Track when asked to, unless the visitor opts in explicitly', () => {
    const page = fakePage();
    page.navigator.doNotTrack = '1';
    const { client } = setup({ environment: page.environment, respectDoNotTrack: true, autoPage: false });
    client.track('x');
    expect(client.queueSize()).toBe(0);
    client.optIn();
    client.track('x');
    expect(client.queueSize()).toBe(1);
    expect(setup({ environment: page.environment, autoPage: false }).client.isTracking()).toBe(true);
  });

  it('an opt-out in another tab stops this tab from sending what it still holds', async () => {
    const storage = createMemoryStorage();
    const tabA = setup({ storage, flushAt: 100 });
    const tabB = setup({ storage });
    tabA.client.track('queued_in_a');
    tabB.client.optOut();
    await tabA.client.flush();
    expect(tabA.server.requests).toHaveLength(0);
    expect(tabA.client.queueSize()).toBe(0);
  });
});

describe('pre-init stub', () => {
  it('replays calls made before the SDK loaded, in order, and keeps accepting pushes', async () => {
    const page = fakePage('https://example.com/pricing');
    page.window['huashu'] = [
      ['track', 'cta_click', { id: 'hero' }],
      ['identify', 'lead_7'],
      ['nonsense', 1],
    ];
    const { client, server, errors } = setup({ environment: page.environment, autoPage: false });
    (page.window['huashu'] as { push(call: unknown[]): void }).push(['download', 'doc_1', 'Security white paper']);
    await client.flush();
    const events = server.requests.flatMap((request) => request.body.batch);
    expect(events.map((event) => event.event ?? event.type)).toEqual(['cta_click', 'identify', 'document_download']);
    expect(events[2]).toMatchObject({ leadId: 'lead_7', properties: { documentId: 'doc_1', title: 'Security white paper' } });
    expect(errors.map((error) => error.code)).toEqual(['invalid_argument']);
  });

  it('leaves a global it does not own alone', () => {
    const page = fakePage();
    const theirs = { version: 'other library' };
    page.window['huashu'] = theirs;
    setup({ environment: page.environment });
    expect(page.window['huashu']).toBe(theirs);
  });
});

describe('never throws into the host page', () => {
  const throwingStorage: StorageLike = {
    get length(): number {
      throw new Error('SecurityError');
    },
    key: () => {
      throw new Error('SecurityError');
    },
    getItem: () => {
      throw new Error('SecurityError');
    },
    setItem: () => {
      throw new DOMException('full', 'QuotaExceededError');
    },
    removeItem: () => {
      throw new Error('SecurityError');
    },
  };

  it('survives a fetch that throws synchronously and storage that throws on every call', async () => {
    const page = fakePage();
    const errors: HuashuApiError[] = [];
    const client = createHuashu({
      endpoint: 'https://api.test',
      publishableKey: KEY,
      environment: page.environment,
      storage: throwingStorage,
      fetch: () => {
        throw new Error('fetch exploded');
      },
    });
    client.on('error', (error) => errors.push(error));
    await vi.advanceTimersByTimeAsync(0);
    // Reported once, not once per failing call.
    expect(errors.map((error) => error.code)).toEqual(['storage_error']);
    expect(() => {
      client.track('a', { b: 1 });
      client.page();
      client.identify('lead_1');
      client.download('doc', 'Doc');
      client.optIn();
      client.optOut();
      client.optIn();
      client.reset();
      page.history.pushState({}, '', '/next');
      page.setVisibility('hidden');
      page.pagehide();
      client.destroy();
    }).not.toThrow();
    await expect(client.flush()).resolves.toBeUndefined();
    const capture = expect(client.leads.capture({ source: 'website' })).rejects.toMatchObject({ code: 'network_error' });
    await vi.advanceTimersByTimeAsync(10_000);
    await capture;
  });

  it('reports misuse instead of throwing', async () => {
    const { client, errors } = setup();
    const loose = client as unknown as Record<string, (...args: unknown[]) => unknown>;
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(() => {
      loose['track']!();
      loose['track']!('x', 'not an object');
      loose['track']!('x', circular);
      loose['identify']!(null);
      loose['identify']!({ leadId: 42 });
      loose['download']!();
    }).not.toThrow();
    await vi.advanceTimersByTimeAsync(0);
    expect(errors.map((error) => error.code)).toEqual(['invalid_argument', 'invalid_argument', 'unexpected', 'invalid_argument', 'invalid_argument', 'invalid_argument']);
    expect(client.queueSize()).toBe(0);
  });

  it('a throwing error listener neither stops the others nor escapes', async () => {
    const { client } = setup({ endpoint: 'not a url' });
    const heard: string[] = [];
    client.on('error', () => {
      throw new Error('listener bug');
    });
    client.on('error', (error) => heard.push(error.code));
    await vi.advanceTimersByTimeAsync(0);
    expect(heard).toEqual(['invalid_argument']);
  });

  it('accepts a same-origin path as endpoint, for sites that proxy the API', async () => {
    const { client, server } = setup({ endpoint: '/huashu' });
    client.track('a');
    await client.flush();
    expect(server.requests[0]!.url).toBe('/huashu/v1/events/batch');
  });

  it('refuses leads while the endpoint is neither a URL nor a path', async () => {
    const { client: broken } = setup({ endpoint: 'api.example.com' });
    await expect(broken.leads.capture({ source: 'website' })).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('keeps events while the endpoint is missing instead of dropping them', async () => {
    const { client, server } = setup({ endpoint: '' });
    client.track('a');
    await client.flush();
    expect(server.requests).toHaveLength(0);
    expect(client.queueSize()).toBe(1);
  });
});

describe('online and offline', () => {
  it('waits while the browser is offline and sends on the online event', async () => {
    const page = fakePage();
    page.navigator.onLine = false;
    const { client, server } = setup({ environment: page.environment, autoPage: false });
    client.track('a');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.requests).toHaveLength(0);
    page.navigator.onLine = true;
    page.dispatch(page.window, 'online');
    await vi.advanceTimersByTimeAsync(0);
    expect(server.sentIds()).toHaveLength(1);
  });
});

describe('unload', () => {
  it('beacons unsent events with ?key= when the page is hidden, keeps them marked, and re-sends them next load', async () => {
    const storage = createMemoryStorage();
    const page = fakePage();
    const first = setup({ storage, environment: page.environment, autoPage: false, flushAt: 100 });
    first.client.track('a');
    first.client.track('b');
    page.setVisibility('hidden');
    expect(page.beacons).toHaveLength(1);
    expect(page.beacons[0]!.url).toBe(`https://api.test/v1/events/batch?key=${KEY}`);
    const beaconed = JSON.parse(page.beacons[0]!.body).batch.map((event: { messageId: string }) => event.messageId);
    expect(beaconed).toHaveLength(2);
    // Hidden again: nothing new to beacon, nothing beaconed twice.
    page.setVisibility('visible');
    page.setVisibility('hidden');
    expect(page.beacons).toHaveLength(1);
    expect(first.client.queueSize()).toBe(2);
    page.pagehide();
    first.client.destroy();

    const next = setup({ storage, environment: fakePage().environment, autoPage: false });
    await next.client.flush();
    expect(next.server.sentIds()).toEqual(beaconed);
  });

  it('splits beacons into bodies under 64 KiB, in order', () => {
    const page = fakePage();
    const { client } = setup({ environment: page.environment, autoPage: false, flushAt: 1000 });
    for (let i = 0; i < 60; i++) client.track(`e${i}`, { blob: '话'.repeat(1500) });
    page.pagehide();
    expect(page.beacons.length).toBeGreaterThan(1);
    const sizes = page.beacons.map((beacon) => new TextEncoder().encode(beacon.body).length);
    expect(Math.max(...sizes)).toBeLessThan(64 * 1024);
    const names = page.beacons.flatMap((beacon) => JSON.parse(beacon.body).batch.map((event: { event: string }) => event.event));
    expect(names).toEqual(Array.from({ length: 60 }, (_, i) => `e${i}`));
  });

  it('stops beaconing when the browser refuses (keepalive quota) and keeps the rest unmarked', () => {
    const page = fakePage();
    let accepted = 1;
    page.navigator.sendBeacon = (url: string, data?: BodyInit | null) => {
      page.beacons.push({ url, body: String(data) });
      return accepted-- > 0;
    };
    const { client } = setup({ environment: page.environment, autoPage: false, flushAt: 1000 });
    for (let i = 0; i < 60; i++) client.track(`e${i}`, { blob: '话'.repeat(1500) });
    page.setVisibility('hidden');
    expect(page.beacons).toHaveLength(2);
    page.setVisibility('visible');
    accepted = 100;
    page.setVisibility('hidden');
    // The refused chunk is offered again; the accepted one is not.
    const first = JSON.parse(page.beacons[0]!.body).batch[0].event;
    const retried = JSON.parse(page.beacons[2]!.body).batch[0].event;
    expect(retried).not.toBe(first);
    expect(retried).toBe(JSON.parse(page.beacons[1]!.body).batch[0].event);
  });
});
