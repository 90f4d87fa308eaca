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

const form = (env: WidgetTestEnv, attributes = '') =>
  `<huashu-lead-form endpoint="${env.api.url}" publishable-key="${env.tenant.publishableKey}" source="crm-manual" ${attributes}></huashu-lead-form>`;

const ALL_FIELDS = 'fields="name,phone,email,wechat,company,notes" consent-text="我同意云策科技就本次咨询与我联系"';

describe('<huashu-lead-form>', () => {
  it('renders the configured fields with labels, a consent checkbox and a submit button', async () => {
    await env.open(form(env, ALL_FIELDS));
    const page = env.page;
    const labels = await page.locator('huashu-lead-form [part~="label"]').allTextContents();
    expect(labels.map((text) => text.replace('*', '').trim())).toEqual(['姓名', '手机号', '邮箱', '微信号', '公司', '需求说明']);
    await expect(page.getByLabel('手机号').getAttribute('type')).resolves.toBe('tel');
    await expect(page.getByLabel('姓名').getAttribute('aria-required')).resolves.toBe('true');
    await expect(page.getByRole('checkbox', { name: '我同意云策科技就本次咨询与我联系' }).count()).resolves.toBe(1);
    await expect(page.getByRole('button', { name: '提交' }).count()).resolves.toBe(1);
    expect(env.pageErrors).toEqual([]);
  });

  it('shows only the fields asked for, in the given order', async () => {
    await env.open(form(env, 'fields="company, email"'));
    const labels = await env.page.locator('huashu-lead-form [part~="label"]').allTextContents();
    expect(labels.map((text) => text.replace('*', '').trim())).toEqual(['公司', '邮箱']);
  });

  it('checks contact details as the visitor types, in the page language', async () => {
    await env.open(form(env, ALL_FIELDS));
    const page = env.page;
    const phone = page.getByLabel('手机号');
    const phoneError = page.locator('huashu-lead-form #error-phone');
    await phone.fill('138001');
    // Nothing is flagged before the visitor leaves the field…
    await expect(phoneError.textContent()).resolves.toBe('');
    await phone.blur();
    await expect(phoneError.textContent()).resolves.toBe('请输入 11 位中国大陆手机号');
    await expect(phone.getAttribute('aria-invalid')).resolves.toBe('true');
    // …and once flagged, the message goes the moment the number is right, spaces, dashes and +86 included.
    await phone.fill('+86 138-0013-8000');
    await expect(phoneError.textContent()).resolves.toBe('');
    await expect(phone.getAttribute('aria-invalid')).resolves.toBe('false');

    await page.getByLabel('邮箱').fill('zhang@');
    await page.getByLabel('邮箱').blur();
    await expect(page.locator('huashu-lead-form #error-email').textContent()).resolves.toBe('邮箱格式不正确');
    await page.getByLabel('微信号').fill('8zhang');
    await page.getByLabel('微信号').blur();
    await expect(page.locator('huashu-lead-form #error-wechat').textContent()).resolves.toContain('以字母开头');
    await page.locator('huashu-lead-form').screenshot({ path: join(ARTIFACTS, 'lead-form-errors.png') });
    await page.getByLabel('微信号').fill('zhang_hospital');
    await expect(page.locator('huashu-lead-form #error-wechat').textContent()).resolves.toBe('');
  });

  it('speaks English when the page is in English', async () => {
    await env.open(form(env, 'fields="name,phone"'), { lang: 'en' });
    const page = env.page;
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page.locator('huashu-lead-form #error-name').textContent()).resolves.toBe('Please enter your Name');
    await expect(page.locator('huashu-lead-form #error-phone').textContent()).resolves.toBe('Give at least a mobile number, an email or a WeChat ID');
    await expect(page.locator('huashu-lead-form [part~="alert"]').textContent()).resolves.toContain('Please fix the highlighted fields');
    // Focus goes to the first field to fix.
    await expect(page.evaluate(() => document.querySelector('huashu-lead-form')!.shadowRoot!.activeElement?.id)).resolves.toBe('field-name');
  });

  it('follows the page when it switches language at runtime', async () => {
    await env.open(form(env, 'fields="name,phone"'));
    const labels = () => env.page.locator('huashu-lead-form [part~="label"]').allTextContents();
    expect((await labels()).map((text) => text.replace('*', '').trim())).toEqual(['姓名', '手机号']);
    await env.page.evaluate(() => (document.documentElement.lang = 'en'));
    await env.page.locator('huashu-lead-form [part~="label"]', { hasText: 'Mobile' }).waitFor();
    expect((await labels()).map((text) => text.replace('*', '').trim())).toEqual(['Name', 'Mobile']);
    // The element's own attribute wins over the page.
    await env.page.evaluate(() => document.querySelector('huashu-lead-form')!.setAttribute('lang', 'zh-CN'));
    await env.page.locator('huashu-lead-form [part~="label"]', { hasText: '手机号' }).waitFor();
  });

  it('submits through a client given as a property, with the cleaned-up values', async () => {
    await env.open('<huashu-lead-form fields="name,phone,notes" source="expo-2026" campaign="smart-health"></huashu-lead-form>');
    const page = env.page;
    await page.evaluate(() => {
      const element = document.querySelector('huashu-lead-form')!;
      const calls: unknown[] = [];
      (window as unknown as { __calls: unknown[] }).__calls = calls;
      element.client = {
        leads: {
          capture: async (input) => {
            calls.push(input);
            return { created: true, merged: false, lead: { id: 'lead-1', name: input.name ?? null, phone: input.phone ?? null, email: null, wechat: null, company: null, source: input.source, campaign: input.campaign ?? null, consent: null, fields: {}, createdAt: new Date(0).toISOString() } };
          },
        },
      };
    });
    await page.getByLabel('姓名').fill('  赵科长 ');
    await page.getByLabel('手机号').fill('+86 139-0013-9000');
    await page.getByLabel('需求说明').fill('要一份报价');
    const submitted = await nextEvent(page, 'huashu-lead-submitted');
    await page.getByRole('button', { name: '提交' }).click();
    expect(await submitted()).toMatchObject({ created: true, lead: { id: 'lead-1' } });
    const [input] = await page.evaluate(() => (window as unknown as { __calls: unknown[] }).__calls);
    expect(input).toEqual({
      idempotencyKey: expect.stringMatching(/^[0-9a-f]{32}$/),
      source: 'expo-2026',
      campaign: 'smart-health',
      name: '赵科长',
      phone: '13900139000',
      fields: { notes: '要一份报价' },
      page: expect.stringContaining('/page-'),
    });
  });

  it('refuses to submit without consent when consent is asked for', async () => {
    await env.open(form(env, ALL_FIELDS));
    const page = env.page;
    await page.getByLabel('姓名').fill('张主任');
    await page.getByLabel('手机号').fill('13800138000');
    await page.getByRole('button', { name: '提交' }).click();
    await expect(page.locator('huashu-lead-form #error-consent').textContent()).resolves.toBe('请先阅读并勾选同意');
    await page.getByRole('checkbox').check();
    await expect(page.locator('huashu-lead-form #error-consent').textContent()).resolves.toBe('');
  });

  it('submits through the SDK and the lead is stored', async () => {
    await env.open(form(env, ALL_FIELDS));
    const page = env.page;
    await page.getByLabel('姓名').fill('张主任');
    await page.getByLabel('手机号').fill('+86 138 0013 8000');
    await page.getByLabel('邮箱').fill('Zhang@Hospital.example.cn');
    await page.getByLabel('微信号').fill('zhang_hospital');
    await page.getByLabel('公司').fill('华东某三甲医院');
    await page.getByLabel('需求说明').fill('想了解 HIS 对接方案');
    await page.getByRole('checkbox').check();
    const submitted = await nextEvent(page, 'huashu-lead-submitted');
    await page.getByRole('button', { name: '提交' }).click();
    const detail = await submitted();
    expect(detail.created).toBe(true);
    await expect(page.getByRole('status').textContent()).resolves.toContain('提交成功');

    const stored = await env.api.call('GET', `/v1/leads/${detail.lead.id}`, { key: env.tenant.secretKey });
    expect(stored.status).toBe(200);
    expect(stored.body.lead).toMatchObject({
      name: '张主任',
      phone: '+8613800138000',
      email: 'zhang@hospital.example.cn',
      wechat: 'zhang_hospital',
      company: '华东某三甲医院',
      source: 'crm-manual',
      consent: true,
      fields: { notes: '想了解 HIS 对接方案' },
    });
    // The page the form sat on is the lead's first touchpoint.
    expect(stored.body.lead.touchpoints[0]).toMatchObject({ source: 'crm-manual', page: expect.stringContaining('/page-') });

    // "Submit another" gives an empty form.
    await page.getByRole('button', { name: '再提交一条' }).click();
    await expect(page.getByLabel('姓名').inputValue()).resolves.toBe('');
  });

  it('says 提交成功 when the contact joins someone’s existing lead, and shows nothing of that lead', async () => {
    const existing = await env.api.call('POST', '/v1/leads', { key: env.tenant.secretKey, body: { name: '已有客户', phone: '13700007777', email: 'old@client.example.cn', source: 'crm' } });
    expect(existing.status).toBe(201);
    await env.open(form(env, 'fields="name,phone"'));
    const page = env.page;
    await page.getByLabel('姓名').fill('另一位访客');
    await page.getByLabel('手机号').fill('137 0000 7777');
    const submitted = await nextEvent(page, 'huashu-lead-submitted');
    await page.getByRole('button', { name: '提交' }).click();
    const detail = await submitted();
    expect(detail).toMatchObject({ created: false, lead: { id: existing.body.lead.id } });
    expect(JSON.stringify(detail)).not.toContain('old@client');
    await expect(page.getByRole('status').textContent()).resolves.toContain('提交成功');
  });

  it('keeps one idempotency key across retries, so a lost response does not create a second lead', async () => {
    await env.open(form(env, 'fields="name,phone"'));
    const page = env.page;
    const stored: string[] = [];
    // The first response is lost after the server stored the lead; the SDK retries with the same key.
    await page.route('**/v1/leads', async (route) => {
      if (route.request().method() !== 'POST') return route.continue();
      const response = await route.fetch();
      stored.push((await response.json()).lead.id);
      if (stored.length === 1) return route.abort('connectionreset');
      return route.fulfill({ response });
    });
    await page.getByLabel('姓名').fill('李工');
    await page.getByLabel('手机号').fill('13900139000');
    const submitted = await nextEvent(page, 'huashu-lead-submitted');
    await page.getByRole('button', { name: '提交' }).click();
    const detail = await submitted();
    await page.unroute('**/v1/leads');
    expect(stored).toHaveLength(2);
    expect(stored[1]).toBe(stored[0]);
    expect(detail).toMatchObject({ created: false, lead: { id: stored[0] } });
    await expect(page.getByRole('status').textContent()).resolves.toContain('此前已提交过');
  });

  it('shows the server’s field errors on the fields', async () => {
    await env.open(form(env, 'fields="name,phone"'));
    const page = env.page;
    await page.getByLabel('姓名').fill('王五');
    // Passes the browser's pattern (1[3-9] + 9 digits) but 140 is no mobile range: only the server knows.
    await page.getByLabel('手机号').fill('14000000000');
    const failed = await nextEvent(page, 'huashu-lead-error');
    await page.getByRole('button', { name: '提交' }).click();
    const detail = await failed();
    expect(detail.error.code).toBe('validation_failed');
    expect(detail.error.issues).toContainEqual(expect.objectContaining({ path: 'phone' }));
    await expect(page.locator('huashu-lead-form #error-phone').textContent()).resolves.toBe('请输入 11 位中国大陆手机号');
    await expect(page.getByLabel('手机号').getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('请修正标红的字段');
    // Editing the field clears the server's verdict.
    await page.getByLabel('手机号').fill('13700137000');
    await expect(page.locator('huashu-lead-form #error-phone').textContent()).resolves.toBe('');
  });

  it('says what is missing when it has neither attributes nor a client', async () => {
    await env.open('<huashu-lead-form fields="name,phone"></huashu-lead-form>');
    const page = env.page;
    await page.getByLabel('姓名').fill('王五');
    await page.getByLabel('手机号').fill('13700137000');
    const failed = await nextEvent(page, 'huashu-lead-error');
    await page.getByRole('button', { name: '提交' }).click();
    expect((await failed()).error.code).toBe('invalid_argument');
    await expect(page.getByRole('alert').textContent()).resolves.toContain('endpoint 与 publishable-key');
  });
});
