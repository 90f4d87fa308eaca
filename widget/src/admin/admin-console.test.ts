import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { allModules, loadConfig, startServer, type Database, type RunningServer } from '@huashu/server';
import { testEngines } from '@huashu/server/testing';
import { ARTIFACTS, launchChromium, WIDGET_DIST } from '../test-support/browser.js';

/**
 * The manager's console in real Chromium, on the demo server's `/admin` page
 * (the demo tenant with its seeded review queue, signal-rule pilot, stages and
 * weeks of history), signed in as the demo's admin.
 */
const ADMIN_BUNDLE = `${WIDGET_DIST}huashu-admin.js`;
const PENDING_QUESTION = '你们的系统支持信创国产化环境吗？';
const TAGS = ['huashu-review-queue', 'huashu-signal-rules', 'huashu-stage-editor', 'huashu-lead-routing', 'huashu-points-admin', 'huashu-learning-packs', 'huashu-capture-rules', 'huashu-health-dashboard'];

let db: Database;
let server: RunningServer;
let browser: Browser;
let page: Page;
let dataDir: string;
let secretKey: string;
let publishableKey: string;
const pageErrors: Error[] = [];

async function api(method: string, path: string, body?: unknown, key = secretKey): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

const inWidget = (tag: string, selector: string) => page.locator(`${tag} ${selector}`);

async function openAdmin(lang: 'zh-CN' | 'en'): Promise<void> {
  pageErrors.length = 0;
  await page.goto(`${server.url}/admin?lang=${lang}`);
  await page.evaluate((tags) => Promise.all(tags.map((tag) => customElements.whenDefined(tag))), TAGS);
  await inWidget('huashu-review-queue', '[part~="item"]').first().waitFor();
  await inWidget('huashu-signal-rules', '[part~="rule"]').first().waitFor();
  await inWidget('huashu-stage-editor', '[part~="stage"]').first().waitFor();
  await inWidget('huashu-lead-routing', '[part~="source"]').first().waitFor();
  await inWidget('huashu-points-admin', '[part~="reward"]').first().waitFor();
  await inWidget('huashu-learning-packs', '[part~="editor"]').waitFor();
  await inWidget('huashu-capture-rules', '[part~="rule"]').first().waitFor();
  await page.evaluate(() => document.fonts.ready);
}

/** The intent score of a lead, as GET /v1/leads/:id reports it. */
const scoreOf = async (leadId: string) => (await api('GET', `/v1/leads/${leadId}`)).body.lead.intent?.score ?? 0;

