/**
 * Issue #11's tracked share links, end to end: a rep's link to a proposal,
 * opened in real Chromium, redirected by the real server to an HTML document on
 * another origin that loads the built `huashu-sdk.min.js` and
 * `huashu-share.min.js`; the reader spends active time in 报价, then in
 * 实施计划, and closes the tab. What the server then holds is asserted: the
 * open, both sections' dwell in the link's engagement, and the section events
 * in the lead's activity and intent signals.
 *
 * Nothing but the closing tab's unload beacon can carry the section events
 * here (no later page of the document's origin opens), so the test also holds
 * the add-on's promise to queue them before the core SDK beacons its queue.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testEngines, type TestServer, type TestTenant } from '@huashu/server/testing';
import type { Database } from '@huashu/server';
import type { SectionTracking } from '../share.js';
import { launchChromium } from './chromium.js';

const DIST = new URL('../../dist/', import.meta.url);
const BUNDLES = ['huashu-sdk.min.js', 'huashu-share.min.js'];
const VIEWPORT = { width: 1000, height: 800 };
/** A desktop Chrome: the server counts HeadlessChrome as a bot (a link preview), whose fetch is no open. */
const READER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
/** Long enough in each section to pass the add-on's 1 s floor with room on a loaded machine. */
const READ_MS = 2500;
const POINTER_EVERY_MS = 250;
const TITLE = '智慧医院建设方案';

/** What the document's script puts on `window`. */
interface DocumentWindow {
  tracking: SectionTracking;
  errors: string[];
}

/**
 * The shared proposal: a 600 px cover (no section), 报价 (1600 px) and
 * 实施计划 (1200 px), marked as an author would mark them.
 */
