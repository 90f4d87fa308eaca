import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ARTIFACTS, nextEvent, startWidgetTestEnv, type WidgetTestEnv } from '../../test-support/browser.js';

let env: WidgetTestEnv;

beforeAll(async () => {
  env = await startWidgetTestEnv();
});

afterAll(async () => {
  await env?.close();
});

const contribute = (env: WidgetTestEnv) => `<huashu-contribute endpoint="${env.api.url}" token="${env.repToken}"></huashu-contribute>`;
const text = (selector: string) => env.page.locator(`huashu-contribute ${selector}`).textContent();

async function submitExpectingError(): Promise<{ error: { code: string; issues: Array<{ path: string }> } }> {
  const failed = await nextEvent(env.page, 'huashu-contribution-error');
  await env.page.getByRole('button', { name: '提交审核' }).click();
  return failed();
}

describe('<huashu-contribute>', () => {
  it('explains the three-part rule and labels every part', async () => {
    await env.open(contribute(env));
    const page = env.page;
    await expect(text('[part~="rule"]')).resolves.toContain('客户原话 + 标准话术 + 佐证，缺一不可');
    await expect(page.getByRole('textbox', { name: '客户原话' }).count()).resolves.toBe(1);
    await expect(page.getByRole('textbox', { name: '标准话术' }).count()).resolves.toBe(1);
    await expect(page.getByRole('combobox', { name: '第 1 条佐证 · 类型' }).count()).resolves.toBe(1);
    const kinds = await page.locator('huashu-contribute #kind-0 option').allTextContents();
    expect(kinds).toEqual(['案例', '测试报告', '认证', '文档', '其他']);
    expect(env.pageErrors).toEqual([]);
  });

  it('shows the server’s verdict on the evidence field when evidence is missing', async () => {
    await env.open(contribute(env));
    const page = env.page;
    await page.getByRole('textbox', { name: '客户原话' }).fill('你们比竞品贵30%，凭什么？');
    await page.getByRole('textbox', { name: '标准话术' }).fill('按三年总成本比，我们反而低18%。');
    const detail = await submitExpectingError();
    expect(detail.error.code).toBe('validation_failed');
    expect(detail.error.issues.map((issue) => issue.path)).toEqual(['evidence']);
    await expect(text('#error-evidence')).resolves.toBe('至少需要一条佐证：案例、测试报告或认证');
    await expect(text('#error-question')).resolves.toBe('');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('请按提示补全后再提交');
    // Focus lands in the evidence, where the rep has to type next.
    await expect(page.evaluate(() => document.querySelector('huashu-contribute')!.shadowRoot!.activeElement?.id)).resolves.toBe('title-0');
    // Typing evidence clears the message.
    await page.getByRole('textbox', { name: '第 1 条佐证 · 佐证标题' }).fill('某汽车零部件厂TCO对比');
    await expect(text('#error-evidence')).resolves.toBe('');
  });

  it('puts each issue on its own field: question, answer and one evidence row’s link', async () => {
    await env.open(contribute(env));
    const page = env.page;
    await page.getByRole('textbox', { name: '第 1 条佐证 · 佐证标题' }).fill('等保三级测评报告');
    await page.getByRole('button', { name: '添加佐证' }).click();
    await page.getByRole('combobox', { name: '第 2 条佐证 · 类型' }).selectOption('test_report');
    await page.getByRole('textbox', { name: '第 2 条佐证 · 佐证标题' }).fill('性能测试报告');
    await page.getByRole('textbox', { name: '第 2 条佐证 · 链接' }).fill('ftp://files.example.com/report.pdf');
    const detail = await submitExpectingError();
    expect(detail.error.issues.map((issue) => issue.path).sort()).toEqual(['answer', 'evidence.1.url', 'question']);
    await expect(text('#error-question')).resolves.toBe('请填写客户原话（不超过 500 字）');
    await expect(text('#error-answer')).resolves.toBe('请填写标准话术（不超过 4000 字）');
    await expect(text('#error-row-1')).resolves.toBe('链接须以 http:// 或 https:// 开头');
    await expect(text('#error-row-0')).resolves.toBe('');
    await expect(page.getByRole('textbox', { name: '第 2 条佐证 · 链接' }).getAttribute('aria-invalid')).resolves.toBe('true');
    await page.locator('huashu-contribute').screenshot({ path: join(ARTIFACTS, 'contribute-errors.png') });
    await expect(page.evaluate(() => document.querySelector('huashu-contribute')!.shadowRoot!.activeElement?.id)).resolves.toBe('question');
  });

  it('adds and removes evidence rows from the keyboard', async () => {
    await env.open(contribute(env));
    const page = env.page;
    await page.getByRole('button', { name: '添加佐证' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('huashu-contribute [part~="evidence-row"]').count()).resolves.toBe(2);
    // The new row's first control takes focus.
    await expect(page.evaluate(() => document.querySelector('huashu-contribute')!.shadowRoot!.activeElement?.id)).resolves.toBe('kind-1');
    await page.getByRole('button', { name: '删除第 2 条佐证' }).focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('huashu-contribute [part~="evidence-row"]').count()).resolves.toBe(1);
    // The last row cannot be removed: evidence is required.
    await expect(page.getByRole('button', { name: '删除第 1 条佐证' }).isVisible()).resolves.toBe(false);
  });

  it('submits a complete entry, which waits for review', async () => {
    await env.open(contribute(env));
    const page = env.page;
    await page.getByRole('textbox', { name: '客户原话' }).fill('你们有没有三甲医院的 HIS 对接案例？');
    await page.getByRole('textbox', { name: '标准话术' }).fill('有。我们给华东某三甲医院做过 HIS 对接，六周上线，接口走 HL7。');
    await page.getByRole('textbox', { name: '第 1 条佐证 · 佐证标题' }).fill('华东某三甲医院 HIS 对接案例');
    await page.getByRole('textbox', { name: '第 1 条佐证 · 链接' }).fill('https://docs.yunce.example/cases/his');
    const submitted = await nextEvent(page, 'huashu-contribution-submitted');
    await page.getByRole('button', { name: '提交审核' }).click();
    const { entry } = await submitted();
    expect(entry).toMatchObject({ status: 'pending_review', authorRepId: 'rep-test-01', evidence: [{ kind: 'case', url: 'https://docs.yunce.example/cases/his' }] });
    await expect(page.getByRole('status').textContent()).resolves.toContain('已提交，等待审核');

    const stored = await env.api.call('GET', `/v1/knowledge/${entry.id}`, { key: env.tenant.secretKey });
    expect(stored.body).toMatchObject({ status: 'pending_review', question: '你们有没有三甲医院的 HIS 对接案例？' });
  });

  it('can be prefilled with a question and focuses the answer', async () => {
    await env.open(contribute(env));
    const page = env.page;
    await page.evaluate(() => document.querySelector('huashu-contribute')!.prefill('办公室WiFi密码是多少'));
    await expect(page.getByRole('textbox', { name: '客户原话' }).inputValue()).resolves.toBe('办公室WiFi密码是多少');
    await expect(page.evaluate(() => document.querySelector('huashu-contribute')!.shadowRoot!.activeElement?.id)).resolves.toBe('answer');
    // The `question` property is the same value.
    await expect(page.evaluate(() => document.querySelector('huashu-contribute')!.question)).resolves.toBe('办公室WiFi密码是多少');
  });

  it('shows the points an approved entry earns and the rep’s balance, from the tenant’s rules and the ledger', async () => {
    await env.api.call('PUT', '/v1/points/rules', { key: env.tenant.secretKey, body: { entryApproved: 25, successReported: 6 } });
    // Two earlier approvals of this rep's entries, as the points ledger records them.
    for (const amount of [25, 10]) {
      await env.db.query(
        `INSERT INTO points_ledger (id, tenant_id, rep_id, amount, reason, cause_type, cause_id, day) VALUES ($1, $2, 'rep-test-01', $3, 'entry_approved', 'knowledge_entry', $1, current_date)`,
        [`pl-widget-${amount}`, env.tenant.id, amount],
      );
    }
    await env.open(contribute(env));
    const page = env.page;
    const points = page.locator('huashu-contribute [part~="rule"] [part~="points"]');
    await points.waitFor();
    await expect(points.textContent()).resolves.toMatch(/审核通过可得 25 积分\s*我的积分 35/);
    await page.getByRole('textbox', { name: '客户原话' }).fill('你们的系统支持信创吗？');
    await page.getByRole('textbox', { name: '标准话术' }).fill('支持，已完成麒麟、统信与达梦的适配认证。');
    await page.getByRole('textbox', { name: '第 1 条佐证 · 佐证标题' }).fill('信创适配认证证书');
    const submitted = await nextEvent(page, 'huashu-contribution-submitted');
    await page.getByRole('button', { name: '提交审核' }).click();
    await submitted();
    await expect(page.locator('huashu-contribute [part~="success"] [part~="points"]').textContent()).resolves.toBe('审核通过后你将获得 25 积分；同事用它成功后还会再得 6 积分。');
    await page.locator('huashu-contribute').screenshot({ path: join(ARTIFACTS, 'contribute-points.png') });
  });

  it('shows no points line when its client cannot tell them', async () => {
    await env.open('<huashu-contribute></huashu-contribute>');
    await env.page.evaluate(async () => {
      const element = document.querySelector('huashu-contribute')!;
      element.client = { contribute: async () => ({}) as never };
      await element.updateComplete;
    });
    await expect(env.page.locator('huashu-contribute [part~="points"]').count()).resolves.toBe(0);
    await expect(env.page.locator('huashu-contribute [part~="rule"]').textContent()).resolves.toContain('缺一不可');
  });

  it('speaks English on an English page', async () => {
    await env.open(contribute(env), { lang: 'en' });
    const page = env.page;
    await expect(text('[part~="rule"]')).resolves.toContain('all three are required');
    await page.getByRole('textbox', { name: 'Customer’s words' }).fill('Why are you 30% more expensive?');
    await page.getByRole('textbox', { name: 'Answer script' }).fill('Compare three-year cost instead.');
    const failed = await nextEvent(page, 'huashu-contribution-error');
    await page.getByRole('button', { name: 'Submit for review' }).click();
    await failed();
    await expect(text('#error-evidence')).resolves.toBe('At least one piece of evidence is required: a case, test report or certification');
  });
});
