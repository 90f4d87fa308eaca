import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWidgetTestEnv, WIDGET_DIST, type WidgetTestEnv } from '../../test-support/browser.js';

/** The widget ships as its own bundle (the reps' bundle is at its budget); the page loads it as a module. */
const BUNDLE = `${WIDGET_DIST}huashu-daily-report.js`;
let env: WidgetTestEnv;
let head: string;
const today = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
const inReport = (selector: string) => env.page.locator(`huashu-daily-report ${selector}`);

async function openReport(attributes: string, lang = 'zh-CN'): Promise<void> {
  await env.open(`<huashu-daily-report endpoint="${env.api.url}" ${attributes}></huashu-daily-report>`, { lang, head });
  await env.page.evaluate(() => customElements.whenDefined('huashu-daily-report'));
  await inReport('[part~="headline"], [part~="alert"]').first().waitFor();
}

beforeAll(async () => {
  let code: string;
  try {
    code = readFileSync(BUNDLE, 'utf8');
  } catch {
    throw new Error(`${BUNDLE} is missing: run \`npx tsc -b && npx rollup -c rollup.config.mjs\``);
  }
  head = `<script type="module">${code}</script>`;
  env = await startWidgetTestEnv();
  // The rep's day: three new leads (two in manufacturing, one named like markup), one an SLA breach.
  const { db, tenant } = env;
  const names = ['<img src=x onerror=alert(1)>', '刘洋', '陈静'];
  const industries = ['制造业', '制造业', '金融'];
  for (let i = 0; i < names.length; i++) {
    const res = await env.api.call('POST', '/v1/leads', { key: tenant.secretKey, body: { name: names[i], phone: `1370000${1000 + i}`, company: names[i], source: 'website' } });
    await db.query(`UPDATE leads SET owner_rep_id = 'rep-test-01', industry = $3, sla_breached_at = $4 WHERE tenant_id = $1 AND id = $2`, [tenant.id, res.body.lead.id, industries[i], i === 0 ? new Date().toISOString() : null]);
    if (i === 0) await db.query(`INSERT INTO signal_scores (tenant_id, lead_id, sum, sum_at, half_life_ms) VALUES ($1, $2, 2, now(), $3)`, [tenant.id, res.body.lead.id, 7 * 86_400_000]);
  }
});
afterAll(async () => {
  await env?.close();
});

describe('<huashu-daily-report> in Chromium', () => {
  it('shows the rep’s figures in Chinese, with the industry chart repeated in words', async () => {
    await openReport(`token="${env.repToken}"`);
    const headline = await inReport('[part~="headline"] li').allTextContents();
    expect(headline[0]).toBe('今日新增线索 3 条（其中制造业 2 条）');
    expect(headline[1]).toMatch(/^跟进中高意向客户 1 家（平均停滞 [\d.]+ 天）$/);
    expect(headline[3]).toBe('首次响应超时 1 条');
    const chart = (await inReport('[part~="chart"]').textContent())!.replace(/\s+/g, '');
    expect(chart).toContain('制造业2');
    expect(chart).toContain('金融1');
    await expect(inReport('h3').textContent()).resolves.toContain(today());
  });

  it('renders lead data as text, never markup', async () => {
    await openReport(`token="${env.repToken}"`);
    expect(await env.page.locator('huashu-daily-report').evaluate((el) => el.shadowRoot!.querySelectorAll('img').length)).toBe(0);
    expect(await inReport('.list').textContent()).toContain('<img src=x onerror=alert(1)>');
    expect(env.pageErrors).toEqual([]);
  });

  it('speaks English when the page does', async () => {
    await openReport(`token="${env.repToken}"`, 'en');
    expect(await inReport('[part~="headline"] li').first().textContent()).toBe('New leads today: 3 (2 in manufacturing)');
  });

  it('says why when a rep asks for another rep’s report', async () => {
    await openReport(`token="${env.repToken}" rep="someone-else"`);
    expect(await inReport('[part~="alert"]').textContent()).toContain('日报加载失败');
  });
});
