import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@huashu/server/testing';
import { join } from 'node:path';
import { ARTIFACTS, nextEvent, startFakeChatModel, startWidgetTestEnv, type WidgetTestEnv } from '../../test-support/browser.js';

/** Three pricing objections (one question should find all three), plus entries for the other cases below. */
const ENTRIES = [
  {
    externalId: 'price-tco',
    question: '你们的报价比竞品贵了快40%，功能看着都差不多，凭什么贵这么多？',
    answer: '单看软件报价我们确实高，但建议按三年总成本来比：对方不含协议驱动和边缘网关，每条产线通常要另买3–5万；我们全部内置。某汽车零部件厂同口径算下来，三年总成本反而低18%。',
    evidence: [
      { kind: 'case', title: '某汽车零部件厂三年TCO对比：低18%', url: 'https://docs.yunce.example/cases/tco' },
      { kind: 'document', title: '工业协议驱动清单（312种）', url: 'https://docs.yunce.example/docs/drivers' },
    ],
    tags: ['价格异议', '竞品对比'],
    industry: '制造业',
  },
  {
    externalId: 'price-discount',
    question: '价格太贵了，预算不够，能不能再便宜点打个七折？',
    answer: '直接打七折我做不了主，但可以按模块分期上线：一期只上最急的排产和设备联网，价格能降到原方案的六成，二期预算批下来再扩展，总价不变。',
    evidence: [{ kind: 'case', title: '某家电企业分两期上线案例' }],
    tags: ['价格异议', '预算'],
  },
  {
    externalId: 'price-cheaper-rival',
    question: '别家报价比你们便宜一半，你们为什么这么贵？',
    answer: '便宜一半的方案一般是按年订阅、不含实施。我们报价含实施和一年驻场，第三方测试报告显示同等负载下我们的故障恢复时间短60%。',
    evidence: [{ kind: 'test_report', title: '第三方性能与可靠性测试报告', url: 'https://docs.yunce.example/reports/reliability.pdf' }],
    tags: ['价格异议'],
  },
  {
    externalId: 'security-mlps',
    question: '你们的数据安全怎么保证？有没有等保三级认证？',
    answer: '我们的云平台通过了等保三级测评，数据加密存储，权限按角色最小化分配，可提供测评报告复印件。',
    evidence: [{ kind: 'certification', title: '网络安全等级保护三级测评报告', url: 'https://docs.yunce.example/certs/mlps3' }],
    tags: ['安全合规'],
  },
  {
    externalId: 'deploy-xss',
    question: '能不能私有化部署到我们自己的机房？',
    answer: '可以私有化部署。<img src=x onerror="window.__xss=1"> 详见部署白皮书。',
    evidence: [{ kind: 'document', title: '<script>window.__xss=2</script>私有化部署白皮书' }],
    tags: ['<b>部署</b>'],
  },
  {
    externalId: 'rollout-stale',
    question: '你们的系统上线周期一般要多久？',
    answer: '标准版四到六周上线：第一周调研，第二到四周配置和接口联调，最后一到两周试运行。',
    evidence: [{ kind: 'case', title: '某医院六周上线复盘' }],
    tags: ['交付'],
  },
];

const PRICE_QUESTION = '你们比竞品贵，能便宜点吗';
/** In the domain but no entry fits closely: the server answers `low` (measured: security-mlps at relevance ≈ 0.20, below `high`). */
const LOW_QUESTION = '数据会不会泄露给第三方';

let env: WidgetTestEnv;
/** The same database behind a server that has a (fake) chat model, for the streamed summary. */
let withChat: TestServer;
let chat: Awaited<ReturnType<typeof startFakeChatModel>>;
const ids = new Map<string, string>();

