import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allModules } from '../../modules.js';
import { startServer, type RunningServer } from '../../server.js';
import { loadConfig } from '../config.js';
import type { Database } from '../db/types.js';
import { createLogger } from '../logger.js';
import { testEngines } from '../../testing/engines.js';
import { startTestServer, type TestServer } from '../../testing/test-server.js';
import { generateKey, hashKey, lookupId } from './keys.js';
import { PINNED_TENANT_SLUG, createTenant, issueKey } from './key-store.js';

const decode = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/** A logger whose lines land in a string the test reads. */
function capturedLogger(): { logger: ReturnType<typeof createLogger>; lines: () => string } {
  let text = '';
  return { logger: createLogger('info', { write: (line: string) => void (text += line) }), lines: () => text };
}

describe.each(testEngines())('access on $name', (engine) => {
  let db: Database;
  beforeAll(async () => {
    db = await engine.open();
  });
  afterAll(async () => {
    await db?.close();
  });

  describe('lead replays through a publishable key', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(db);
    });
    afterAll(async () => {
      await server?.close();
    });

    it('return only the lead id, never the stored contact details; a secret key still sees them', async () => {
      const tenant = await server.tenant();
      const first = { idempotencyKey: randomUUID(), name: '张伟', phone: '13800138000', email: 'zhang.wei@example.com', source: 'web' };
      const created = await server.call('POST', '/v1/leads', { key: tenant.secretKey, body: first });
      expect(created.status).toBe(201);
      // Someone holding the page's publishable key replays the idempotency key with other details.
      const replay = await server.call('POST', '/v1/leads', { key: tenant.publishableKey, body: { ...first, name: 'x', phone: '13900139000', email: undefined } });
      expect(replay.status).toBe(200);
      expect(replay.body.created).toBe(false);
      expect(replay.body.lead).toEqual({ id: created.body.lead.id });
      const text = JSON.stringify(replay.body);
      for (const value of ['张伟', '13800138000', 'zhang.wei@example.com']) expect(text).not.toContain(value);
      const bySecret = await server.call('POST', '/v1/leads', { key: tenant.secretKey, body: first });
      expect(bySecret.body.lead).toMatchObject({ id: created.body.lead.id, name: '张伟', email: 'zhang.wei@example.com' });
    });
  });

  describe('pinned keys without the demo', () => {
    it('open a tenant "default" holding them, reused on the next start', async () => {
      const env = { HUASHU_SECRET_KEY: generateKey('secret'), HUASHU_PUBLISHABLE_KEY: generateKey('publishable') };
      const first = await startTestServer(db, env);
      try {
        expect((await first.call('GET', '/v1/keys', { key: env.HUASHU_SECRET_KEY })).status).toBe(200);
        expect((await first.call('POST', '/v1/events/batch', { key: env.HUASHU_PUBLISHABLE_KEY, body: { sentAt: new Date().toISOString(), batch: [] } })).status).toBe(200);
      } finally {
        await first.close();
      }
      const second = await startTestServer(db, env);
      try {
        const listed = await second.call('GET', '/v1/keys', { key: env.HUASHU_SECRET_KEY });
        expect(listed.body.keys.map((key: { id: string }) => key.id).sort()).toEqual([lookupId(hashKey(env.HUASHU_SECRET_KEY)), lookupId(hashKey(env.HUASHU_PUBLISHABLE_KEY))].sort());
      } finally {
        await second.close();
      }
      const tenants = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM tenants WHERE slug = $1`, [PINNED_TENANT_SLUG]);
      expect(tenants.rows[0]!.n).toBe(1);
    });

    it('join the tenant that already holds one of them, and refuse to start on a revoked one', async () => {
      const owner = await createTenant(db, { name: 'Acme', slug: `acme-${randomUUID().slice(0, 8)}` });
      const secret = (await issueKey(db, owner.id, 'secret')).key;
      const publishable = generateKey('publishable');
      const server = await startTestServer(db, { HUASHU_SECRET_KEY: secret, HUASHU_PUBLISHABLE_KEY: publishable });
      try {
        const listed = await server.call('GET', '/v1/keys', { key: secret });
        expect(listed.body.keys.map((key: { id: string }) => key.id)).toContain(lookupId(hashKey(publishable)));
      } finally {
        await server.close();
      }
      await db.query(`UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND lookup_id = $2`, [owner.id, lookupId(hashKey(secret))]);
      await expect(startTestServer(db, { HUASHU_SECRET_KEY: secret })).rejects.toThrow(/HUASHU_SECRET_KEY was revoked/);
    });
  });

  describe('rep tokens whose header names no key', () => {
    it('answer 401 invalid_token for a kid holding NUL, a surrogate or any non-id, never 400 or 5xx', async () => {
      const server = await startTestServer(db);
      try {
        const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
        for (const kid of ['\u0000', 'ab\ud800', 'x'.repeat(5000), "'; DROP TABLE api_keys; --", 42]) {
          const token = `${b64({ alg: 'EdDSA', typ: 'JWT', kid })}.${b64({ sub: 'r1' })}.c2ln`;
          const res = await server.call('POST', '/v1/assistant/ask', { key: token, body: { question: '太贵了' } });
          expect(res.status, String(kid).slice(0, 20)).toBe(401);
          expect(res.body.error.code).toBe('invalid_token');
        }
      } finally {
        await server.close();
      }
    });
  });

  describe('logs', () => {
    it('never carry a query string, even one holding a secret key', async () => {
      const { logger, lines } = capturedLogger();
      const running = await startServer({ config: loadConfig({ PORT: '0' }), db, logger, modules: allModules });
      const secret = generateKey('secret');
      try {
        expect((await fetch(`${running.url}/v1/events/batch?key=${secret}&page=${encodeURIComponent('13800138000')}`, { method: 'POST' })).status).toBe(401);
      } finally {
        await running.close();
      }
      expect(lines()).toContain('"path":"/v1/events/batch"');
      expect(lines()).not.toContain(secret);
      expect(lines()).not.toContain('13800138000');
    });
  });
});

describe('demo access', () => {
  let db: Database;
  let exposed: RunningServer;
  let exposedLog: () => string;
  beforeAll(async () => {
    db = await testEngines()[0]!.open();
    const { logger, lines } = capturedLogger();
    exposedLog = lines;
    exposed = await startServer({ config: loadConfig({ PORT: '0', HOST: '0.0.0.0' }), db, logger, demo: true, modules: allModules });
  });
  afterAll(async () => {
    await exposed?.close();
    await db?.close();
  });

  it('warns at start when bound beyond loopback, and not on loopback', async () => {
    expect(exposed.demo!.warning).toMatch(/0\.0\.0\.0.*HUASHU_DEMO=0/);
    const warned = exposedLog()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(warned.some((line) => line.level === 40 && /beyond this machine/.test(line.msg))).toBe(true);
    const local = await startServer({ config: loadConfig({ PORT: '0', LOG_LEVEL: 'silent' }), db, logger: createLogger('silent'), demo: true, modules: allModules });
    try {
      expect(local.demo!.warning).toBeUndefined();
    } finally {
      await local.close();
    }
  });

  it('gives the page a rep token of role rep, minted for this load, living an hour, signed by an in-memory key', async () => {
    const local = await startServer({ config: loadConfig({ PORT: '0', LOG_LEVEL: 'silent' }), db, logger: createLogger('silent'), demo: true, modules: allModules });
    try {
      const html = await (await fetch(`${local.url}/`)).text();
      const config = JSON.parse(/<script type="application\/json" id="huashu-config">([^<]*)<\/script>/.exec(html)![1]!) as { repToken: string; publishableKey: string };
      const claims = decode(config.repToken);
      expect(claims['role']).toBe('rep');
      expect(Number(claims['exp']) - Number(claims['iat'])).toBe(3600);
      expect(Math.abs(Number(claims['iat']) - Date.now() / 1000)).toBeLessThan(60);
      expect(html).not.toMatch(/sk_[A-Za-z0-9_-]{16,}/);

      const ask = await fetch(`${local.url}/v1/assistant/ask`, {
        method: 'POST',
        headers: { authorization: `Bearer ${config.repToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ question: '你们的系统能和我们的HIS对接吗？' }),
      });
      expect(ask.status).toBe(200);
      // The signer is a secret key of its own, labelled so, kept only in this process.
      const signer = await db.query<{ label: string; revoked_at: Date | null }>(
        `SELECT label, revoked_at FROM api_keys WHERE tenant_id = $1 AND lookup_id = $2`,
        [local.demo!.tenant.id, (JSON.parse(Buffer.from(config.repToken.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid],
      );
      expect(signer.rows[0]).toMatchObject({ label: 'demo-signer', revoked_at: null });
    } finally {
      await local.close();
    }
  });
});

describe('huashu serve --demo beyond loopback', () => {
  const CLI = fileURLToPath(new URL('../../../dist/cli.js', import.meta.url));

  it('prints a warning line on stderr', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'huashu-exposed-'));
    const child = spawn(process.execPath, [CLI, 'serve', '--demo'], {
      env: { ...process.env, DATABASE_URL: '', HOST: '0.0.0.0', PORT: '0', HUASHU_DATA_DIR: dataDir, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', () => /— http:\/\//.test(stdout) && resolve());
        child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${stdout}${stderr}`)));
      });
      expect(stderr).toMatch(/WARNING: .*0\.0\.0\.0/);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
