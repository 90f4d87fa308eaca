import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repTokenFor, startTestServer, testEngines, type TestServer, type TestTenant } from '@huashu/server/testing';
import type { Database } from '@huashu/server';
import { createRepToken } from './node.js';

// The Node helper signs on its own (no server code in the SDK); this checks the
// real server accepts exactly what it mints.
describe('createRepToken against the real server', () => {
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;
  beforeAll(async () => {
    db = await testEngines()[0]!.open();
    server = await startTestServer(db);
    tenant = await server.tenant();
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  const ask = (token: string) => server.call('POST', '/v1/assistant/ask', { key: token, body: { question: '价格太贵' } });

  it('mints a token the server accepts', async () => {
    const res = await ask(createRepToken(tenant.secretKey, { repId: 'r1', name: '李娜', role: 'reviewer', hireDate: '2026-09-01' }));
    expect(res.status).toBe(200);
  });

  it('signs with EdDSA under the key pair the server derives (byte-identical to the server-side signer)', async () => {
    const now = () => Date.parse('2026-12-03T08:00:00Z');
    const claims = { repId: 'r1', name: '李娜', role: 'rep' as const, hireDate: '2026-09-01' };
    const token = createRepToken(tenant.secretKey, claims, { ttlSeconds: 600, now });
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'EdDSA', typ: 'JWT' });
    // Ed25519 signatures are deterministic: the same claims at the same second give the same token.
    expect(token).toBe(await repTokenFor(tenant.secretKey, claims, { ttlSeconds: 600, now }));
  });

  it('mints tokens whose claims cannot be altered, and that only their own tenant key verifies', async () => {
    const token = createRepToken(tenant.secretKey, { repId: 'r1', name: '李娜' });
    const [header, payload, signature] = token.split('.');
    const promoted = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'admin' })).toString('base64url');
    expect((await ask(`${header}.${promoted}.${signature}`)).status).toBe(401);
    const other = await server.tenant();
    const foreign = createRepToken(other.secretKey, { repId: 'r1', name: '李娜' }).split('.')[2];
    expect((await ask(`${header}.${payload}.${foreign}`)).status).toBe(401);
  });

  it('mints tokens that expire', async () => {
    const expired = createRepToken(tenant.secretKey, { repId: 'r1', name: '李娜' }, { ttlSeconds: 60, now: () => Date.now() - 3_600_000 });
    const res = await ask(expired);
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/expired/);
  });

  it('refuses publishable keys and bad lifetimes before signing anything', () => {
    expect(() => createRepToken(tenant.publishableKey, { repId: 'r1', name: 'x' })).toThrow(/secret key/);
    expect(() => createRepToken(tenant.secretKey, { repId: 'r1', name: 'x' }, { ttlSeconds: 10 })).toThrow(RangeError);
  });
});
