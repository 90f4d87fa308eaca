import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startWidgetTestEnv, type WidgetTestEnv } from '../../test-support/browser.js';

let env: WidgetTestEnv;
let manager: string;
const bj = (local: string) => new Date(`${local}+08:00`).toISOString();

const dashboard = (token: string, extra = '') => `<huashu-health-dashboard endpoint="${env.api.url}" token="${token}" since="2025-11-03" until="2025-11-17"${extra}></huashu-health-dashboard>`;
const inBoard = (selector: string) => env.page.locator(`huashu-health-dashboard ${selector}`);

/** Records the widget's events from the page's first script on: the report may arrive before a test could listen. */
const RECORD = `<script>for (const name of ['huashu-health-loaded', 'huashu-health-error']) addEventListener(name, (event) => { window.__events = [...(window.__events ?? []), { name, detail: JSON.parse(JSON.stringify(event.detail, (k, v) => (v instanceof Error ? { code: v.code } : v))) }]; });</script>`;
const recorded = () => env.page.evaluate(() => (window as unknown as { __events?: Array<{ name: string; detail: any }> }).__events ?? []);

async function openBoard(body: string, options: { lang?: string } = {}): Promise<void> {
  await env.open(body, { ...options, head: RECORD });
  await env.page.evaluate(() => customElements.whenDefined('huashu-health-dashboard'));
  await inBoard('[part~="table"], [part~="empty"], [part~="alert"]').first().waitFor();
}

/** The text of each cell of a table's body rows. */
const rows = (table: number) =>
  inBoard('[part~="table"]').nth(table).locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((cell) => (cell.textContent ?? '').replace(/\s+/g, ' ').trim())));

beforeAll(async () => {
  env = await startWidgetTestEnv();
  const minted = await env.api.call('POST', '/v1/rep-tokens', { key: env.tenant.secretKey, body: { repId: 'mgr-1', name: '周经理', role: 'reviewer' } });
  manager = minted.body.token;
  await env.api.call('PUT', '/v1/pipeline/stages', {
    key: env.tenant.secretKey,
    body: {
      stages: [
        { key: 'qualify', name: '线索确认', order: 1 },
        { key: 'discovery', name: '需求调研', order: 2, gate: { requiredFields: ['budget'] } },
        { key: 'demo', name: '方案演示', order: 3 },
        { key: 'won', name: '赢单', order: 4, terminal: true },
      ],
    },
  });
  let n = 0;
  const ev = (type: string, dealId: string, local: string, extra: Record<string, unknown> = {}) => ({ id: `hd-${++n}`, type, dealId, at: bj(local), ...extra });
  const r1 = { owner: 'r1', team: 'T1' };
  const res = await env.api.call('POST', '/v1/pipeline/events', {
    key: env.tenant.secretKey,
    body: {
      events: [
        ev('deal.stage_changed', 'a1', '2025-11-03T10:00:00', { to: 'qualify', ...r1 }),
        // Moved into the gated stage without asking the gate: not compliant.
        ev('deal.stage_changed', 'a1', '2025-11-04T10:00:00', { to: 'discovery' }),
        ev('deal.stage_changed', 'a1', '2025-11-05T10:00:00', { to: 'demo' }),
        ev('deal.stage_changed', 'a2', '2025-11-04T10:00:00', { to: 'qualify', ...r1 }),
        // Saturday: off hours, answered within the window; the customer began the conversation.
        ev('deal.message', 'a1', '2025-11-08T11:00:00', { message: { from: 'customer' } }),
        ev('deal.message', 'a1', '2025-11-08T11:30:00', { message: { from: 'rep' } }),
        ev('deal.stage_changed', 'b1', '2025-11-03T10:00:00', { to: 'qualify', owner: 'r2', team: 'T2' }),
      ],
    },
  });
  expect(res.body).toMatchObject({ accepted: 7, rejected: [] });
});

afterAll(async () => {
  await env?.close();
});

describe('<huashu-health-dashboard>', () => {
  it('shows each rep’s three metrics against their thresholds, in words as well as colour (screenshot)', async () => {
    await openBoard(dashboard(manager));
    expect(await recorded()).toMatchObject([{ name: 'huashu-health-loaded', detail: { report: { reps: [{ rep: 'r1' }, { rep: 'r2' }] } } }]);
    await expect(inBoard('[part~="period"]').textContent()).resolves.toBe('统计区间 2025-11-03 至 2025-11-16');
    const headers = await inBoard('[part~="table"]').first().locator('thead th').allTextContents();
    expect(headers).toEqual(['销售', '线索培育有效性达标线 ≥ 25%', '商机推进合规率达标线 ≥ 90%', '客户信任指数达标线 ≥ 7.2']);
    // r1: 1 of 2 new deals reached 方案演示; its one gated entry skipped the gate; trust 0.3 × 0 + 0.4 × 10 + 0.3 × 10 = 7.
    // r2: nothing reached, no gated entry, no documents (trust 0 from documents alone).
    expect(await rows(0)).toEqual([
      ['r1 · T1', '50% 达标 1/2', '0% 未达标 0/1', '7.00 未达标 资料 0 份/周 · 非工作时间回复 100% · 客户主动 100%'],
      ['r2 · T2', '0% 未达标 0/1', '– 暂无数据 0/0', '0.00 未达标 资料 0 份/周 · 非工作时间回复 – · 客户主动 –'],
    ]);
    await expect(inBoard('[part~="table"]').first().locator('[part~="verdict-healthy"]').count()).resolves.toBe(1);
    const colour = await inBoard('[part~="verdict-unhealthy"]').first().evaluate((node) => getComputedStyle(node).color);
    expect(colour).toBe('rgb(207, 34, 46)');
    // Two teams: their totals follow.
    expect((await rows(1)).map((row) => row[0])).toEqual(['T1', 'T2']);
    await env.page.locator('huashu-health-dashboard').screenshot({ path: join(ARTIFACTS, 'health-dashboard.png') });
    expect(env.pageErrors).toEqual([]);
  });

  it('shows a rep only their own row, in English', async () => {
    await openBoard(dashboard(env.repToken), { lang: 'en' });
    // rep-test-01 owns no deal.
    await expect(inBoard('[part~="empty"]').textContent()).resolves.toBe('No deals in this period yet.');
    await openBoard(dashboard(manager, ' team="T2"'), { lang: 'en' });
    expect((await rows(0)).map((row) => row[0])).toEqual(['r2 · T2']);
    await expect(inBoard('[part~="table"]').first().locator('thead th').nth(3).textContent()).resolves.toBe('Customer trust indexhealthy ≥ 7.2');
  });

  it('says what went wrong when the period is refused', async () => {
    await openBoard(`<huashu-health-dashboard endpoint="${env.api.url}" token="${manager}" since="2025-11-17" until="2025-11-03"></huashu-health-dashboard>`);
    expect(await recorded()).toMatchObject([{ name: 'huashu-health-error', detail: { error: { code: 'validation_failed' } } }]);
    await expect(inBoard('[part~="alert"]').textContent()).resolves.toMatch(/^出错了：invalid query: to: must be after from/);
  });
});
