import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allModules } from '../../modules.js';
import { startServer, type RunningServer } from '../../server.js';
import { loadConfig } from '../config.js';
import type { Database } from '../db/types.js';
import { createLogger } from '../logger.js';
import { normaliseOriginPattern, originAllowed } from '../auth/origins.js';
import { testEngines } from '../../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../../testing/test-server.js';
import { inlineScriptHashes } from './security.js';

const CRM = 'https://crm.example.com';
const ELSEWHERE = 'https://phish.example.net';
const now = () => new Date().toISOString();
const emptyBatch = () => ({ sentAt: now(), batch: [] });

describe('security units', () => {
  it('hashes inline scripts that run, not JSON data blocks or external scripts', () => {
    const html = '<script type="application/json" id="c">{"a":1}</script><script>run()</script><script type="module" src="/w.js"></script>';
    expect(inlineScriptHashes(html)).toEqual([`'sha256-${createHash('sha256').update('run()').digest('base64')}'`]);
  });

  it('normalises origin patterns and refuses anything an Origin header cannot equal', () => {
    expect(normaliseOriginPattern('HTTPS://CRM.Example.com/')).toEqual({ pattern: CRM });
    expect(normaliseOriginPattern('https://*.example.com:8443')).toEqual({ pattern: 'https://*.example.com:8443' });
    expect(normaliseOriginPattern('http://localhost:3000')).toEqual({ pattern: 'http://localhost:3000' });
    for (const bad of ['https://crm.example.com/leads', 'ftp://crm.example.com', 'crm.example.com', 'https://u:p@crm.example.com', 'https://crm.example.com?x=1']) {
      expect(normaliseOriginPattern(bad)).toHaveProperty('reason');
    }
  });

  it('matches exact origins and subdomain wildcards, never the bare parent or a look-alike', () => {
    const list = [CRM, 'https://*.partner.cn'];
    expect(originAllowed(CRM, list)).toBe(true);
    expect(originAllowed('https://a.partner.cn', list)).toBe(true);
    expect(originAllowed('https://a.b.partner.cn', list)).toBe(true);
    expect(originAllowed('https://partner.cn', list)).toBe(false);
    expect(originAllowed('https://evilpartner.cn', list)).toBe(false);
    expect(originAllowed('http://a.partner.cn', list)).toBe(false);
    expect(originAllowed('https://crm.example.com.evil.io', list)).toBe(false);
    expect(originAllowed('null', list)).toBe(false);
    expect(originAllowed(ELSEWHERE, null)).toBe(true);
    expect(originAllowed(CRM, [])).toBe(false);
  });
});

