import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, nextEvent, startWidgetTestEnv, type WidgetTestEnv } from '../../test-support/browser.js';

let env: WidgetTestEnv;
let newHire: string;
let veteran: string;

const DAY_MS = 24 * 60 * 60 * 1000;
const hiredDaysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString().slice(0, 10);
const INDUSTRY = '医院信息化';

const PACK = {
  name: '医院信息化新人学习包',
  description: '第一次跟进医院信息科客户前，先读完这些。',
  scenario: { industry: INDUSTRY },
  audience: { hiredWithinDays: 90 },
  items: [
    { id: 'his-faq', kind: 'faq', title: 'HIS 对接常见问题', url: 'https://docs.yunce.example/his-faq' },
    { id: 'tender', kind: 'process', title: '三甲医院采购流程', url: 'https://docs.yunce.example/tender' },
    { id: 'checklist', kind: 'checklist', title: '成功案例实施清单' },
    { id: 'case', kind: 'case', title: '华东某三甲医院 HIS 对接案例', url: 'https://docs.yunce.example/case' },
  ],
  entries: { industry: INDUSTRY, limit: 2 },
};

async function mint(repId: string, hireDate: string): Promise<string> {
  const minted = await env.api.call('POST', '/v1/rep-tokens', { key: env.tenant.secretKey, body: { repId, name: `新人${repId}`, role: 'rep', hireDate } });
  expect(minted.status).toBe(201);
  return minted.body.token;
}

const pack = (token: string, extra = '') => `<huashu-learning-pack endpoint="${env.api.url}" token="${token}" industry="${INDUSTRY}"${extra}></huashu-learning-pack>`;
const inPack = (selector: string) => env.page.locator(`huashu-learning-pack ${selector}`);

/** Records `huashu-pack-delivered` from the page's first script on, since the pack may arrive before a test could listen. */
const RECORD_DELIVERY = `<script>addEventListener('huashu-pack-delivered', (event) => { window.__delivered = event.detail; });</script>`;

async function openPack(body: string, options: { lang?: string } = {}): Promise<void> {
  await env.open(body, { ...options, head: RECORD_DELIVERY });
  await env.page.evaluate(() => customElements.whenDefined('huashu-learning-pack'));
  await inPack('[part~="list"], [part~="empty"], [part~="alert"]').first().waitFor();
}

beforeAll(async () => {
  env = await startWidgetTestEnv();
  const imported = await env.api.call('POST', '/v1/knowledge/import', {
    key: env.tenant.secretKey,
    body: { entries: [{ question: '你们怎么和我们的 HIS 对接？', answer: '走 HL7 接口。', evidence: [{ kind: 'case', title: '三甲医院案例' }], industry: INDUSTRY }] },
  });
  expect(imported.body.imported).toBe(1);
  const put = await env.api.call('PUT', '/v1/learning-packs/hospital-it', { key: env.tenant.secretKey, body: PACK });
  expect(put.status).toBe(201);
  newHire = await mint('nh-widget', hiredDaysAgo(20));
  veteran = await mint('vet-widget', hiredDaysAgo(800));
});

afterAll(async () => {
  await env?.close();
});

