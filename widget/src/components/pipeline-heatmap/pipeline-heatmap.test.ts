import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, nextEvent, startWidgetTestEnv, type WidgetTestEnv } from '../../test-support/browser.js';

let env: WidgetTestEnv;
const bj = (local: string) => new Date(`${local}+08:00`).toISOString();

const heatmap = (extra = '') => `<huashu-pipeline-heatmap endpoint="${env.api.url}" token="${env.repToken}" until="2025-12-01"${extra}></huashu-pipeline-heatmap>`;
const inMap = (selector: string) => env.page.locator(`huashu-pipeline-heatmap ${selector}`);

/** Records the widget's events from the page's first script on: the statistics may arrive before a test could listen. */
const RECORD = `<script>for (const name of ['huashu-heatmap-loaded', 'huashu-heatmap-error']) addEventListener(name, (event) => { window.__events = [...(window.__events ?? []), { name, detail: JSON.parse(JSON.stringify(event.detail, (k, v) => (v instanceof Error ? { code: v.code, message: v.message } : v))) }]; });</script>`;
const recorded = () => env.page.evaluate(() => (window as unknown as { __events?: Array<{ name: string; detail: any }> }).__events ?? []);

async function openMap(body: string, options: { lang?: string } = {}): Promise<void> {
  await env.open(body, { ...options, head: RECORD });
  await env.page.evaluate(() => customElements.whenDefined('huashu-pipeline-heatmap'));
  await inMap('[part~="table"], [part~="empty"], [part~="alert"]').first().waitFor();
}

beforeAll(async () => {
  env = await startWidgetTestEnv();
  const stages = await env.api.call('PUT', '/v1/pipeline/stages', {
    key: env.tenant.secretKey,
    body: {
      stages: [
        { key: 'discovery', name: '需求调研', nameEn: 'Discovery', order: 1 },
        { key: 'review', name: '<img src=x onerror="window.__owned=1">合同审核', nameEn: 'Contract review', order: 2 },
        { key: 'won', name: '赢单', order: 3, terminal: true },
      ],
    },
  });
  expect(stages.status).toBe(200);
  let n = 0;
  const move = (dealId: string, local: string, to: string, extra: Record<string, string> = {}) => ({ id: `w-${++n}`, type: 'deal.stage_changed', dealId, at: bj(local), to, ...extra });
  const events = await env.api.call('POST', '/v1/pipeline/events', {
    key: env.tenant.secretKey,
    body: {
      events: [
        // 华东: discovery 2 working days, review 8 (the bottleneck).
        move('h1', '2025-11-03T09:00:00', 'discovery', { region: '华东', industry: '金融' }),
        move('h1', '2025-11-05T09:00:00', 'review'),
        move('h1', '2025-11-17T09:00:00', 'won'),
        // 华南: discovery 4 working days, never reached review.
        move('s1', '2025-11-03T09:00:00', 'discovery', { region: '华南', industry: '制造业' }),
        move('s1', '2025-11-07T09:00:00', 'won'),
      ],
    },
  });
  expect(events.body).toMatchObject({ accepted: 5, rejected: [] });
});

afterAll(async () => {
  await env?.close();
});

describe('<huashu-pipeline-heatmap>', () => {
  it('shows stages × regions coloured by average working days, values as text, details on hover (screenshot)', async () => {
    await openMap(heatmap());
    expect(await recorded()).toMatchObject([{ name: 'huashu-heatmap-loaded', detail: { stats: { groupBy: 'region', groups: ['华东', '华南'] } } }]);
    await expect(inMap('thead th').allTextContents()).resolves.toEqual(['阶段', '华东', '华南']);
    // Stage names are text: the markup in one shows as characters and runs nothing.
    // The terminal stage is not a row: deals end there.
    await expect(inMap('tbody th').allTextContents()).resolves.toEqual(['需求调研', '<img src=x onerror="window.__owned=1">合同审核']);
    await expect(env.page.evaluate(() => (window as unknown as { __owned?: number }).__owned)).resolves.toBeUndefined();
    const cells = inMap('[part~="cell"]');
    // discovery 2.0 | 4.0; review 8.0 | –.
    await expect(cells.nth(0).locator('[aria-hidden="true"]').textContent()).resolves.toBe('2.0');
    await expect(cells.nth(1).locator('[aria-hidden="true"]').textContent()).resolves.toBe('4.0');
    await expect(cells.nth(2).locator('[aria-hidden="true"]').textContent()).resolves.toBe('8.0');
    await expect(cells.nth(3).getAttribute('part')).resolves.toBe('cell cell-empty');
    // Screen readers get every figure from the cell itself, hover the same as a tooltip.
    const review = cells.nth(2);
    const label = '<img src=x onerror="window.__owned=1">合同审核 · 华东：平均 8 个工作日（P90 8，日历 12 天），1 个商机，阻塞率 0%，升级 0 次，回退 0 次';
    await expect(review.locator('.visually-hidden').textContent()).resolves.toBe(label);
    await expect(review.getAttribute('title')).resolves.toBe(label);
    await review.hover();
    await expect(inMap('[part~="detail"]').textContent()).resolves.toBe(label);
    // The colour steps follow the value: the slowest the darkest, the quickest the lightest.
    const steps = await cells.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('part')));
    expect(steps.slice(0, 3)).toEqual(['cell cell-level-1', 'cell cell-level-3', 'cell cell-level-5']);
    const colour = await review.evaluate((node) => getComputedStyle(node).backgroundColor);
    expect(colour).toBe('rgb(179, 0, 0)');
    await env.page.locator('huashu-pipeline-heatmap').screenshot({ path: join(ARTIFACTS, 'pipeline-heatmap.png') });
    expect(env.pageErrors).toEqual([]);
  });

  it('regroups by industry from its selector, and reads English with the keyboard', async () => {
    await openMap(heatmap(), { lang: 'en' });
    await expect(inMap('tbody th').first().textContent()).resolves.toBe('Discovery');
    const regrouped = await nextEvent(env.page, 'huashu-heatmap-loaded');
    await env.page.getByLabel('Group by').selectOption('industry');
    await expect(regrouped()).resolves.toMatchObject({ stats: { groupBy: 'industry' } });
    // Groups in pinyin order: 金融 (jīn) before 制造业 (zhì).
    await expect(inMap('thead th').allTextContents()).resolves.toEqual(['Stage', '金融', '制造业']);
    await inMap('[part~="cell"]').nth(1).focus();
    await expect(inMap('[part~="detail"]').textContent()).resolves.toMatch(/^Discovery · 制造业: average 4 working days/);
  });

  it('says so when the token is refused', async () => {
    await openMap(`<huashu-pipeline-heatmap endpoint="${env.api.url}" token="not-a-token"></huashu-pipeline-heatmap>`);
    expect(await recorded()).toMatchObject([{ name: 'huashu-heatmap-error', detail: { error: { code: 'invalid_token' } } }]);
    await expect(inMap('[part~="alert"]').textContent()).resolves.toBe('登录已失效，请刷新页面后重试。');
  });
});