function proposal(endpoint: string, publishableKey: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>${TITLE}</title>
<style>body { margin: 0; font: 16px sans-serif } .cover { height: 600px } .pricing { height: 1600px } .plan { height: 1200px }</style>
</head>
<body>
<div class="cover"><h1>${TITLE}</h1><p>华东某三甲医院 · 2026 年 12 月</p></div>
<section class="pricing" data-huashu-section="报价"><h2>报价</h2><p>基础平台 ¥1,280,000；三年运维 ¥360,000。</p></section>
<section class="plan" data-huashu-section=" 实施计划 "><h2>实施计划</h2><p>第一阶段：门诊电子病历，8 周。</p></section>
<script type="module">
import { createHuashu } from '/sdk/huashu-sdk.min.js';
import { trackSections } from '/sdk/huashu-share.min.js';
const client = createHuashu({ endpoint: ${JSON.stringify(endpoint)}, publishableKey: ${JSON.stringify(publishableKey)} });
window.errors = [];
client.on('error', (error) => window.errors.push(error.code + ': ' + error.message));
window.tracking = trackSections(client);
</script>
</body>
</html>`;
}

/** The document's own web server, on another origin than the API, as a customer's docs site would be. */
async function startDocumentServer(page: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://documents').pathname;
    const bundle = BUNDLES.find((name) => path === `/sdk/${name}`);
    if (path === '/proposal.html') response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    else if (bundle) response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(readFileSync(new URL(bundle, DIST)));
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

/** 60 s in the proposal's 报价 section, as the demo weighs it, here with a 1 s floor the test can reach. */
const RULES = {
  halfLife: 'P7D',
  weights: [
    {
      id: 'proposal_pricing_section',
      event: 'page_dwell',
      where: [
        { property: 'linkId', op: 'exists' },
        { property: 'section', op: 'eq', value: '报价' },
        { property: 'activeSeconds', op: 'gte', value: 1 },
      ],
      weight: 0.3,
      label: { zh: '细读方案报价章节', en: 'Read the proposal’s pricing section' },
    },
  ],
  sequences: [],
  silences: [],
  thresholds: [],
};

/** Moves the pointer now and then for `ms`: a reader who is there, reading. */
async function read(page: Page, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (let step = 0; Date.now() < until; step++) {
    await page.mouse.move(300 + (step % 2) * 40, 400);
    await sleep(POINTER_EVERY_MS);
  }
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(100);
  }
}

describe.each(testEngines())('share-link section dwell in Chromium on $name (issue #11)', (engine) => {
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;
  let documents: Awaited<ReturnType<typeof startDocumentServer>>;
  let browser: Browser;

  beforeAll(async () => {
    for (const bundle of BUNDLES) {
      const file = fileURLToPath(new URL(bundle, DIST));
      if (!existsSync(file)) throw new Error(`${file} is missing: run \`npx tsc -b sdk server && npx rollup -c rollup.config.mjs\` first`);
    }
    db = await engine.open();
    server = await startTestServer(db, { HUASHU_JOBS: '0' });
    tenant = await server.tenant();
    expect((await server.call('PUT', '/v1/signal-rules', { key: tenant.secretKey, body: RULES })).status).toBe(200);
    documents = await startDocumentServer(proposal(server.url, tenant.publishableKey));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await documents?.close();
    await server?.close();
    await db?.close();
  });

  let phone = 13_900_001_000;

  /** A lead, a share link to the proposal for them, and the link opened in a fresh browser context. */
  async function openLink() {
    const lead = await server.call('POST', '/v1/leads', { key: tenant.secretKey, body: { source: 'web', name: '李主任', phone: String(++phone) } });
    expect(lead.status).toBe(201);
    const leadId: string = lead.body.lead.id;
    const created = await server.call('POST', '/v1/share-links', { key: tenant.secretKey, body: { leadId, url: `${documents.url}/proposal.html?v=3`, title: TITLE } });
    expect(created.status).toBe(201);
    const link: { id: string; url: string } = created.body.link;

    const context = await browser.newContext({ userAgent: READER_UA, viewport: VIEWPORT });
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(link.url);
    expect(page.url()).toBe(`${documents.url}/proposal.html?v=3&hs_link=${link.id}`);
    await page.waitForFunction(() => (window as unknown as DocumentWindow).tracking !== undefined);
    expect(await page.evaluate(() => ({ linkId: (window as unknown as DocumentWindow).tracking.linkId, sections: (window as unknown as DocumentWindow).tracking.sections }))).toEqual({
      linkId: link.id,
      sections: ['报价', '实施计划'],
    });
    const errors = () => page.evaluate(() => (window as unknown as DocumentWindow).errors);
    return { leadId, link, context, page, pageErrors, errors };
  }

  /** The link's engagement once it lists `sections` sections. */
  const engagementWith = (linkId: string, sections: number) =>
    until(
      async () => (await server.call('GET', `/v1/share-links/${linkId}/engagement`, { key: tenant.secretKey })).body,
      (body) => body.sections?.length >= sections,
      `${sections} section(s) in the engagement`,
    );

  it('a proposal opened through its link reports the open and the active seconds of every section read, one the page rendered later included, as the lead’s events', async () => {
    const { leadId, link, context, page, pageErrors, errors: clientErrors } = await openLink();

    // The first screen: 600 px of cover and the top 200 px of 报价, the only section in view.
    await read(page, READ_MS);
    // 实施计划 now fills the viewport.
    await page.evaluate(() => window.scrollTo(0, 2200));
    await read(page, READ_MS);
    // The page's script renders a further chapter on demand (as documents built by script do): it is tracked from then on.
    await page.evaluate(() => {
      const chapter = document.createElement('section');
      chapter.setAttribute('data-huashu-section', '售后服务');
      chapter.style.height = '900px';
      chapter.innerHTML = '<h2>售后服务</h2><p>7×24 小时响应。</p>';
      document.body.append(chapter);
    });
    await page.waitForFunction(() => (window as unknown as DocumentWindow).tracking.sections.length === 3);
    await page.evaluate(() => window.scrollTo(0, 3400));
    await read(page, READ_MS);
    const errors = await clientErrors();
    const closed = page.waitForEvent('close');
    await page.close({ runBeforeUnload: true });
    await closed;

    const engagement = await engagementWith(link.id, 3);
    expect(engagement).toMatchObject({ linkId: link.id, leadId, title: TITLE, opens: 1, revisits: 0, devices: { desktop: 1 } });
    const bySection = new Map(engagement.sections.map((section: { section: string; dwellSeconds: number; views: number }) => [section.section, section]));
    expect([...bySection.keys()].sort()).toEqual(['实施计划', '报价', '售后服务'].sort());
    for (const name of ['报价', '实施计划', '售后服务']) {
      expect(bySection.get(name)).toMatchObject({ views: 1, revisits: 0 });
      expect((bySection.get(name) as { dwellSeconds: number }).dwellSeconds).toBeGreaterThan(0);
    }
    expect(engagement.dwellSeconds).toBe(engagement.sections.reduce((total: number, section: { dwellSeconds: number }) => total + section.dwellSeconds, 0));

    // The section events as stored: the add-on's properties, the visitor the page's SDK named.
    const stored = await server.db.query<{ message_id: string; anonymous_id: string | null; properties: Record<string, unknown> }>(
      `SELECT message_id, anonymous_id, properties FROM events WHERE tenant_id = $1 AND event = 'page_dwell' AND properties->>'linkId' = $2`,
      [tenant.id, link.id],
    );
    expect(stored.rows.map((row) => row.properties.section).sort()).toEqual(['实施计划', '报价', '售后服务'].sort());
    for (const row of stored.rows) {
      expect(row.anonymous_id).toBeTruthy();
      expect(row.properties).toMatchObject({ linkId: link.id, path: '/proposal.html', activeSeconds: expect.any(Number) });
    }

    // The lead's behaviour (行为轨迹) shows the open and both section events, and 报价 fired its rule.
    const intent = (await server.call('GET', `/v1/leads/${leadId}`, { key: tenant.secretKey })).body.lead.intent;
    const activity: Array<{ event: string | null; messageId: string }> = intent.activity;
    expect(activity.filter((item) => item.event === 'share_link_opened')).toHaveLength(1);
    const activityIds = new Set(activity.map((item) => item.messageId));
    for (const row of stored.rows) expect(activityIds.has(row.message_id)).toBe(true);
    const pricing = stored.rows.find((row) => row.properties.section === '报价')!;
    const signal = intent.signals.find((candidate: { ruleId: string }) => candidate.ruleId === 'proposal_pricing_section');
    expect(signal?.messageIds).toEqual([pricing.message_id]);

    expect({ pageErrors, errors }).toEqual({ pageErrors: [], errors: [] });
    await context.close();
  });

  it('a reader who hides the tab and never comes back (a phone killing it in the background): the section goes out with the hide beacon', async () => {
    const { link, context, page, pageErrors, errors } = await openLink();
    await read(page, READ_MS);
    expect(await errors()).toEqual([]);
    // Headless Chromium keeps every tab visible, so the switch away is the browser's own sequence
    // played by hand: the state flips, then `visibilitychange` is dispatched at the document and bubbles.
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
    });
    // Then the renderer dies without pagehide, as a tab the OS reclaims does: only what the hide beaconed survives.
    const crashed = page.waitForEvent('crash');
    const cdp = await context.newCDPSession(page);
    void cdp.send('Page.crash').catch(() => undefined);
    await crashed;

    const engagement = await engagementWith(link.id, 1);
    expect(engagement).toMatchObject({ opens: 1, sections: [{ section: '报价', views: 1 }] });
    expect(engagement.sections[0].dwellSeconds).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