describe('<huashu-learning-pack>', () => {
  it('delivers the pack the first time: new-scenario badge, items with their kind, links, progress (screenshot)', async () => {
    await openPack(pack(newHire));
    const detail = await env.page.evaluate(() => (window as unknown as { __delivered?: unknown }).__delivered);
    expect(detail).toMatchObject({ firstDelivery: true, pack: { slug: 'hospital-it' } });
    await expect(inPack('[part~="title"]').textContent()).resolves.toBe('医院信息化新人学习包');
    await expect(inPack('[part~="badge"]').textContent()).resolves.toBe('新场景');
    await expect(inPack('[part~="kind"]').allTextContents()).resolves.toEqual(['常见问题', '流程', '清单', '案例', '话术']);
    await expect(inPack('[part~="item-title"]').allTextContents()).resolves.toEqual([
      'HIS 对接常见问题',
      '三甲医院采购流程',
      '成功案例实施清单',
      '华东某三甲医院 HIS 对接案例',
      '你们怎么和我们的 HIS 对接？',
    ]);
    // Only items with an http(s) URL get a link, and it opens apart from the CRM.
    const links = inPack('[part~="link"]');
    await expect(links.count()).resolves.toBe(3);
    await expect(links.first().getAttribute('href')).resolves.toBe('https://docs.yunce.example/his-faq');
    await expect(links.first().getAttribute('rel')).resolves.toBe('noopener noreferrer');
    await expect(inPack('[part~="progress"]').textContent()).resolves.toContain('已完成 0/5');
    await expect(env.page.getByRole('progressbar').getAttribute('aria-valuenow')).resolves.toBe('0');
    await env.page.locator('huashu-learning-pack').screenshot({ path: join(ARTIFACTS, 'learning-pack-new.png') });
    expect(env.pageErrors).toEqual([]);
  });

  it('keeps done marks: checking an item saves it, and the next visit shows the same pack with its progress', async () => {
    await openPack(pack(newHire));
    // Already delivered: no longer "new", same pack.
    await expect(inPack('[part~="badge"]').count()).resolves.toBe(0);
    await expect(env.page.evaluate(() => (window as unknown as { __delivered?: { firstDelivery: boolean } }).__delivered?.firstDelivery)).resolves.toBe(false);
    const progressed = await nextEvent(env.page, 'huashu-pack-progress');
    await env.page.getByRole('checkbox', { name: /HIS 对接常见问题/ }).check();
    await expect(progressed()).resolves.toEqual({ slug: 'hospital-it', itemId: 'his-faq', done: true, progress: { done: 1, total: 5 } });
    await expect(inPack('[part~="progress"]').textContent()).resolves.toContain('已完成 1/5');
    const stored = await env.api.call('GET', '/v1/learning-packs/hospital-it', { key: newHire });
    expect(stored.body.items.find((item: { id: string }) => item.id === 'his-faq').done).toBe(true);
    // The keyboard works as well.
    await env.page.getByRole('checkbox', { name: /三甲医院采购流程/ }).focus();
    const second = await nextEvent(env.page, 'huashu-pack-progress');
    await env.page.keyboard.press('Space');
    await second();
    await openPack(pack(newHire));
    await expect(env.page.getByRole('checkbox', { name: /HIS 对接常见问题/ }).isChecked()).resolves.toBe(true);
    await expect(env.page.getByRole('checkbox', { name: /三甲医院采购流程/ }).isChecked()).resolves.toBe(true);
    await expect(inPack('[part~="progress"]').textContent()).resolves.toContain('已完成 2/5');
  });

  it('shows nothing to learn for a veteran', async () => {
    await openPack(pack(veteran));
    await expect(inPack('[part~="empty"]').textContent()).resolves.toBe('这个场景暂时没有为新人准备的学习包。');
    await expect(inPack('[part~="list"]').count()).resolves.toBe(0);
  });

  it('asks for the lead’s scenario, renders text as text and links only http(s), and undoes a mark the server refused', async () => {
    await env.open(`<huashu-learning-pack lead-id="lead_42"></huashu-learning-pack>`);
    const result = await env.page.evaluate(async () => {
      const element = document.querySelector('huashu-learning-pack')!;
      const calls: unknown[] = [];
      const fakePack = {
        slug: 'x',
        name: '<img src=x onerror="window.__pwned=1">',
        description: null,
        scenario: { industry: '零售', tags: [] },
        audience: { hiredWithinDays: 30 },
        items: [
          { id: 'a', kind: 'faq', title: '<b>FAQ</b>', url: 'javascript:alert(1)', entryId: null, done: false },
          { id: 'b', kind: 'case', title: '案例', url: 'https://ok.example/case', entryId: null, done: false },
        ],
        progress: { done: 0, total: 2 },
        deliveredAt: '2026-12-01T00:00:00.000Z',
        updatedAt: '2026-12-01T00:00:00.000Z',
      };
      element.client = {
        nextLearningPack: async (scenario: unknown) => (calls.push(scenario), { pack: fakePack }),
        deliveredLearningPacks: async () => ({ packs: [] }),
        setPackProgress: async () => {
          throw Object.assign(new Error('nope'), { code: 'internal', issues: [] });
        },
      } as never;
      await new Promise((resolve) => setTimeout(resolve, 50));
      await element.updateComplete;
      return { calls, pwned: (window as unknown as { __pwned?: number }).__pwned ?? 0 };
    });
    expect(result).toEqual({ calls: [{ leadId: 'lead_42' }], pwned: 0 });
    await expect(inPack('[part~="title"]').textContent()).resolves.toBe('<img src=x onerror="window.__pwned=1">');
    await expect(inPack('[part~="link"]').count()).resolves.toBe(1);
    await expect(inPack('[part~="link"]').getAttribute('href')).resolves.toBe('https://ok.example/case');
    const failed = await nextEvent(env.page, 'huashu-pack-error');
    await env.page.getByRole('checkbox', { name: /<b>FAQ<\/b>/ }).click();
    await failed();
    await expect(env.page.getByRole('checkbox', { name: /<b>FAQ<\/b>/ }).isChecked()).resolves.toBe(false);
    await expect(env.page.getByRole('alert').textContent()).resolves.toContain('进度未能保存');
  });

  it('speaks English on an English page', async () => {
    const english = await mint('nh-en', hiredDaysAgo(3));
    await openPack(pack(english), { lang: 'en' });
    await expect(inPack('[part~="badge"]').textContent()).resolves.toBe('New scenario');
    await expect(inPack('[part~="kind"]').allTextContents()).resolves.toEqual(['FAQ', 'Process', 'Checklist', 'Case', 'Script']);
    await expect(inPack('[part~="progress"]').textContent()).resolves.toContain('0 of 5 done');
  });
});