beforeAll(async () => {
  if (!existsSync(ADMIN_BUNDLE)) throw new Error(`${ADMIN_BUNDLE} is missing: run \`npx tsc -b widget && npx rollup -c rollup.config.mjs\` first`);
  mkdirSync(ARTIFACTS, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'huashu-admin-'));
  db = await testEngines()[0]!.open();
  server = await startServer({ config: loadConfig({ PORT: '0', LOG_LEVEL: 'silent', HUASHU_DATA_DIR: dataDir, HUASHU_JOBS: '0' }), db, demo: true, modules: allModules });
  secretKey = server.demo!.firstRunKeys!.secretKey;
  publishableKey = server.demo!.publishableKey;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (error) => pageErrors.push(error));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await db?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('the console page (/admin)', () => {
  it('renders every widget with the demo tenant’s seeded data, in Chinese (screenshot)', async () => {
    await openAdmin('zh-CN');
    const questions = await inWidget('huashu-review-queue', '[part~="item"] h4').allTextContents();
    expect(questions).toContain(PENDING_QUESTION);
    // The seeded pilot: a version in pilot for two reps, compared with everyone else.
    await expect(inWidget('huashu-signal-rules', '[part~="version-table"]').textContent()).resolves.toContain('试点中');
    await expect(inWidget('huashu-signal-rules', '[part~="comparison"]').textContent()).resolves.toContain('试点组');
    await expect(inWidget('huashu-signal-rules', '[part~="comparison"]').textContent()).resolves.toMatch(/意向分均值：试点组 [\d.]+（\d+ 条线索）/);
    const labels = await inWidget('huashu-signal-rules', 'input[name="rule-label"]').evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value));
    expect(labels).toContain('主动索要POC环境');
    expect(await inWidget('huashu-stage-editor', '[part~="stage"]').count()).toBeGreaterThanOrEqual(3);
    await inWidget('huashu-health-dashboard', '[part~="table"]').first().waitFor();
    expect(await inWidget('huashu-health-dashboard', '[part~="table"] tbody tr').count()).toBeGreaterThan(0);
    // Lead routing, points, packs and capture rules from the other domains' demo seeds.
    const seeded = (await api('GET', '/v1/lead-sources')).body.sources as Array<{ slug: string }>;
    expect(await inWidget('huashu-lead-routing', '[part~="source"] td:first-child').allTextContents()).toEqual(seeded.map((source) => source.slug));
    const rewards = (await api('GET', '/v1/points/rewards')).body.rewards as Array<{ name: string }>;
    const shownRewards = await inWidget('huashu-points-admin', 'input[name="reward-name"]').evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value));
    expect(shownRewards).toEqual(rewards.map((reward) => reward.name));
    // No points were earned yet on the fresh demo tenant: the leaderboard says so in words.
    await expect(inWidget('huashu-points-admin', 'h3').last().textContent()).resolves.toBe('本周排行榜');
    const packs = (await api('GET', '/v1/learning-packs')).body.packs as Array<{ name: string }>;
    expect(await inWidget('huashu-learning-packs', '[part~="pack"]').allTextContents()).toEqual(packs.map((pack) => pack.name));
    const captureTags = await inWidget('huashu-capture-rules', 'input[name="capture-tag"]').evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value));
    expect(captureTags.length).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, 'admin-zh.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it('shows a new lead source’s webhook secret once, and saves a rewards catalogue and a learning pack', async () => {
    await openAdmin('zh-CN');
    const routing = page.locator('huashu-lead-routing');
    await routing.locator('input[name="source-slug"]').fill('douyin-ads');
    await routing.locator('input[name="source-name"]').fill('抖音信息流');
    await routing.getByRole('button', { name: '添加来源' }).click();
    await routing.locator('[part~="secret"]').waitFor();
    const secret = await routing.locator('[part~="secret"] input').inputValue();
    expect(secret).toMatch(/^whsec_/);
    // Shown once: a reload lists the source but no secret.
    await openAdmin('zh-CN');
    expect(await routing.locator('[part~="source"] td:first-child').allTextContents()).toContain('douyin-ads');
    expect(await routing.locator('[part~="secret"]').count()).toBe(0);

    const points = page.locator('huashu-points-admin');
    await points.getByRole('button', { name: '添加奖励' }).click();
    await points.locator('[part~="reward"] input[name="reward-name"]').last().fill('京东卡 100 元');
    await points.locator('[part~="reward"] input[name="reward-name"]').last().dispatchEvent('change');
    await points.getByRole('button', { name: '保存奖励目录' }).click();
    await points.locator('[part~="status"]', { hasText: '奖励目录已保存' }).waitFor();
    expect(((await api('GET', '/v1/points/rewards')).body.rewards as Array<{ name: string }>).map((reward) => reward.name)).toContain('京东卡 100 元');

    const packs = page.locator('huashu-learning-packs');
    await packs.getByRole('button', { name: '添加内容' }).click();
    await packs.locator('input[name="item-title"]').last().fill('信创适配问答');
    await packs.locator('input[name="item-title"]').last().dispatchEvent('change');
    await packs.getByRole('button', { name: '保存学习包' }).click();
    await packs.locator('[part~="status"]', { hasText: '已保存' }).waitFor();
    const slug = (await api('GET', '/v1/learning-packs')).body.packs[0].slug as string;
    expect(((await api('GET', `/v1/learning-packs/${slug}`)).body.items as Array<{ title: string }>).map((item) => item.title)).toContain('信创适配问答');
    expect(pageErrors).toEqual([]);
  });

  it('is usable from the keyboard alone: a note, request changes, approve; the approved entry becomes answerable', async () => {
    await openAdmin('zh-CN');
    const queue = page.locator('huashu-review-queue');
    const item = queue.locator('[part~="item"]', { hasText: PENDING_QUESTION });
    // Keyboard only from here: focus enters the note field as Tab would reach it, then Tab and Enter.
    await item.locator('textarea').focus();
    await page.keyboard.type('请补充适配证明的编号');
    await page.keyboard.press('Tab'); // 通过
    await page.keyboard.press('Tab'); // 要求修改
    const reviewed = page.waitForResponse((response) => /\/v1\/knowledge\/[^/]+\/review$/.test(response.url()));
    await page.keyboard.press('Enter');
    expect((await reviewed).status()).toBe(200);
    await queue.locator('[part~=\"status\"]', { hasText: `已要求修改：${PENDING_QUESTION}` }).waitFor();
    // Focus moved on to the next entry's heading instead of being lost with the button.
    await expect.poll(() => queue.evaluate((el) => el.shadowRoot!.activeElement?.localName)).toBe('h4');
    const entries = (await api('GET', '/v1/knowledge?status=changes_requested')).body;
    const entry = (entries.entries ?? entries.items ?? []).find((candidate: { question: string }) => candidate.question === PENDING_QUESTION);
    expect(entry?.review?.note).toBe('请补充适配证明的编号');

    // The author resubmits; the entry is back in the queue and approved by keyboard.
    const author = (await api('POST', '/v1/rep-tokens', { repId: 'demo-rep-02', name: '李娜', role: 'rep' })).body.token as string;
    const resubmitted = await api('PUT', `/v1/knowledge/${entry.id}`, { question: PENDING_QUESTION, answer: `${entry.answer} 适配证明编号 XC-2026-018。`, evidence: entry.evidence, tags: entry.tags }, author);
    expect(resubmitted.body).toMatchObject({ status: 'pending_review' });
    await openAdmin('zh-CN');
    await queue.locator('[part~="item"]', { hasText: PENDING_QUESTION }).locator('textarea').focus();
    await page.keyboard.press('Tab'); // 通过
    const approved = page.waitForResponse((response) => /\/v1\/knowledge\/[^/]+\/review$/.test(response.url()));
    await page.keyboard.press('Enter');
    expect((await approved).status()).toBe(200);
    await queue.locator('[part~=\"status\"]', { hasText: `已通过：${PENDING_QUESTION}` }).waitFor();
    expect(await queue.locator('[part~="item"] h4').allTextContents()).not.toContain(PENDING_QUESTION);

    const rep = (await api('POST', '/v1/rep-tokens', { repId: 'demo-rep-05', name: '赵敏', role: 'rep' })).body.token as string;
    const asked = await api('POST', '/v1/assistant/ask', { question: '支持信创国产化环境吗' }, rep);
    expect(asked.status).toBe(200);
    expect(asked.body.matches.map((match: { entry?: { id: string }; id?: string }) => match.entry?.id ?? match.id)).toContain(entry.id);
  });

  it('reorders stages and adds a 2-of-3 checklist: gate-check follows once published', async () => {
    await openAdmin('zh-CN');
    const editor = page.locator('huashu-stage-editor');
    const before = (await api('GET', '/v1/pipeline/stages')).body.stages as Array<{ key: string; name: string; order: number }>;
    const sorted = [...before].sort((a, b) => a.order - b.order);
    const [first, second] = [sorted[0]!, sorted[1]!];
    // Move the first stage down one place (keyboard-reachable button; dragging does the same).
    await editor.getByRole('button', { name: `下移「${first.name}」` }).click();
    await editor.locator('[part~=\"status\"]', { hasText: `「${first.name}」已移到第 2 位` }).waitFor();
    // The checklist goes on the stage now second: the one the first moved into.
    const card = editor.locator('[part~="stage"]').nth(1);
    for (const label of ['已确认产线节拍瓶颈', '已采集PLC型号', '已确认预算']) {
      await card.locator('button[name="add-item"]').click();
      await card.locator('input[name="item-label"]').last().fill(label);
    }
    await card.locator('input[name="min-checked"]').fill('2');
    const published = page.waitForResponse((response) => /pipeline-stages\/versions\/\d+\/publish$/.test(response.url()));
    await editor.getByRole('button', { name: '保存并发布给全员' }).click();
    expect((await published).status()).toBe(200);
    const after = ((await api('GET', '/v1/pipeline/stages')).body.stages as Array<{ key: string; order: number; gate?: { checklist?: { minChecked: number; items: unknown[] } } }>).sort((a, b) => a.order - b.order);
    expect(after.slice(0, 2).map((stage) => stage.key)).toEqual([second.key, first.key]);
    expect(after[1]!.gate?.checklist).toMatchObject({ minChecked: 2, items: [{}, {}, {}] });
    const gate = (checklist: string[]) => api('POST', '/v1/pipeline/gate-check', { dealId: 'console-test-deal', toStage: first.key, checklist, fields: { budget: '80万', decision_maker: '张主任' } });
    const one = (await gate(['item-1'])).body;
    expect(one.allowed).toBe(false);
    expect(one.missing.filter((missing: { kind: string }) => missing.kind === 'checklist').length).toBe(2);
    const two = (await gate(['item-1', 'item-2'])).body;
    expect(two.missing.filter((missing: { kind: string }) => missing.kind === 'checklist')).toEqual([]);
    // Every change is in the audit log, by the director.
    const audit = (await api('GET', '/v1/console/audit?ruleSet=pipeline-stages')).body.entries;
    expect(audit[0]).toMatchObject({ action: 'published', actor: 'rep:demo-director' });
    expect(pageErrors).toEqual([]);
  });

  it('builds a signal rule in the form, dry-runs it, pilots it: only the pilot reps’ lead scores change', async () => {
    const { leads } = (await api('GET', '/v1/leads?limit=100')).body as { leads: Array<{ id: string; assignee: { id: string } | null }> };
    const pilotLead = leads.find((lead) => lead.assignee?.id === 'demo-rep-03')!;
    const otherLead = leads.find((lead) => lead.assignee?.id === 'demo-rep-01')!;
    expect(pilotLead && otherLead).toBeTruthy();
    // Both leads read the 信创 white paper; the live rules do not count it.
    const batch = [pilotLead, otherLead].map((lead, index) => ({ messageId: `console-xc-${index}`, type: 'track', event: 'xinchuang_whitepaper', leadId: lead.id, timestamp: new Date(Date.now() - 3600_000).toISOString() }));
    expect((await api('POST', '/v1/events/batch', { sentAt: new Date().toISOString(), batch }, publishableKey)).body.rejected).toEqual([]);

    await openAdmin('zh-CN');
    const rules = page.locator('huashu-signal-rules');
    // The seeded pilot ends first (one pilot per rule set), from its row in the version table.
    const seeded = rules.locator('[part~="version-table"] tr', { hasText: '试点中' });
    await seeded.getByRole('button', { name: /^放弃第 \d+ 版$/ }).click();
    await rules.locator('[part~=\"status\"]', { hasText: /第 \d+ 版已放弃/ }).waitFor();
    const before = [await scoreOf(pilotLead.id), await scoreOf(otherLead.id)];

    await rules.getByRole('button', { name: '添加加减分规则' }).click();
    const rule = rules.locator('[part~="rule"]').filter({ has: page.locator('input[name="rule-event"]') }).last();
    await rule.locator('input[name="rule-label"]').fill('下载信创白皮书');
    await rule.locator('input[name="rule-label"]').dispatchEvent('change');
    await rule.locator('input[name="rule-event"]').fill('xinchuang_whitepaper');
    await rule.locator('input[name="rule-event"]').dispatchEvent('change');
    await rule.locator('input[name="rule-weight"]').fill('0.9');
    await rule.locator('input[name="rule-weight"]').dispatchEvent('change');

    const dryRun = page.waitForResponse((response) => response.url().endsWith('/v1/signal-rules/dry-run'));
    await rules.getByRole('button', { name: '试运行' }).click();
    expect((await dryRun).status()).toBe(200);
    const row = rules.locator('[part~="dry-run"] tr', { hasText: '下载信创白皮书' });
    await expect(row.locator('td').first().textContent()).resolves.toBe('2');
    await expect(rules.locator('[part~="dry-run"]').textContent()).resolves.toContain('意向分分布');

    await rules.locator('input[name="pilotReps"]').fill('demo-rep-03');
    const piloted = page.waitForResponse((response) => /signal-rules\/versions\/\d+\/pilot$/.test(response.url()));
    await rules.getByRole('button', { name: '保存并开始试点' }).click();
    expect((await piloted).status()).toBe(200);
    await rules.locator('[part~="version-table"] tr', { hasText: '试点：demo-rep-03' }).waitFor();

    const after = [await scoreOf(pilotLead.id), await scoreOf(otherLead.id)];
    expect(after[0]).toBeGreaterThan(before[0]);
    expect(after[1]).toBe(before[1]);
    const audit = (await api('GET', '/v1/console/audit?ruleSet=signal-rules')).body.entries as Array<{ action: string; changes: Array<{ path: string; after: unknown }> }>;
    expect(audit.slice(0, 3).map((entry) => entry.action)).toEqual(['piloted', 'draft_created', 'discarded']);
    expect(audit[1]!.changes).toEqual(expect.arrayContaining([expect.objectContaining({ after: expect.objectContaining({ event: 'xinchuang_whitepaper', weight: 0.9 }) })]));
    await rules.screenshot({ path: join(ARTIFACTS, 'admin-signal-rules-zh.png') });
    expect(pageErrors).toEqual([]);
  });

  it('keeps the manager’s dashboard layout (which metrics, in which order) and publishes the health thresholds', async () => {
    await openAdmin('zh-CN');
    const board = page.locator('huashu-health-dashboard');
    const headers = () => board.locator('[part~="table"]').first().locator('thead th').evaluateAll((cells) => cells.map((cell) => [...cell.childNodes].filter((node) => node.nodeType === Node.TEXT_NODE).map((node) => node.textContent).join('').trim()));
    expect(await headers()).toEqual(['销售', '线索培育有效性', '商机推进合规率', '客户信任指数']);
    await board.locator('[part~="arrange"] summary').click();
    await board.locator('input[name="metric"][value="customerTrust"]').uncheck();
    await board.getByRole('button', { name: '↑ 商机推进合规率' }).click();
    const saved = page.waitForResponse((response) => response.url().endsWith('/v1/console/layouts/health-dashboard') && response.request().method() === 'PUT');
    await board.getByRole('button', { name: '保存布局' }).click();
    expect((await saved).status()).toBe(200);
    await openAdmin('zh-CN');
    await board.locator('[part~="table"]').first().waitFor();
    await expect.poll(headers).toEqual(['销售', '商机推进合规率', '线索培育有效性']);

    // The thresholds are a rule set of their own: published from here, for everyone, in the audit log.
    await board.locator('[part~="settings"] summary').click();
    await board.locator('[part~="settings"] input').first().fill('0.3');
    await board.locator('[part~="settings"] input').first().dispatchEvent('change');
    const published = page.waitForResponse((response) => /health-settings\/versions\/\d+\/publish$/.test(response.url()));
    await board.locator('button[name="publish-settings"]').click();
    expect((await published).status()).toBe(200);
    expect((await api('GET', '/v1/metrics/health/settings')).body.thresholds.leadNurturing).toBe(0.3);
    await expect.poll(() => board.locator('[part~="table"]').first().locator('thead th').nth(2).textContent()).toBe('线索培育有效性达标线 ≥ 30%');
    expect((await api('GET', '/v1/console/audit?ruleSet=health-settings')).body.entries[0]).toMatchObject({ action: 'published', changes: [{ path: 'thresholds.leadNurturing', after: 0.3 }] });
    expect(pageErrors).toEqual([]);
  });

  it('renders what it is handed as text, and links only http(s) URLs', async () => {
    await openAdmin('zh-CN');
    const hostile = '<img src=x onerror="window.__owned=1">';
    await page.evaluate((title) => {
      const pack = { slug: 'p', name: title, description: null, scenario: { industry: null, tags: [] }, audience: { hiredWithinDays: 30 }, progress: { done: 0, total: 2 }, deliveredAt: null, updatedAt: new Date().toISOString(),
        items: [{ id: 'a', kind: 'faq', title, url: 'javascript:alert(1)', entryId: null, done: false }, { id: 'b', kind: 'case', title: '案例', url: 'https://example.com/case', entryId: null, done: false }] };
      const responses: Record<string, unknown> = { '/v1/learning-packs': { packs: [pack] }, '/v1/learning-packs/p/completion': { slug: 'p', name: title, total: 2, reps: [] } };
      // A second pack widget on the page, fed by a client of the host's own instead of the API.
      const el = document.createElement('huashu-learning-packs') as HTMLElement & { client: unknown };
      el.id = 'fed';
      el.client = { request: async (_method: string, path: string) => responses[path] };
      document.body.append(el);
    }, hostile);
    const packs = page.locator('#fed');
    await packs.locator('[part~="editor"]').waitFor();
    await expect(packs.locator('[part~="pack"]').textContent()).resolves.toBe(hostile);
    const hrefs = await packs.locator('a').evaluateAll((links) => links.map((link) => (link as HTMLAnchorElement).href));
    expect(hrefs).toEqual(['https://example.com/case']);
    expect(await packs.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __owned?: number }).__owned)).toBeUndefined();
    expect(pageErrors).toEqual([]);
  });

  it('shows the console in English (screenshot)', async () => {
    await openAdmin('en');
    await expect(page.locator('huashu-review-queue h3').first().textContent()).resolves.toMatch(/^Scripts waiting for review/);
    await expect(page.locator('huashu-signal-rules').getByRole('button', { name: 'Dry-run' }).count()).resolves.toBe(1);
    await expect(page.locator('huashu-stage-editor h3').textContent()).resolves.toBe('Deal stages and their gates');
    await page.screenshot({ path: join(ARTIFACTS, 'admin-en.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
