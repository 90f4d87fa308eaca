import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHuashu } from '../client.js';
import { createMemoryStorage, fakePage, scriptedFetch } from '../test-support/fakes.js';
import { createDwellTracker, IDLE_AFTER_MS } from './dwell.js';

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-11-22T10:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Interacts every `everyMs` for `forMs`, like a visitor reading and scrolling. */
function busy(page: ReturnType<typeof fakePage>, forMs: number, everyMs = 5000) {
  for (let elapsed = 0; elapsed < forMs; elapsed += everyMs) {
    vi.advanceTimersByTime(Math.min(everyMs, forMs - elapsed));
    page.interact();
  }
}

describe('createDwellTracker', () => {
  it('counts time while the page is visible and the visitor active', () => {
    const page = fakePage();
    const dwell = createDwellTracker(page.environment, Date.now);
    busy(page, 40_000);
    expect(dwell.activeSeconds()).toBe(40);
  });

  it('stops counting 30 s after the last activity', () => {
    const page = fakePage();
    const dwell = createDwellTracker(page.environment, Date.now);
    busy(page, 10_000);
    vi.advanceTimersByTime(5 * 60_000);
    expect(dwell.activeSeconds()).toBe(10 + IDLE_AFTER_MS / 1000);
    page.interact();
    vi.advanceTimersByTime(4000);
    expect(dwell.activeSeconds()).toBe(44);
  });

  it('counts nothing while hidden, even with activity events, and resumes on return', () => {
    const page = fakePage();
    const dwell = createDwellTracker(page.environment, Date.now);
    vi.advanceTimersByTime(3000);
    page.setVisibility('hidden');
    busy(page, 60_000);
    expect(dwell.activeSeconds()).toBe(3);
    page.setVisibility('visible');
    vi.advanceTimersByTime(7000);
    expect(dwell.activeSeconds()).toBe(10);
  });

  it('counts from zero after restart and stops listening after destroy', () => {
    const page = fakePage();
    const dwell = createDwellTracker(page.environment, Date.now);
    busy(page, 20_000);
    dwell.restart();
    busy(page, 5000);
    expect(dwell.activeSeconds()).toBe(5);
    dwell.destroy();
    vi.advanceTimersByTime(60_000);
    page.interact();
    vi.advanceTimersByTime(10_000);
    expect(dwell.activeSeconds()).toBe(35);
  });
});

describe('page_dwell events', () => {
  function setup() {
    const page = fakePage('https://example.com/compare/acme');
    const server = scriptedFetch();
    const client = createHuashu({
      endpoint: 'https://api.test',
      publishableKey: 'pk_test_1',
      fetch: server.fetch,
      storage: createMemoryStorage(),
      environment: page.environment,
      pageTypes: { '/compare/*': 'competitor_comparison', '/pricing': 'pricing' },
    });
    const events = () => [
      ...server.requests.flatMap((request) => request.body.batch),
      ...page.beacons.flatMap((beacon) => JSON.parse(beacon.body).batch),
    ];
    return { page, client, events };
  }

  it('reports active seconds and page type of the page left on a route change and on pagehide', async () => {
    const { page, client, events } = setup();
    busy(page, 200_000);
    page.setVisibility('hidden');
    vi.advanceTimersByTime(60_000);
    page.setVisibility('visible');
    page.history.pushState({}, '', '/pricing?plan=pro');
    busy(page, 12_000);
    page.pagehide();
    await client.flush();
    const byId = new Map(events().map((event) => [event.messageId, event]));
    const seen = [...byId.values()].map((event) => [event.type, event.event, event.properties]);
    expect(seen).toEqual([
      ['page', undefined, expect.objectContaining({ path: '/compare/acme', pageType: 'competitor_comparison', referrer: 'https://search.example/' })],
      ['track', 'page_dwell', { path: '/compare/acme', pageType: 'competitor_comparison', activeSeconds: 200 }],
      ['page', undefined, expect.objectContaining({ path: '/pricing', pageType: 'pricing', referrer: 'https://example.com/compare/acme' })],
      ['track', 'page_dwell', { path: '/pricing', pageType: 'pricing', activeSeconds: 12 }],
    ]);
  });

  it('attaches the current page type to every event', async () => {
    const { client, events } = setup();
    client.track('poc_request');
    client.download('doc_9', 'Security white paper');
    await client.flush();
    expect(events().slice(1).map((event) => event.properties.pageType)).toEqual(['competitor_comparison', 'competitor_comparison']);
  });
});