describe.each(testEngines())('HTTP security on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;
  let token: string;
  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db);
    tenant = await server.tenant();
    token = await repTokenFor(tenant.secretKey, { repId: 'r1', name: '李娜' });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  describe('headers', () => {
    it('sends nosniff, a no-referrer policy and an unframable, load-nothing CSP on API responses and errors alike', async () => {
      for (const res of [await server.call('GET', '/healthz'), await server.call('GET', '/v1/keys'), await server.call('GET', '/no/such/route')]) {
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('referrer-policy')).toBe('no-referrer');
        expect(res.headers.get('x-frame-options')).toBe('DENY');
        const csp = res.headers.get('content-security-policy')!;
        expect(csp).toContain("default-src 'none'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(res.headers.get('x-powered-by')).toBeNull();
      }
    });
  });

  describe('credentials in the URL', () => {
    it('refuses a secret key in the query string on every path, naming the header to use', async () => {
      const cases = [
        server.call('POST', `/v1/events/batch?key=${tenant.secretKey}`, { body: emptyBatch() }),
        server.call('GET', `/v1/keys?key=${tenant.secretKey}`, { key: tenant.secretKey }),
        server.call('GET', `/healthz?key=${tenant.secretKey}`),
        server.call('GET', `/no/such/route?key=${tenant.secretKey}`),
        server.call('GET', `/v1/keys?key=x&key=${tenant.secretKey}`, { key: tenant.secretKey }),
      ];
      for (const res of await Promise.all(cases)) {
        expect(res.status).toBe(401);
        expect(res.body.error.code).toBe('unauthenticated');
        expect(res.body.error.message).toContain('Authorization: Bearer');
        expect(JSON.stringify(res.body)).not.toContain(tenant.secretKey);
      }
    });

    it('accepts only a publishable key as ?key=, and only where the route allows it', async () => {
      const beacon = await server.call('POST', `/v1/events/batch?key=${tenant.publishableKey}`, { rawBody: JSON.stringify(emptyBatch()), headers: { 'content-type': 'text/plain' } });
      expect(beacon.status).toBe(200);
      const asQuery = await server.call('POST', `/v1/events/batch?key=${token}`, { body: emptyBatch() });
      expect(asQuery.status).toBe(401);
      expect(asQuery.body.error.message).toMatch(/only a publishable key/);
      const notAllowedHere = await server.call('POST', `/v1/leads?key=${tenant.publishableKey}`, { body: { source: 'web', phone: '13800138000' } });
      expect(notAllowedHere.status).toBe(401);
    });
  });

  describe('CORS', () => {
    const preflight = (path: string, method: string, origin = CRM) =>
      server.call('OPTIONS', path, { headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' } });

    it('answers preflights permissively for publishable-key and rep-token routes, and not at all for secret-key routes', async () => {
      for (const [path, method] of [
        ['/v1/leads', 'POST'],
        ['/v1/events/batch', 'POST'],
        ['/v1/assistant/ask', 'POST'],
      ] as const) {
        const res = await preflight(path, method);
        expect(res.status).toBe(204);
        expect(res.headers.get('access-control-allow-origin')).toBe('*');
        expect(res.headers.get('access-control-allow-methods')).toContain(method);
        expect(res.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
      }
      for (const [path, method] of [
        ['/v1/keys', 'GET'],
        ['/v1/keys', 'POST'],
        ['/v1/settings/cors', 'PUT'],
        ['/v1/knowledge/import', 'POST'],
      ] as const) {
        const res = await preflight(path, method);
        expect(res.headers.get('access-control-allow-origin')).toBeNull();
        expect(res.headers.get('access-control-allow-methods')).toBeNull();
      }
    });

    it('sends no CORS headers on secret-key-only routes, nor to a secret key on a shared route', async () => {
      const admin = await server.call('GET', '/v1/keys', { key: tenant.secretKey, headers: { origin: CRM } });
      expect(admin.status).toBe(200);
      expect(admin.headers.get('access-control-allow-origin')).toBeNull();
      const shared = await server.call('POST', '/v1/events/batch', { key: tenant.secretKey, body: emptyBatch(), headers: { origin: CRM } });
      expect(shared.status).toBe(200);
      expect(shared.headers.get('access-control-allow-origin')).toBeNull();
    });

    it("enforces the tenant's allowed origins on publishable-key and rep-token requests", async () => {
      const own = await server.tenant();
      const rep = await repTokenFor(own.secretKey, { repId: 'r1', name: '李娜' });
      const beacon = (origin?: string) => server.call('POST', '/v1/events/batch', { key: own.publishableKey, body: emptyBatch(), headers: origin ? { origin } : {} });
      const ask = (origin: string) => server.call('POST', '/v1/assistant/ask', { key: rep, body: { question: '价格太贵' }, headers: { origin } });

      // Default: any origin.
      expect((await beacon(ELSEWHERE)).headers.get('access-control-allow-origin')).toBe('*');
      expect((await server.call('GET', '/v1/settings/cors', { key: own.secretKey })).body).toEqual({ allowedOrigins: null });

      const set = await server.call('PUT', '/v1/settings/cors', { key: own.secretKey, body: { allowedOrigins: [`${CRM}/`, 'https://*.partner.cn'] } });
      expect(set.status).toBe(200);
      expect(set.body).toEqual({ allowedOrigins: [CRM, 'https://*.partner.cn'] });

      for (const [origin, res] of [
        [CRM, await beacon(CRM)],
        ['https://sales.partner.cn', await ask('https://sales.partner.cn')],
      ] as const) {
        expect(res.status).toBe(200);
        expect(res.headers.get('access-control-allow-origin')).toBe(origin);
        expect(res.headers.get('vary')).toMatch(/Origin/i);
      }

      for (const res of [await beacon(ELSEWHERE), await ask(ELSEWHERE)]) {
        expect(res.status).toBe(403);
        expect(res.headers.get('access-control-allow-origin')).toBeNull();
        expect(res.body.error.message).toContain(ELSEWHERE);
      }
      // Server-side callers send no Origin: the list is a browser control, not authentication.
      expect((await beacon()).status).toBe(200);

      // Another tenant's list is its own.
      expect((await server.call('POST', '/v1/events/batch', { key: tenant.publishableKey, body: emptyBatch(), headers: { origin: ELSEWHERE } })).status).toBe(200);

      expect((await server.call('PUT', '/v1/settings/cors', { key: own.secretKey, body: { allowedOrigins: null } })).body).toEqual({ allowedOrigins: null });
      expect((await beacon(ELSEWHERE)).status).toBe(200);
    });

    it('names a bad allowed origin and keeps the settings for secret keys', async () => {
      const bad = await server.call('PUT', '/v1/settings/cors', { key: tenant.secretKey, body: { allowedOrigins: [CRM, 'https://crm.example.com/leads'] } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.issues[0]).toMatchObject({ path: 'allowedOrigins.1', message: expect.stringMatching(/no path/) });
      expect((await server.call('PUT', '/v1/settings/cors', { key: tenant.publishableKey, body: { allowedOrigins: [CRM] } })).status).toBe(403);
      expect((await server.call('GET', '/v1/settings/cors', { key: tenant.secretKey })).body).toEqual({ allowedOrigins: null });
    });
  });
});

describe('rate limits', () => {
  let db: Database;
  let server: TestServer;
  beforeAll(async () => {
    db = await testEngines()[0]!.open();
    // One request a second sustained, with a 10-request burst a minute: easy to exhaust on purpose.
    server = await startTestServer(db, { HUASHU_RATE_LIMIT_PER_KEY: '60', HUASHU_RATE_LIMIT_PER_IP: '100000' });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  it('answers 429 with Retry-After per key once its burst is spent, readable cross-origin, other keys unaffected', async () => {
    const busy = await server.tenant();
    const quiet = await server.tenant();
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<TestServer['call']>> | undefined;
    for (let attempt = 0; attempt < 40 && !limited; attempt++) {
      const res = await server.call('POST', '/v1/events/batch', { key: busy.publishableKey, body: emptyBatch(), headers: { origin: CRM } });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, 11).every((status) => status === 200)).toBe(true);
    expect(limited).toBeDefined();
    expect(limited!.body.error).toMatchObject({ code: 'rate_limited', details: { retryAfterSeconds: expect.any(Number) } });
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited!.headers.get('access-control-allow-origin')).toBe('*');
    expect(limited!.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
    expect((await server.call('POST', '/v1/events/batch', { key: quiet.publishableKey, body: emptyBatch() })).status).toBe(200);
  });

  it('limits per IP too, but never the health check', async () => {
    const ipDb = await testEngines()[0]!.open();
    const strict = await startTestServer(ipDb, { HUASHU_RATE_LIMIT_PER_IP: '60', HUASHU_RATE_LIMIT_PER_KEY: '100000' });
    try {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 40 && !statuses.includes(429); attempt++) statuses.push((await strict.call('GET', '/openapi.json')).status);
      expect(statuses).toContain(429);
      expect((await strict.call('GET', '/healthz')).status).toBe(200);
    } finally {
      await strict.close();
      await ipDb.close();
    }
  });
});

describe('demo page headers', () => {
  let db: Database;
  let running: RunningServer;
  beforeAll(async () => {
    db = await testEngines()[0]!.open();
    const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', HUASHU_FRAME_ANCESTORS: `'self' ${CRM}` });
    running = await startServer({ config, db, logger: createLogger('silent'), demo: true, modules: allModules });
  });
  afterAll(async () => {
    await running?.close();
    await db?.close();
  });

  it('allows scripts only from this origin or by hash of the inline script, and framing as configured', async () => {
    const res = await fetch(`${running.url}/`);
    const html = await res.text();
    const csp = res.headers.get('content-security-policy')!;
    const scriptSrc = csp.split(';').map((part) => part.trim()).find((part) => part.startsWith('script-src'))!;
    expect(scriptSrc).not.toContain('unsafe-inline');
    expect(scriptSrc).toContain("'self'");
    const inline = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(scriptSrc).toContain(`'sha256-${createHash('sha256').update(inline).digest('base64')}'`);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain(`frame-ancestors 'self' ${CRM}`);
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves the widget bundle to other origins (module scripts are CORS fetches)', async () => {
    const res = await fetch(`${running.url}/widget/huashu-widget.js`, { headers: { origin: CRM } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  });
});
