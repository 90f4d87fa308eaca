/**
 * Issue #5's delivery guarantees, end to end: the built SDK bundle in real
 * Chromium, the real server over PGlite, and a fault-injecting proxy between
 * them as the network. Every scenario ends the same way: the server holds
 * exactly N events of the scenario, with N distinct `seq` values — nothing
 * lost, nothing counted twice.
 *
 * Why a proxy and not Playwright's `page.route`: route handlers belong to a
 * page, and a beacon sent while that page closes may never reach them (the
 * page and its handlers are gone), nor would a reload's in-flight requests be
 * "the network" in any honest sense. A real HTTP server in between sees
 * exactly what leaves the browser — fetches, beacons, retries — whichever page
 * sent it and whether or not that page still exists, and it can cut sockets
 * the way a dead link does.
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testEngines, type TestServer, type TestTenant } from '@huashu/server/testing';
import type { Database } from '@huashu/server';
import type { HuashuClient } from '../client.js';
import { DEFAULT_MAX_ATTEMPTS } from '../delivery/dispatcher.js';
import { launchChromium } from './chromium.js';
import { DROP, FORWARD, HOLD, startFaultProxy, type FaultProxy, type ProxiedRequest } from './fault-proxy.js';

const BUNDLE = fileURLToPath(new URL('../../dist/huashu-sdk.min.js', import.meta.url));
const N = 40;
const ALL_SEQS = Array.from({ length: N }, (_, i) => i);

/** What the test page puts on `window`. */
interface TestWindow {
  client: HuashuClient;
  /** Everything the client reported through `on('error')`; a dropped event would show up here. */
  errors: Array<{ code: string; status: number; message: string; messageIds?: string[] }>;
  /** Tracks `seq` from … to-1, synchronously, tagged with the scenario; `pad` adds that many bytes of filler to each. */
  sendEvents(scenario: string, from: number, to: number, pad?: number): void;
}

/**
 * The host page: loads the bundle from the same origin and starts a client
 * with a small `flushAt` and a short interval, so batching and retries happen
 * within the test's time. It runs on every load, so a reloaded or newly opened
 * page starts a fresh client with the same publishable key, as a real site does.
 */