beforeAll(async () => {
  env = await startWidgetTestEnv();
  const imported = await env.api.call('POST', '/v1/knowledge/import', { key: env.tenant.secretKey, body: { entries: ENTRIES } });
  expect(imported.body).toMatchObject({ imported: ENTRIES.length, rejected: [] });
  const listed = await env.api.call('GET', '/v1/knowledge?limit=50', { key: env.tenant.secretKey });
  for (const entry of listed.body.entries) ids.set(entry.externalId, entry.id);
  // Two reps found the TCO script useful, one did not: 2/3.
  for (const outcome of ['success', 'success', 'failure']) {
    await env.api.call('POST', '/v1/outcomes', { key: env.tenant.secretKey, body: { entryId: ids.get('price-tco'), outcome } });
  }
  // Past its review date: the widget must flag it.
  await env.db.query(`UPDATE knowledge_entries SET verified_until = now() - interval '1 day' WHERE tenant_id = $1 AND external_id = 'rollout-stale'`, [env.tenant.id]);
  chat = await startFakeChatModel(['按三年总成本比，我们反而更省', ' [1]', '；预算紧可以分期上线 [2]', '，可靠性有第三方报告 [3]。']);
  withChat = await startTestServer(env.db, { OPENAI_BASE_URL: chat.url, HUASHU_CHAT_MODEL: 'fake-chat' });
});

afterAll(async () => {
  await withChat?.close();
  await chat?.close();
  await env?.close();
});

const assistant = (env: WidgetTestEnv, attributes = '', endpoint = env.api.url) => `<huashu-assistant endpoint="${endpoint}" token="${env.repToken}" ${attributes}></huashu-assistant>`;

async function ask(question: string): Promise<void> {
  const asked = await nextEvent(env.page, 'huashu-asked');
  await env.page.getByRole('textbox', { name: '客户原话' }).fill(question);
  await env.page.keyboard.press('Enter');
  await asked();
}

const shadowCount = (selector: string) =>
  env.page.evaluate((selector) => document.querySelector('huashu-assistant')!.shadowRoot!.querySelectorAll(selector).length, selector);

