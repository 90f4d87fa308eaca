import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startTestServer, testEngines, type TestServer, type TestTenant } from '@huashu/server/testing';
import type { Database } from '@huashu/server';
import { requireBundle, WIDGET_DIST } from './paths.js';

export { ARTIFACTS, BUNDLE, requireBundle, WIDGET_DIST } from './paths.js';

/** Debian's Chromium; tests never download a browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * The "host page" origin: serves the widget bundle and pages made by the test.
 * It is a different origin from the API, as on a real CRM, so every call the
 * widgets make is a CORS request.
 */
export interface PageServer {
  url: string;
  /** Serves `html` at `path` and returns its absolute URL. */
  add(path: string, html: string): string;
  close(): Promise<void>;
}

export async function startPageServer(): Promise<PageServer> {
  const pages = new Map<string, string>();
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const asset = /^\/widget\/(huashu-widget\.js(?:\.map)?)$/.exec(path);
    if (asset) {
      const body = await readFile(`${WIDGET_DIST}${asset[1]}`);
      res.writeHead(200, { 'content-type': asset[1]!.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'application/json' }).end(body);
      return;
    }
    const page = pages.get(path);
    if (page === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
  });
  const url = await listen(server);
  return {
    url,
    add(path, html) {
      pages.set(path, html);
      return `${url}${path}`;
    },
    close: () => close(server),
  };
}

/** A minimal host page: the bundle as a module script and `body` as given. */
export function hostPage(body: string, { lang = 'zh-CN', head = '' } = {}): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body { margin: 24px; font-family: "WenQuanYi Micro Hei", sans-serif; }</style>
${head}
<script type="module" src="/widget/huashu-widget.js"></script>
</head>
<body>
${body}
</body>
</html>`;
}

/**
 * A stand-in for an OpenAI-compatible chat endpoint (`POST /chat/completions`,
 * streamed): the server's ChatOpenAI talks to it instead of the network, and it
 * answers every prompt with `chunks`, one SSE message each.
 */
export async function startFakeChatModel(chunks: readonly string[]): Promise<{ url: string; requests: number; close(): Promise<void> }> {
  const state = { requests: 0 };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.requests++;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const frame = (delta: Record<string, unknown>, finish: string | null) =>
        `data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 0, model: 'fake-chat', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      res.write(frame({ role: 'assistant', content: '' }, null));
      for (const chunk of chunks) res.write(frame({ content: chunk }, null));
      res.write(frame({}, 'stop'));
      res.end('data: [DONE]\n\n');
    });
  });
  const url = await listen(server);
  return {
    url,
    get requests() {
      return state.requests;
    },
    close: () => close(server),
  };
}

export interface WidgetTestEnv {
  db: Database;
  /** The real API, without a chat model. */
  api: TestServer;
  tenant: TestTenant;
  /** A rep token of this tenant (role `rep`). */
  repToken: string;
  pages: PageServer;
  browser: Browser;
  context: BrowserContext;
  /** One page per test file, navigated from test to test. */
  page: Page;
  /** Uncaught exceptions in the page since the last `open()`. */
  pageErrors: Error[];
  /** Serves `body` in a host page, navigates to it and waits for the widgets to be defined. */
  open(body: string, options?: { lang?: string; head?: string }): Promise<void>;
  close(): Promise<void>;
}

/** The real server over a fresh PGlite, a tenant with a rep token, a page server and one Chromium page. */
export async function startWidgetTestEnv(): Promise<WidgetTestEnv> {
  requireBundle();
  const engine = testEngines().find((candidate) => candidate.name === 'pglite')!;
  const db = await engine.open();
  const api = await startTestServer(db);
  const tenant = await api.tenant();
  const minted = await api.call('POST', '/v1/rep-tokens', { key: tenant.secretKey, body: { repId: 'rep-test-01', name: '测试销售', role: 'rep' } });
  if (minted.status !== 201) throw new Error(`could not mint a rep token: ${JSON.stringify(minted.body)}`);
  const pages = await startPageServer();
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 }, locale: 'zh-CN' });
  const page = await context.newPage();
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  let counter = 0;
  return {
    db,
    api,
    tenant,
    repToken: minted.body.token,
    pages,
    browser,
    context,
    page,
    pageErrors,
    async open(body, options = {}) {
      pageErrors.length = 0;
      const url = pages.add(`/page-${++counter}.html`, hostPage(body, options));
      await page.goto(url);
      await page.evaluate(() => Promise.all(['huashu-lead-form', 'huashu-assistant', 'huashu-contribute'].map((tag) => customElements.whenDefined(tag))));
    },
    async close() {
      await browser.close();
      await pages.close();
      await api.close();
      await db.close();
    },
  };
}

/** Resolves with the `detail` of the next `name` event on the document, e.g. `const submitted = nextEvent(page, 'huashu-lead-submitted')` before clicking. */
export async function nextEvent<T = any>(page: Page, name: string): Promise<() => Promise<T>> {
  const key = `__event_${name}_${Math.random().toString(36).slice(2)}`;
  await page.evaluate(
    ({ name, key }) => {
      (window as unknown as Record<string, unknown>)[key] = new Promise((resolve) =>
        document.addEventListener(name, (event) => resolve(JSON.parse(JSON.stringify((event as CustomEvent).detail, (_k, v) => (v instanceof Error ? { name: v.name, message: v.message, code: (v as { code?: string }).code, issues: (v as { issues?: unknown }).issues } : v)))), { once: true }),
      );
    },
    { name, key },
  );
  return () => page.evaluate((key) => (window as unknown as Record<string, Promise<unknown>>)[key]!, key) as Promise<T>;
}