function testPage(publishableKey: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>huashu delivery e2e</title></head>
<body>
<script type="module">
import { createHuashu } from '/sdk.js';
window.errors = [];
window.client = createHuashu({ endpoint: location.origin, publishableKey: ${JSON.stringify(publishableKey)}, flushAt: 5, flushIntervalMs: 200, autoPage: false });
window.client.on('error', (error) => window.errors.push({ code: error.code, status: error.status, message: error.message, messageIds: error.events?.map((event) => event.messageId) }));
window.sendEvents = (scenario, from, to, pad = 0) => {
  for (let seq = from; seq < to; seq++) window.client.track('e2e_delivery', pad ? { scenario, seq, pad: 'x'.repeat(pad) } : { scenario, seq });
};
</script>
</body>
</html>`;
}

interface Tally {
  rows: number;
  distinctIds: number;
  /** Sorted. */
  seqs: number[];
  messageIds: string[];
}

interface WireEvent {
  messageId: string;
  properties?: { scenario?: string };
}

const isBatch = (request: ProxiedRequest) => request.method === 'POST' && request.path === '/v1/events/batch';
const messageIdsOf = (request: ProxiedRequest): string[] => (request.body?.batch ?? []).map((event: WireEvent) => event.messageId);
const sum = (requests: ProxiedRequest[], field: 'accepted' | 'duplicates') => requests.reduce((total, request) => total + (request.upstream?.[field] ?? 0), 0);
/** Requests the proxy passed to the server and the server answered. */
const delivered = (requests: ProxiedRequest[]) => requests.filter((request) => request.fault === 'forward' && request.status === 200);
/**
 * The scenario's messageIds that `requests` carried. Counting by id rather
 * than by the server's `accepted` figure matters on pagehide: the SDK then
 * also queues a `page_dwell` event (whenever the page was visible for half a
 * second or more), which rides along in the same beacon or queue.
 */
const carried = (requests: ProxiedRequest[], scenario: string) =>
  new Set(requests.flatMap((request) => (request.body?.batch ?? []).filter((event: WireEvent) => event.properties?.scenario === scenario).map((event: WireEvent) => event.messageId)));

describe('event delivery in Chromium through a faulty network (issue #5)', () => {
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;
  let proxy: FaultProxy;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: Error[] = [];

  beforeAll(async () => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run \`npx tsc -b sdk server && npx rollup -c rollup.config.mjs\` first`);
    db = await testEngines()[0]!.open();
    server = await startTestServer(db);
    tenant = await server.tenant();
    proxy = await startFaultProxy({ upstream: server.url, page: testPage(tenant.publishableKey), bundle: BUNDLE });
    browser = await launchChromium();
  });

  afterEach(async () => {
    // A fresh browser context per test: its own localStorage, so no test adopts another's queue.
    for (const context of contexts.splice(0)) await context.close();
    proxy.reset();
    pageErrors.length = 0;
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await server?.close();
    await db?.close();
  });

  async function newContext(): Promise<BrowserContext> {
    const context = await browser.newContext();
    contexts.push(context);
    return context;
  }

  async function openPage(context: BrowserContext): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error));
    await page.goto(`${proxy.url}/page.html`);
    await waitForClient(page);
    return page;
  }

  const waitForClient = (page: Page) => page.waitForFunction(() => (window as unknown as TestWindow).client !== undefined);
  const send = (page: Page, scenario: string, from = 0, to = N, pad = 0) =>
    page.evaluate(([scenario, from, to, pad]) => (window as unknown as TestWindow).sendEvents(scenario, from, to, pad), [scenario, from, to, pad] as const);
  const queueSize = (page: Page) => page.evaluate(() => (window as unknown as TestWindow).client.queueSize());
  const flush = (page: Page) => page.evaluate(() => (window as unknown as TestWindow).client.flush());
  const reportedErrors = (page: Page) => page.evaluate(() => (window as unknown as TestWindow).errors);
  const batches = () => proxy.log.filter(isBatch);

  async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(50);
    }
  }

  async function tally(scenario: string): Promise<Tally> {
    const { rows } = await server.db.query<{ rows: number; distinct_ids: number; seqs: string[] | null; message_ids: string[] | null }>(
      `SELECT count(*)::int AS rows, count(DISTINCT message_id)::int AS distinct_ids,
              array_agg(properties->>'seq') AS seqs, array_agg(message_id) AS message_ids
         FROM events WHERE tenant_id = $1 AND properties->>'scenario' = $2`,
      [tenant.id, scenario],
    );
    const row = rows[0]!;
    return {
      rows: row.rows,
      distinctIds: row.distinct_ids,
      seqs: (row.seqs ?? []).map(Number).sort((a, b) => a - b),
      messageIds: row.message_ids ?? [],
    };
  }

  /**
   * Polls until the scenario's row count has stopped moving: one second
   * unchanged once N or more arrived (a late duplicate would still show), five
   * seconds if fewer did (delivery stalled). The caller asserts on the result.
   */
  async function settle(scenario: string): Promise<Tally> {
    const deadline = Date.now() + 20_000;
    let last = await tally(scenario);
    let stableSince = Date.now();
    for (;;) {
      await sleep(150);
      const next = await tally(scenario);
      if (next.rows !== last.rows) stableSince = Date.now();
      last = next;
      const stableFor = Date.now() - stableSince;
      if ((last.rows >= N && stableFor >= 1_000) || stableFor >= 5_000 || Date.now() > deadline) return last;
    }
  }

  /**
   * No loss and no double count. `message_id` is part of the events table's primary key, so a re-sent
   * event cannot be stored twice under its own id; the `seq` list is what would catch one re-sent
   * under a new messageId (an SDK that re-minted ids on retry).
   */
  function expectExactlyN(result: Tally): void {
    expect({ rows: result.rows, distinctIds: result.distinctIds, seqs: result.seqs }).toEqual({ rows: N, distinctIds: N, seqs: ALL_SEQS });
  }

  it('(a) connections dropped, then the browser offline: all N queue up and arrive exactly once when the network is back', async () => {
    const scenario = 'a-offline';
    const context = await newContext();
    const page = await openPage(context);
    proxy.rule = (request) => (request.path.startsWith('/v1/') ? DROP : FORWARD);

    await send(page, scenario, 0, N / 2);
    // Two dropped attempts: the SDK tried, failed with a network error and retried.
    await until(() => batches().filter((request) => request.fault === 'drop').length >= 2, 'two dropped batch requests');

    // Now the browser itself goes offline (navigator.onLine === false): the SDK must keep queueing, not send or drop.
    await context.setOffline(true);
    await send(page, scenario, N / 2, N);
    expect(await queueSize(page)).toBe(N);
    await flush(page);
    expect(await queueSize(page)).toBe(N);

    proxy.rule = () => FORWARD;
    // Going online fires `online`, on which the SDK flushes; the explicit flush makes the wait deterministic.
    await context.setOffline(false);
    await flush(page);
    await until(async () => (await queueSize(page)) === 0, 'the queue to drain');

    expectExactlyN(await settle(scenario));
    // Dropped requests never reached the server, so each event reached it exactly once (the page never
    // unloaded here, so there is no page_dwell event among them).
    expect(sum(batches(), 'accepted')).toBe(N);
    expect(sum(batches(), 'duplicates')).toBe(0);
    expect(await reportedErrors(page)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('(b) 500 twice (each halves the batch), then 429 with Retry-After: 1 twice: exactly N, and even forced flushes wait out Retry-After', async ({ annotate }) => {
    const scenario = 'b-server-errors';
    const K = 2;
    const context = await newContext();
    const page = await openPage(context);
    let failures = 0;
    proxy.rule = (request) => {
      if (!isBatch(request)) return FORWARD;
      failures++;
      if (failures <= K) return { kind: 'respond', status: 500 };
      if (failures <= 2 * K) return { kind: 'respond', status: 429, headers: { 'retry-after': '1' } };
      return FORWARD;
    };

    await send(page, scenario);
    // Hammer flush() (it skips the exponential backoff) to show that only Retry-After holds the SDK back.
    const deadline = Date.now() + 20_000;
    while ((await queueSize(page)) > 0 && Date.now() < deadline) {
      await flush(page);
      await sleep(50);
    }

    expectExactlyN(await settle(scenario));
    const requests = batches();
    // One request in flight at a time, so the sequence is exact: each 500 halves the batch (it cannot say
    // which event failed), each 429 resends the same events once Retry-After is over, and after the first
    // success the rest of the queue goes as one batch again.
    const quarter = N / 4;
    expect(requests.map((request) => [request.status, messageIdsOf(request).length])).toEqual([
      [500, N],
      [500, N / 2],
      [429, quarter],
      [429, quarter],
      [200, quarter],
      [200, N - quarter],
    ]);
    const waits = requests.flatMap((request, i) => (request.status === 429 ? [requests[i + 1]!.arrivedAt - request.answeredAt!] : []));
    await annotate(`waits after the 429s: ${waits.join(' ms, ')} ms`);
    // Retry-After is 1 s; 900 ms leaves room for the proxy's clock reading vs. the browser's receipt of the answer.
    for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(900);
    // Every try carried the first request's events under their messageIds, halves as its leading part, and those are the rows stored.
    const ids = messageIdsOf(requests[0]!);
    expect(new Set(ids).size).toBe(N);
    for (const request of requests.slice(1, -1)) expect(messageIdsOf(request)).toEqual(ids.slice(0, messageIdsOf(request).length));
    expect(messageIdsOf(requests.at(-1)!)).toEqual(ids.slice(quarter));
    expect(new Set((await tally(scenario)).messageIds)).toEqual(new Set(ids));
    expect(await reportedErrors(page)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('(c) page reloaded while every request fails: the reloaded page adopts the stored queue and delivers exactly N', async () => {
    const scenario = 'c-reload';
    const context = await newContext();
    const page = await openPage(context);
    // 503 for every API request, the unload beacon included, so nothing can leave before the reload.
    proxy.rule = (request) => (request.path.startsWith('/v1/') ? { kind: 'respond', status: 503 } : FORWARD);

    await send(page, scenario);
    await until(() => batches().length >= 1, 'a failed batch attempt');
    expect(await queueSize(page)).toBe(N);

    await page.reload();
    await waitForClient(page);
    // A new client on the new page (same publishable key) found the previous page's queue in localStorage
    // (plus, if the old page was visible for half a second or more, its page_dwell event).
    expect(await queueSize(page)).toBeGreaterThanOrEqual(N);
    expect(batches().some((request) => request.beacon), 'the unloading page tried a beacon').toBe(true);

    proxy.rule = () => FORWARD;
    await flush(page);
    await until(async () => (await queueSize(page)) === 0, 'the queue to drain');

    const stored = await settle(scenario);
    expectExactlyN(stored);
    // All of it went out from the reloaded page: nothing got past the 503s before.
    expect(carried(delivered(batches()), scenario)).toEqual(new Set(stored.messageIds));
    expect(await reportedErrors(page)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('(d) page closed right after the last track(), its fetch cut off: the unload beacon delivers all N; the next page re-sends them and the server counts them once', async () => {
    const scenario = 'd-beacon';
    const context = await newContext();
    const page = await openPage(context);
    // Hold the page's own batch fetch (a request still in flight when the tab closes); let beacons through.
    proxy.rule = (request) => (isBatch(request) && !request.beacon ? HOLD : FORWARD);

    await send(page, scenario);
    const closed = page.waitForEvent('close');
    await page.close({ runBeforeUnload: true });
    await closed;

    const stored = await settle(scenario);
    expectExactlyN(stored);
    const beacons = batches().filter((request) => request.beacon);
    expect(beacons.length).toBeGreaterThan(0);
    for (const beacon of beacons) {
      expect(beacon.headers['content-type']).toMatch(/^text\/plain/);
      expect(beacon.query.get('key')).toBe(tenant.publishableKey);
      expect(beacon.status).toBe(200);
    }
    expect(carried(beacons, scenario)).toEqual(new Set(stored.messageIds));
    expect(batches().filter((request) => !request.beacon && request.fault !== 'hold')).toEqual([]);

    // A beacon's fate is unknowable to the page, so the events stayed in localStorage; the next page
    // of the origin sends them again and the server recognises every messageId.
    proxy.rule = () => FORWARD;
    const next = await openPage(context);
    await until(async () => (await queueSize(next)) === 0, 'the next page to drain the beaconed events');
    const resent = delivered(batches().filter((request) => !request.beacon));
    expect(carried(resent, scenario)).toEqual(new Set(stored.messageIds));
    // Recognised, not stored again (the closed page's page_dwell, beaconed too, may add one more duplicate).
    expect(sum(resent, 'duplicates')).toBeGreaterThanOrEqual(N);
    expect(sum(resent, 'accepted')).toBe(0);
    expectExactlyN(await settle(scenario));
    expect(await reportedErrors(next)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('(d) page closed right after the last track(), fetch cut off and beacon lost: the next page of the origin delivers all N from localStorage', async () => {
    const scenario = 'd-storage';
    const context = await newContext();
    const page = await openPage(context);
    proxy.rule = (request) => (isBatch(request) ? (request.beacon ? DROP : HOLD) : FORWARD);

    await send(page, scenario);
    const closed = page.waitForEvent('close');
    await page.close({ runBeforeUnload: true });
    await closed;
    await until(() => batches().some((request) => request.beacon), 'the unload beacon');
    expect((await tally(scenario)).rows).toBe(0);

    proxy.rule = () => FORWARD;
    const next = await openPage(context);
    await until(async () => (await queueSize(next)) === 0, 'the next page to drain the stored queue');

    const stored = await settle(scenario);
    expectExactlyN(stored);
    expect(carried(delivered(batches().filter((request) => !request.beacon)), scenario)).toEqual(new Set(stored.messageIds));
    expect(await reportedErrors(next)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('(d) page closed holding more than beacons may carry (~130 KB): the beacon takes what fits the 64 KiB keepalive quota, the next page delivers the rest', async () => {
    const scenario = 'd-oversize';
    const context = await newContext();
    const page = await openPage(context);
    proxy.rule = (request) => (isBatch(request) && !request.beacon ? HOLD : FORWARD);

    // ~3.3 KB an event: the SDK cuts the unload into ≤ 60 KiB beacons, and Chromium refuses the next
    // one while the first is in flight (all keepalive bodies of a page share one 64 KiB quota).
    await send(page, scenario, 0, N, 3_000);
    const closed = page.waitForEvent('close');
    await page.close({ runBeforeUnload: true });
    await closed;

    const byBeacon = await settle(scenario);
    expect(byBeacon.rows).toBeGreaterThan(0);
    expect(byBeacon.rows).toBeLessThan(N);
    // Refused beacons never leave the browser: what the proxy saw is exactly what was stored.
    expect(carried(batches().filter((request) => request.beacon), scenario)).toEqual(new Set(byBeacon.messageIds));

    proxy.rule = () => FORWARD;
    const next = await openPage(context);
    await until(async () => (await queueSize(next)) === 0, 'the next page to drain the stored queue');
    const stored = await settle(scenario);
    expectExactlyN(stored);
    // The next page sends the whole stored queue: the beaconed part again (recognised by messageId) and the rest.
    expect(carried(delivered(batches().filter((request) => !request.beacon)), scenario)).toEqual(new Set(stored.messageIds));
    expect(await reportedErrors(next)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('(d) page closed right after the last track(), network untouched: exactly N, whichever of fetch, beacon or next page delivered', async ({ annotate }) => {
    const scenario = 'd-untouched';
    const context = await newContext();
    const page = await openPage(context);

    await send(page, scenario);
    const closed = page.waitForEvent('close');
    await page.close({ runBeforeUnload: true });
    await closed;
    const afterClose = await settle(scenario);
    const by = (beacon: boolean) => carried(delivered(batches().filter((request) => request.beacon === beacon)), scenario).size;
    // Which path wins is a race (the fetch may finish before pagehide, or be cancelled by it); the guarantee is not.
    await annotate(`after close: ${afterClose.rows} stored; answered requests carried ${by(false)} by the page's fetch, ${by(true)} by beacon`);

    // Whatever is left in localStorage (all of it, if beacons or a cancelled fetch carried it) goes out with the next page.
    const next = await openPage(context);
    await until(async () => (await queueSize(next)) === 0, 'the next page to drain');
    const final = await settle(scenario);
    await annotate(`after the next page: ${final.rows} stored`);
    expectExactlyN(final);
    expect(await reportedErrors(next)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('(e) text cut through an emoji by the SDK, and a caller\'s lone surrogates: delivered, stored, whole code points only', async () => {
    const scenario = 'e-text';
    const grin = '😀';
    const context = await newContext();
    const page = await openPage(context);

    await page.evaluate(
      ([scenario, grin]) => {
        const { client } = window as unknown as TestWindow;
        // 1 + 2 × 1500 code units: the SDK's 2048-unit cut of a page's own title falls inside an emoji.
        document.title = `a${grin.repeat(1500)}`;
        client.page({ scenario });
        client.track('e2e_text', { scenario, pasted: `x\ud83dy`, [`k\udc00`]: `${grin}\ude00` });
      },
      [scenario, grin] as const,
    );
    await flush(page);
    await until(async () => (await queueSize(page)) === 0, 'the queue to drain');

    const { rows } = await server.db.query<{ type: string; properties: Record<string, string> }>(
      `SELECT type, properties FROM events WHERE tenant_id = $1 AND properties->>'scenario' = $2 ORDER BY type`,
      [tenant.id, scenario],
    );
    expect(rows.map((row) => row.type)).toEqual(['page', 'track']);
    expect(rows[0]!.properties['title']).toBe(`a${grin.repeat(1023)}`);
    expect(rows[1]!.properties).toMatchObject({ pasted: 'x\ufffdy', 'k\ufffd': `${grin}\ufffd` });
    // No request carried a lone surrogate, escaped or not.
    for (const request of batches()) expect(JSON.stringify(request.body)).not.toMatch(/\\ud[89a-f]/i);
    expect(batches().map((request) => request.status)).toEqual(batches().map(() => 200));
    expect(await reportedErrors(page)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it(`(f) one event the server always fails with 500, amid N good ones in the same batch: the N arrive exactly once, it is dropped after ${DEFAULT_MAX_ATTEMPTS} tries alone and reported`, async ({ annotate }) => {
    const scenario = 'f-poison';
    const context = await newContext();
    const page = await openPage(context);
    const isPoison = (event: { event?: string }) => event.event === 'e2e_poison';
    const carriesPoison = (request: ProxiedRequest) => (request.body?.batch ?? []).some(isPoison);
    // The server "crashes" on that one event, wherever it travels; everything else goes through.
    proxy.rule = (request) =>
      isBatch(request) ? { kind: 'inspect', decide: (inspected) => (carriesPoison(inspected) ? { kind: 'respond', status: 500 } : FORWARD) } : FORWARD;

    // One synchronous burst, so the first request carries all of them and the SDK has to split it.
    await page.evaluate((scenario) => {
      const { client, sendEvents } = window as unknown as TestWindow;
      sendEvents(scenario, 0, 20);
      client.track('e2e_poison', { scenario: 'f-poison-marker' });
      sendEvents(scenario, 20, 40);
    }, scenario);
    // Forced flushes skip the exponential backoff, so the tries come as fast as the answers.
    const deadline = Date.now() + 30_000;
    while ((await queueSize(page)) > 0 && Date.now() < deadline) {
      await flush(page);
      await sleep(20);
    }

    expectExactlyN(await settle(scenario));
    const requests = batches();
    expect(requests[0]!.body.batch).toHaveLength(N + 1);
    const poisonId: string = requests[0]!.body.batch.find(isPoison).messageId;
    const alone = requests.filter((request) => carriesPoison(request) && request.body.batch.length === 1);
    const splits = requests.filter((request) => carriesPoison(request) && request.body.batch.length > 1);
    await annotate(`${requests.length} requests: ${splits.length} failed batches while splitting, ${alone.length} tries alone`);
    expect(alone).toHaveLength(DEFAULT_MAX_ATTEMPTS);
    // Requests carrying the poisoned event never reached the server; every other event reached it once.
    expect(sum(delivered(requests), 'accepted')).toBe(N);
    expect(sum(delivered(requests), 'duplicates')).toBe(0);
    const { rows } = await server.db.query(`SELECT 1 FROM events WHERE tenant_id = $1 AND event = 'e2e_poison'`, [tenant.id]);
    expect(rows).toEqual([]);
    expect(await reportedErrors(page)).toEqual([
      { code: 'event_rejected', status: 500, message: expect.stringContaining(`after ${DEFAULT_MAX_ATTEMPTS} server error(s)`), messageIds: [poisonId] },
    ]);
    expect(await queueSize(page)).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it('lead capture whose first two responses are lost (503 after the server stored it): one lead, one idempotency key', async () => {
    const context = await newContext();
    const page = await openPage(context);
    // Forward, then answer 503: the server did create the lead, the browser cannot know. A 503 that never
    // reached the server would pass even if every retry minted a new key; this one would not.
    let lost = 0;
    proxy.rule = (request) => (request.path === '/v1/leads' && lost++ < 2 ? { kind: 'lose-response', status: 503 } : FORWARD);

    const result = await page.evaluate(() =>
      (window as unknown as TestWindow).client.leads.capture({ phone: '13800138000', source: 'e2e' }).then(({ lead, created }) => ({ id: lead.id, created })),
    );

    const attempts = proxy.log.filter((request) => request.path === '/v1/leads');
    expect(attempts.map((request) => request.status)).toEqual([503, 503, 200]);
    expect(new Set(attempts.map((request) => request.body?.idempotencyKey)).size).toBe(1);
    expect(attempts.map((request) => request.upstream?.created)).toEqual([true, false, false]);
    // The lead already existed when the successful answer came.
    expect(result.created).toBe(false);
    const { rows } = await server.db.query<{ id: string }>(`SELECT id FROM leads WHERE tenant_id = $1 AND source = 'e2e'`, [tenant.id]);
    expect(rows).toEqual([{ id: result.id }]);
    // That one key is the lead's (asked through the API: where the server keeps keys is its own business).
    const replay = await fetch(`${server.url}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.publishableKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ phone: '13800138000', source: 'e2e', idempotencyKey: attempts[0]!.body.idempotencyKey }),
    });
    expect(await replay.json()).toMatchObject({ lead: { id: result.id }, created: false });
    expect(pageErrors).toEqual([]);
  });
});