describe('<huashu-assistant>', () => {
  it('renders a labelled search form', async () => {
    await env.open(assistant(env));
    await expect(env.page.getByRole('search', { name: '话术助手' }).count()).resolves.toBe(1);
    await expect(env.page.getByRole('textbox', { name: '客户原话' }).getAttribute('placeholder')).resolves.toContain('输入客户的原话');
    expect(env.pageErrors).toEqual([]);
  });

  it('answers with three cards: script, evidence links with kind labels, success rate and tags', async () => {
    await env.open(assistant(env));
    await ask(PRICE_QUESTION);
    const page = env.page;
    const cards = page.locator('huashu-assistant [part~="card"]');
    await expect(cards.count()).resolves.toBe(3);
    await expect(page.locator('huashu-assistant [part~="status"]').textContent()).resolves.toBe('找到 3 条话术');

    const tco = page.locator(`huashu-assistant [data-entry="${ids.get('price-tco')}"]`);
    await expect(tco.locator('[part~="answer"]').textContent()).resolves.toContain('三年总成本反而低18%');
    await expect(tco.locator('[part~="success-rate"]').textContent()).resolves.toContain('成功 2/3 · 67%');
    await expect(tco.locator('[part~="tag"]').allTextContents()).resolves.toEqual(['制造业', '价格异议', '竞品对比']);
    const link = tco.locator('[part~="evidence-link"]').first();
    await expect(link.textContent()).resolves.toContain('某汽车零部件厂三年TCO对比');
    await expect(link.getAttribute('href')).resolves.toBe('https://docs.yunce.example/cases/tco');
    await expect(link.getAttribute('rel')).resolves.toBe('noopener noreferrer');
    await expect(link.getAttribute('target')).resolves.toBe('_blank');
    await expect(tco.locator('[part~="evidence-kind"]').allTextContents()).resolves.toEqual(['案例', '文档']);

    // Evidence without a URL is a title, not a link; an entry nobody rated yet says so.
    const discount = page.locator(`huashu-assistant [data-entry="${ids.get('price-discount')}"]`);
    await expect(discount.locator('[part~="evidence-link"]').count()).resolves.toBe(0);
    await expect(discount.locator('[part~="evidence-title"]').textContent()).resolves.toBe('某家电企业分两期上线案例');
    await expect(discount.locator('[part~="success-rate"]').textContent()).resolves.toContain('暂无反馈');
    const report = page.locator(`huashu-assistant [data-entry="${ids.get('price-cheaper-rival')}"] [part~="evidence-kind"]`);
    await expect(report.textContent()).resolves.toBe('测试报告');
  });

  it('"有用" reports the outcome, shows the new rate and disables the buttons', async () => {
    await env.open(assistant(env, 'lead-id="lead-42"'));
    await ask(PRICE_QUESTION);
    const page = env.page;
    const card = page.locator(`huashu-assistant [data-entry="${ids.get('price-discount')}"]`);
    await expect(card.locator('[part~="success-rate"]').textContent()).resolves.toContain('暂无反馈');
    const reported = await nextEvent(page, 'huashu-outcome-reported');
    await card.getByRole('button', { name: '有用' }).click();
    expect(await reported()).toMatchObject({ entryId: ids.get('price-discount'), outcome: 'success', successRate: { uses: 1, successes: 1 } });
    await expect(card.locator('[part~="success-rate"]').textContent()).resolves.toContain('成功 1/1 · 100%');
    await expect(card.getByRole('button', { name: '有用' }).isDisabled()).resolves.toBe(true);
    await expect(card.getByRole('button', { name: '没用' }).isDisabled()).resolves.toBe(true);
    await expect(card.getByRole('button', { name: '有用' }).getAttribute('aria-pressed')).resolves.toBe('true');
    // The server counted it.
    const ask2 = await env.api.call('POST', '/v1/assistant/ask', { key: env.tenant.secretKey, body: { question: PRICE_QUESTION } });
    const match = ask2.body.matches.find((m: { entry: { id: string } }) => m.entry.id === ids.get('price-discount'));
    expect(match.successRate).toMatchObject({ uses: 1, successes: 1 });
  });

  it('sends the lead and page language as context, and the askId with 有用: the question is taught to the entry', async () => {
    await env.open(assistant(env, 'lead-id="lead-42"'));
    const page = env.page;
    const bodies: Array<{ url: string; body: Record<string, unknown> }> = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') bodies.push({ url: new URL(request.url()).pathname, body: request.postDataJSON() });
    });
    const asked = await nextEvent(page, 'huashu-asked');
    const question = PRICE_QUESTION;
    await page.getByRole('textbox', { name: '客户原话' }).fill(question);
    await page.keyboard.press('Enter');
    const { response } = await asked();
    expect(response.askId).toMatch(/^ask_/);
    expect(bodies.find((request) => request.url === '/v1/assistant/ask')?.body).toMatchObject({ question, context: { leadId: 'lead-42', lang: 'zh-CN' } });
    // Not the TCO script: the English test reads its 2/3 rate.
    const entryId = ids.get('price-cheaper-rival');
    expect(response.matches.map((match: { entry: { id: string } }) => match.entry.id)).toContain(entryId);
    const reported = await nextEvent(page, 'huashu-outcome-reported');
    await page.locator(`huashu-assistant [data-entry="${entryId}"]`).getByRole('button', { name: '有用' }).click();
    await reported();
    expect(bodies.find((request) => request.url === '/v1/outcomes')?.body).toEqual({ entryId, outcome: 'success', leadId: 'lead-42', askId: response.askId });
    // The server tied the report to the question: a learning event and a pending learned variant.
    const events = await env.db.query(`SELECT question, outcome FROM knowledge_learning_events WHERE tenant_id = $1 AND ask_id = $2`, [env.tenant.id, response.askId]);
    expect(events.rows).toEqual([{ question, outcome: 'success' }]);
    const variants = await env.db.query(`SELECT status, source FROM knowledge_variants WHERE tenant_id = $1 AND entry_id = $2 AND text = $3`, [env.tenant.id, entryId, question]);
    expect(variants.rows).toEqual([{ status: 'pending', source: 'learned' }]);
  });

  it('shows matches it is not sure about under 可能相关 with the contribute prompt, and writes no summary from them', async () => {
    await env.open(assistant(env, "", withChat.url));
    await ask(LOW_QUESTION);
    const page = env.page;
    const maybe = page.locator('huashu-assistant [part~="maybe"]');
    await expect(maybe.getByRole('heading', { name: '可能相关' }).count()).resolves.toBe(1);
    await expect(maybe.locator(`[data-entry="${ids.get('security-mlps')}"]`).count()).resolves.toBe(1);
    await expect(maybe.textContent()).resolves.toContain('没有十分匹配的话术');
    await expect(shadowCount('[part~="abstain"]')).resolves.toBe(0);
    await expect(shadowCount('[part~="ai-answer"]')).resolves.toBe(0);
    const requested = await nextEvent(page, 'huashu-contribute-request');
    await maybe.getByRole('button', { name: '提交一条话术' }).click();
    expect(await requested()).toEqual({ question: LOW_QUESTION });
  });

  it('says 可能相关 in English too', async () => {
    await env.open(assistant(env), { lang: 'en' });
    const page = env.page;
    const asked = await nextEvent(page, 'huashu-asked');
    await page.getByRole('textbox', { name: 'What the customer said' }).fill(LOW_QUESTION);
    await page.getByRole('button', { name: 'Ask' }).click();
    await asked();
    const maybe = page.locator('huashu-assistant [part~="maybe"]');
    await expect(maybe.getByRole('heading', { name: 'Possibly related' }).count()).resolves.toBe(1);
    await expect(maybe.getByRole('button', { name: 'Contribute a script' }).count()).resolves.toBe(1);
  });

  it('copies a script to the clipboard', async () => {
    await env.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.pages.url });
    await env.open(assistant(env));
    await ask(PRICE_QUESTION);
    const card = env.page.locator('huashu-assistant [part~="card"]').first();
    const answer = await card.locator('[part~="answer"]').textContent();
    await card.getByRole('button', { name: '复制话术' }).click();
    // The clipboard write is asynchronous: wait for the button to say so.
    await card.locator('[part~="copy-button"]', { hasText: '已复制' }).waitFor();
    await expect(env.page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(answer);
  });

  it('streams a grounded summary whose citations lead to the cards when the server has a chat model', async () => {
    await env.open(assistant(env, '', withChat.url));
    await ask(PRICE_QUESTION);
    const page = env.page;
    const summary = page.locator('huashu-assistant [part~="ai-answer"]');
    await summary.waitFor();
    await page.waitForFunction(() => document.querySelector('huashu-assistant')!.shadowRoot!.querySelector('[part~="ai-answer"]')?.getAttribute('aria-busy') === 'false');
    await expect(summary.locator('.ai-text').textContent()).resolves.toBe('按三年总成本比，我们反而更省 1；预算紧可以分期上线 2，可靠性有第三方报告 3。');
    await expect(summary.locator('.sources li').count()).resolves.toBe(3);
    // A narrow panel: long source lines are cut with an ellipsis instead of widening the widget.
    await page.setViewportSize({ width: 400, height: 1400 });
    const overflow = await page.evaluate(() => {
      const host = document.querySelector('huashu-assistant')!;
      const widest = Math.max(...[...host.shadowRoot!.querySelectorAll('*')].map((node) => node.getBoundingClientRect().right));
      return widest - host.getBoundingClientRect().right;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await page.locator('huashu-assistant').screenshot({ path: join(ARTIFACTS, 'assistant-summary-400.png') });
    await page.setViewportSize({ width: 1024, height: 800 });
    await summary.locator('.ai-text').getByRole('button', { name: '第 2 条话术' }).click();
    await expect(page.evaluate(() => document.querySelector('huashu-assistant')!.shadowRoot!.activeElement?.id)).resolves.toBe('card-2');
    expect(chat.requests).toBeGreaterThan(0);
  });

  it('shows no summary at all when the server has no chat model', async () => {
    await env.open(assistant(env));
    const page = env.page;
    const answered = page.waitForResponse((response) => response.url().endsWith('/v1/assistant/answer'));
    await ask(PRICE_QUESTION);
    expect((await answered).status()).toBe(503);
    await page.waitForTimeout(100);
    await expect(shadowCount('[part~="ai-answer"]')).resolves.toBe(0);
    await expect(shadowCount('[part~="card"]')).resolves.toBe(3);
    await expect(shadowCount('[part~="alert"]')).resolves.toBe(0);
  });

  it('abstains on an out-of-scope question and offers to contribute one', async () => {
    await env.open(assistant(env));
    await ask('办公室WiFi密码是多少');
    const page = env.page;
    const abstain = page.locator('huashu-assistant [part~="abstain"]');
    await expect(abstain.textContent()).resolves.toContain('知识库里还没有相关话术，要不要提交一条？');
    await expect(shadowCount('[part~="card"]')).resolves.toBe(0);
    const requested = await nextEvent(page, 'huashu-contribute-request');
    await abstain.getByRole('button', { name: '提交一条话术' }).click();
    expect(await requested()).toEqual({ question: '办公室WiFi密码是多少' });
  });

  it('renders markup from the knowledge base as inert text', async () => {
    await env.open(assistant(env));
    await ask('能私有化部署到我们机房吗');
    const page = env.page;
    const card = page.locator(`huashu-assistant [data-entry="${ids.get('deploy-xss')}"]`);
    await expect(card.locator('[part~="answer"]').textContent()).resolves.toContain('<img src=x onerror="window.__xss=1">');
    await expect(card.locator('[part~="evidence-title"]').textContent()).resolves.toContain('<script>window.__xss=2</script>');
    await expect(card.locator('[part~="tag"]').allTextContents()).resolves.toContain('<b>部署</b>');
    await expect(shadowCount('img, script, b')).resolves.toBe(0);
    await expect(page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).resolves.toBeUndefined();
  });

  it('never turns a javascript: URL into a link', async () => {
    // The server refuses such URLs, so a hand-made client delivers one: the widget must hold on its own.
    await env.open('<huashu-assistant></huashu-assistant>');
    const page = env.page;
    await page.evaluate(() => {
      const element = document.querySelector('huashu-assistant')!;
      element.client = {
        ask: async () => ({
          askId: 'ask_test',
          confidence: 'high' as const,
          abstained: false,
          matches: [
            {
              entry: {
                id: 'e1',
                externalId: null,
                question: '客户问题',
                answer: '话术',
                evidence: [
                  { kind: 'case', title: '恶意链接', url: 'javascript:window.__xss=3' },
                  { kind: 'document', title: '数据链接', url: 'data:text/html,<script>alert(1)</script>' },
                  { kind: 'certification', title: '正常链接', url: 'https://example.com/cert' },
                ],
                tags: [],
                industry: null,
                product: null,
                stale: false,
              },
              score: 0.9,
              successRate: { uses: 0, successes: 0, rate: null },
              confidence: 'high' as const,
            },
          ],
        }),
        answer: async () => {
          throw Object.assign(new Error('no model'), { code: 'llm_unavailable' });
        },
        reportOutcome: async () => ({ entryId: 'e1', successRate: { uses: 1, successes: 1, rate: 1 } }),
      };
    });
    await ask('任何问题');
    const links = page.locator('huashu-assistant [part~="evidence-link"]');
    await expect(links.count()).resolves.toBe(1);
    await expect(links.getAttribute('href')).resolves.toBe('https://example.com/cert');
    await expect(page.locator('huashu-assistant [part~="evidence-title"]').allTextContents()).resolves.toEqual(['恶意链接', '数据链接']);
    await expect(shadowCount('a[href^="javascript"], a[href^="data"]')).resolves.toBe(0);
  });

  it('flags an entry past its review date as 待复核', async () => {
    await env.open(assistant(env));
    await ask('系统上线周期要多久');
    const card = env.page.locator(`huashu-assistant [data-entry="${ids.get('rollout-stale')}"]`);
    await expect(card.locator('[part~="stale-badge"]').textContent()).resolves.toContain('待复核');
    const fresh = env.page.locator(`huashu-assistant [data-entry]:not([data-entry="${ids.get('rollout-stale')}"]) [part~="stale-badge"]`);
    await expect(fresh.count()).resolves.toBe(0);
  });

  it('speaks English on an English page', async () => {
    await env.open(assistant(env), { lang: 'en' });
    const page = env.page;
    const asked = await nextEvent(page, 'huashu-asked');
    await page.getByRole('textbox', { name: 'What the customer said' }).fill(PRICE_QUESTION);
    await page.getByRole('button', { name: 'Ask' }).click();
    await asked();
    const tco = page.locator(`huashu-assistant [data-entry="${ids.get('price-tco')}"]`);
    await expect(tco.locator('[part~="success-rate"]').textContent()).resolves.toContain('Worked 2/3 · 67%');
    await expect(tco.locator('[part~="evidence-kind"]').first().textContent()).resolves.toBe('Case');
    await expect(page.locator('huashu-assistant [part~="status"]').textContent()).resolves.toBe('3 scripts found');
  });

  it('tells the rep when the token is not accepted', async () => {
    await env.open(`<huashu-assistant endpoint="${env.api.url}" token="not-a-token"></huashu-assistant>`);
    const failed = await nextEvent(env.page, 'huashu-assistant-error');
    await env.page.getByRole('textbox', { name: '客户原话' }).fill(PRICE_QUESTION);
    await env.page.keyboard.press('Enter');
    expect((await failed()).error.code).toMatch(/unauthenticated|invalid_token/);
    await expect(env.page.getByRole('alert').textContent()).resolves.toContain('登录已失效');
  });
});
