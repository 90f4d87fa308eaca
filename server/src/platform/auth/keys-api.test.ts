import { Command } from 'commander';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerKeyCommands } from '../../cli/keys-commands.js';
import type { Config } from '../config.js';
import type { Database } from '../db/types.js';
import { testEngines } from '../../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../../testing/test-server.js';
import { KEY_CACHE_MS } from './authenticate.js';
import { deriveRepTokenKeyPair, hashKey, lookupId } from './keys.js';
import { REP_TOKEN_AUDIENCE } from './rep-token.js';

/** Room for a loaded CI machine on top of the promised bound. */
const REVOCATION_DEADLINE_MS = KEY_CACHE_MS + 5_000;
const POLL_MS = 200;

describe.each(testEngines())('keys API on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let other: TestServer;
  let a: TestTenant;
  let b: TestTenant;
  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db);
    // A second replica over the same database, with its own key cache.
    other = await startTestServer(db);
    a = await server.tenant();
    b = await server.tenant();
  });
  afterAll(async () => {
    await server?.close();
    await other?.close();
    await db?.close();
  });

  it('lists keys with id, kind, label and dates — never a key or its hash', async () => {
    const res = await server.call('GET', '/v1/keys', { key: a.secretKey });
    expect(res.status).toBe(200);
    expect(res.body.keys).toHaveLength(2);
    for (const key of res.body.keys) {
      expect(Object.keys(key).sort()).toEqual(['createdAt', 'id', 'kind', 'label', 'revokedAt']);
      expect(key.revokedAt).toBeNull();
    }
    expect(res.body.keys.map((key: { kind: string }) => key.kind).sort()).toEqual(['publishable', 'secret']);
    const text = JSON.stringify(res.body);
    for (const secret of [a.secretKey, a.publishableKey, hashKey(a.secretKey), hashKey(a.publishableKey)]) expect(text).not.toContain(secret);
  });

  it('issues a key once, which then works; names a bad kind', async () => {
    const created = await server.call('POST', '/v1/keys', { key: a.secretKey, body: { kind: 'publishable', label: 'website' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{20}$/), key: expect.stringMatching(/^pk_/), kind: 'publishable', label: 'website', revokedAt: null });
    const lead = await server.call('POST', '/v1/events/batch', { key: created.body.key, body: { sentAt: new Date().toISOString(), batch: [] } });
    expect(lead.status).toBe(200);
    const listed = await server.call('GET', '/v1/keys', { key: a.secretKey });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
    expect(listed.body.keys.map((key: { id: string }) => key.id)).toContain(created.body.id);

    const bad = await server.call('POST', '/v1/keys', { key: a.secretKey, body: { kind: 'root' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe('kind');
  });

  it('is for secret keys only', async () => {
    const rep = await repTokenFor(a.secretKey, { repId: 'r1', name: '李娜', role: 'admin' });
    for (const key of [a.publishableKey, rep]) {
      expect((await server.call('GET', '/v1/keys', { key })).status).toBe(403);
      expect((await server.call('POST', '/v1/keys', { key, body: { kind: 'secret' } })).status).toBe(403);
    }
  });

  it("answers 404 for another tenant's key id, 400 for a malformed one, and 409 for the key in use", async () => {
    const bKeys = await server.call('GET', '/v1/keys', { key: b.secretKey });
    const foreign = await server.call('DELETE', `/v1/keys/${bKeys.body.keys[0].id}`, { key: a.secretKey });
    expect(foreign.status).toBe(404);
    expect((await server.call('GET', '/v1/keys', { key: b.secretKey })).body.keys.every((key: { revokedAt: unknown }) => key.revokedAt === null)).toBe(true);

    const malformed = await server.call('DELETE', '/v1/keys/not-a-key', { key: a.secretKey });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details.issues[0].path).toBe('id');

    const self = await server.call('DELETE', `/v1/keys/${lookupId(hashKey(a.secretKey))}`, { key: a.secretKey });
    expect(self.status).toBe(409);
    expect(self.body.error.message).toMatch(/issue another secret key/);
    expect((await server.call('GET', '/v1/keys', { key: a.secretKey })).status).toBe(200);
  });

  it('revokes at once on the replica that revoked, within 5 s on another, and idempotently', async () => {
    const victim = await server.call('POST', '/v1/keys', { key: a.secretKey, body: { kind: 'secret', label: 'leaked' } });
    const token = await repTokenFor(victim.body.key, { repId: 'r9', name: '周敏' });
    // Both replicas have the key (and a token it signed) in their caches before it is revoked.
    expect((await server.call('GET', '/v1/keys', { key: victim.body.key })).status).toBe(200);
    expect((await other.call('GET', '/v1/keys', { key: victim.body.key })).status).toBe(200);
    expect((await other.call('POST', '/v1/assistant/ask', { key: token, body: { question: '价格太贵' } })).status).toBe(200);

    const revoked = await server.call('DELETE', `/v1/keys/${victim.body.id}`, { key: a.secretKey });
    expect(revoked.status).toBe(200);
    expect(revoked.body.key).toMatchObject({ id: victim.body.id, revokedAt: expect.any(String) });
    expect((await server.call('GET', '/v1/keys', { key: victim.body.key })).status).toBe(401);

    const deadline = Date.now() + REVOCATION_DEADLINE_MS;
    let keyStatus = 0;
    let tokenStatus = 0;
    while (Date.now() < deadline) {
      keyStatus = (await other.call('GET', '/v1/keys', { key: victim.body.key })).status;
      tokenStatus = (await other.call('POST', '/v1/assistant/ask', { key: token, body: { question: '价格太贵' } })).status;
      if (keyStatus === 401 && tokenStatus === 401) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    expect([keyStatus, tokenStatus]).toEqual([401, 401]);

    const again = await server.call('DELETE', `/v1/keys/${victim.body.id}`, { key: a.secretKey });
    expect(again.status).toBe(200);
    expect(again.body.key.revokedAt).toBe(revoked.body.key.revokedAt);
  });

  it('mints EdDSA rep tokens with POST /v1/rep-tokens from the presented secret key', async () => {
    const minted = await server.call('POST', '/v1/rep-tokens', { key: a.secretKey, body: { repId: 'r1', name: '李娜', ttlSeconds: 600 } });
    expect(minted.status).toBe(201);
    const header = JSON.parse(Buffer.from(minted.body.token.split('.')[0], 'base64url').toString());
    expect(header).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: lookupId(hashKey(a.secretKey)) });
    expect((await other.call('POST', '/v1/assistant/ask', { key: minted.body.token, body: { question: '价格太贵' } })).status).toBe(200);
  });

  it('answers 401 with a reason for a token without iat or issued in the future', async () => {
    const { privateKey } = deriveRepTokenKeyPair(a.secretKey);
    const sign = (payload: Record<string, unknown>) =>
      new SignJWT({ name: '李娜', role: 'rep', sub: 'r1', aud: REP_TOKEN_AUDIENCE, exp: Math.floor(Date.now() / 1000) + 3600, ...payload })
        .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: lookupId(hashKey(a.secretKey)) })
        .sign(privateKey);
    const ask = (key: string) => server.call('POST', '/v1/assistant/ask', { key, body: { question: '价格太贵' } });
    const noIat = await ask(await sign({}));
    expect(noIat.status).toBe(401);
    expect(noIat.body.error.message).toMatch(/no "iat" claim/);
    const future = await ask(await sign({ iat: Math.floor(Date.now() / 1000) + 3600 }));
    expect(future.status).toBe(401);
    expect(future.body.error.message).toMatch(/issued in the future/);
  });

  it('gives a secret key from before EdDSA its public key on first use, refusing its tokens until then', async () => {
    const legacy = await server.tenant();
    const id = lookupId(hashKey(legacy.secretKey));
    await db.query(`UPDATE api_keys SET rep_token_public_key = NULL WHERE tenant_id = $1 AND lookup_id = $2`, [legacy.id, id]);
    const token = await repTokenFor(legacy.secretKey, { repId: 'r1', name: '李娜' });
    const before = await server.call('POST', '/v1/assistant/ask', { key: token, body: { question: '价格太贵' } });
    expect(before.status).toBe(401);
    expect(before.body.error.message).toMatch(/no public key yet.*rotate/);
    expect((await server.call('GET', '/v1/keys', { key: legacy.secretKey })).status).toBe(200);
    const stored = await db.query<{ rep_token_public_key: string | null }>(`SELECT rep_token_public_key FROM api_keys WHERE tenant_id = $1 AND lookup_id = $2`, [legacy.id, id]);
    expect(stored.rows[0]!.rep_token_public_key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await server.call('POST', '/v1/assistant/ask', { key: token, body: { question: '价格太贵' } })).status).toBe(200);
  });

  describe('CLI', () => {
    async function huashu(...args: string[]): Promise<{ out: string; err: string }> {
      let out = '';
      let err = '';
      const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
      const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
      try {
        const program = new Command('huashu').exitOverride();
        registerKeyCommands(program, (fn) => fn(db, {} as Config));
        await program.parseAsync(args, { from: 'user' });
      } finally {
        stdout.mockRestore();
        stderr.mockRestore();
      }
      return { out, err };
    }

    it('lists tenants and keys, rotates and revokes a key', async () => {
      const tenant = await server.tenant();
      const slug = (await db.query<{ slug: string }>(`SELECT slug FROM tenants WHERE id = $1`, [tenant.id])).rows[0]!.slug;
      expect((await huashu('tenants', 'list')).out).toMatch(new RegExp(`${slug}\\s+${tenant.id}\\s+.*\\s2\\n`));

      const listed = (await huashu('keys', 'list', '--tenant', slug)).out;
      const secretId = lookupId(hashKey(tenant.secretKey));
      expect(listed).toContain(secretId);
      expect(listed).not.toContain(tenant.secretKey);

      const rotated = await huashu('keys', 'rotate', secretId, '--tenant', slug);
      const fresh = rotated.out.trim();
      expect(fresh).toMatch(/^sk_/);
      expect(rotated.err).toContain(`replaces ${secretId}`);
      expect((await server.call('GET', '/v1/keys', { key: fresh })).status).toBe(200);
      expect((await server.call('GET', '/v1/keys', { key: tenant.secretKey })).status).toBe(401);

      const publishableId = lookupId(hashKey(tenant.publishableKey));
      expect((await huashu('keys', 'revoke', publishableId, '--tenant', slug)).out).toContain(`revoked ${publishableId}`);
      const after = await server.call('GET', '/v1/keys', { key: fresh });
      expect(after.body.keys.filter((key: { revokedAt: unknown }) => key.revokedAt === null).map((key: { kind: string }) => key.kind)).toEqual(['secret']);
      await expect(huashu('keys', 'revoke', publishableId, '--tenant', 'no-such-tenant')).rejects.toThrow(/no tenant/);
    });
  });
});
