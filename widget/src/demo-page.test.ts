import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { allModules, loadConfig, startServer, type Database, type RunningServer } from '@huashu/server';
import { testEngines } from '@huashu/server/testing';
import { ARTIFACTS, launchChromium, requireBundle } from './test-support/browser.js';

/** The demo lead's next step is an HIS integration demo; the demo knowledge base has three scripts for this worry. */
const QUESTION = '你们的系统能和我们的HIS对接吗？';

let db: Database;
let server: RunningServer;
let browser: Browser;
let page: Page;
let dataDir: string;

beforeAll(async () => {
  requireBundle();
  mkdirSync(ARTIFACTS, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'huashu-demo-'));
  db = await testEngines()[0]!.open();
  server = await startServer({ config: loadConfig({ PORT: '0', LOG_LEVEL: 'silent', HUASHU_DATA_DIR: dataDir }), db, demo: true, modules: allModules });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await db?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function openDemo(lang: 'zh-CN' | 'en'): Promise<void> {
  await page.goto(`${server.url}/?lang=${lang}`);
  await page.evaluate(() => Promise.all(['huashu-lead-form', 'huashu-assistant', 'huashu-contribute'].map((tag) => customElements.whenDefined(tag))));
  await page.evaluate(() => document.fonts.ready);
}

async function askDemo(question: string): Promise<void> {
  const input = page.locator('huashu-assistant textarea');
  await input.fill(question);
  const asked = page.waitForResponse((response) => response.url().endsWith('/v1/assistant/ask'));
  await input.press('Enter');
  await asked;
  await page.locator('huashu-assistant [part~="card"], huashu-assistant [part~="abstain"]').first().waitFor();
}

describe('demo page', () => {
  it('shows the three widgets in Chinese, answers from the demo knowledge base (1280×900 screenshot)', async () => {
    await openDemo('zh-CN');
    await expect(page.locator('huashu-lead-form [part~="label"]').first().textContent()).resolves.toContain('姓名');
    await expect(page.locator('huashu-contribute [part~="rule"]').textContent()).resolves.toContain('缺一不可');
    await askDemo(QUESTION);
    await expect(page.locator('huashu-assistant [part~="card"]').count()).resolves.toBe(3);
    await expect(page.locator('huashu-assistant [part~="card"]').first().textContent()).resolves.toContain('HIS');
    // One vote, so the screenshot shows a reported outcome.
    await page.locator('huashu-assistant [part~="card"]').first().getByRole('button', { name: '有用' }).click();
    await page.locator('huashu-assistant .feedback-note').first().filter({ hasText: '已记录' }).waitFor();
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(ARTIFACTS, 'demo-zh-1280x900.png') });
    await page.screenshot({ path: join(ARTIFACTS, 'demo-zh-1280-full.png'), fullPage: true });
  });

  it('shows the hospital-IT learning pack to the demo rep, a new hire, in place of a placeholder', async () => {
    await openDemo('zh-CN');
    const pack = page.locator('huashu-learning-pack');
    await pack.locator('[part~="title"]').waitFor();
    await expect(pack.locator('[part~="title"]').textContent()).resolves.toBe('医院信息化新人学习包');
    await expect(pack.locator('[part~="item-title"]').allTextContents()).resolves.toEqual(expect.arrayContaining(['HIS 对接常见问题', '成功案例实施清单']));
    await pack.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'demo-zh-learning-pack.png'), fullPage: true });
  });

  it('prefills the contribute form when the assistant abstains', async () => {
    await openDemo('zh-CN');
    await askDemo('办公室WiFi密码是多少');
    await page.locator('huashu-assistant').getByRole('button', { name: '提交一条话术' }).click();
    await expect(page.locator('huashu-contribute #question').inputValue()).resolves.toBe('办公室WiFi密码是多少');
    await expect(page.evaluate(() => document.querySelector('huashu-contribute')!.shadowRoot!.activeElement?.id)).resolves.toBe('answer');
    await page.locator('huashu-contribute').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'demo-zh-abstain-contribute.png'), fullPage: true });
  });

  it('records a lead from the form in the timeline', async () => {
    await openDemo('zh-CN');
    const form = page.locator('huashu-lead-form');
    await form.getByLabel('姓名').fill('赵科长');
    await form.getByLabel('手机号').fill('139 0013 9000');
    await form.getByLabel('公司').fill('华东某三甲医院');
    await form.getByRole('checkbox').check();
    await form.getByRole('button', { name: '提交' }).click();
    await page.locator('ol.timeline li').first().filter({ hasText: '补录线索：赵科长' }).waitFor();
  });

  it('switches every widget to English (1280×900 screenshot)', async () => {
    await openDemo('en');
    await expect(page.locator('huashu-lead-form [part~="label"]').first().textContent()).resolves.toContain('Name');
    await expect(page.locator('huashu-contribute [part~="rule"]').textContent()).resolves.toContain('all three are required');
    await askDemo(QUESTION);
    await expect(page.locator('huashu-assistant [part~="success-rate"]').first().textContent()).resolves.toMatch(/Worked|No feedback yet/);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(ARTIFACTS, 'demo-en-1280x900.png') });
  });

  it('fits a 360 px wide screen (screenshots)', async () => {
    await page.setViewportSize({ width: 360, height: 800 });
    try {
      await openDemo('zh-CN');
      await askDemo(QUESTION);
      // Nothing may overflow sideways at this width.
      await expect(page.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(360);
      await page.screenshot({ path: join(ARTIFACTS, 'demo-zh-360-full.png'), fullPage: true });
      await page.locator('aside .card').first().screenshot({ path: join(ARTIFACTS, 'demo-zh-360-assistant.png') });
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });
});
