import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/types.js';
import { testEngines } from '../../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../../testing/test-server.js';

describe.each(testEngines())('HTTP API foundation on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db);
    a = await server.tenant();
    b = await server.tenant();
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  describe('authentication', () => {
    it('answers 401 without credentials', async () => {
      const res = await server.call('POST', '/v1/leads', { body: { source: 'web', phone: '13800138000' } });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    });

    it('answers 401 for an unknown key and never echoes it', async () => {
      const res = await server.call('POST', '/v1/leads', { key: 'sk_doesnotexist0000000000', body: { source: 'web', phone: '13800138000' } });
      expect(res.status).toBe(401);
      expect(JSON.stringify(res.body)).not.toContain('doesnotexist');
    });

    it('refuses a publishable key on admin routes with 403', async () => {
      const res = await server.call('POST', '/v1/rep-tokens', { key: a.publishableKey, body: { repId: 'r1', name: '李娜' } });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    });

    it('hides another tenant’s rows behind 404', async () => {
      const created = await server.call('POST', '/v1/leads', { key: a.publishableKey, body: { source: 'web', phone: '13800138001' } });
      expect(created.status).toBe(201);
      const own = await server.call('GET', `/v1/leads/${created.body.lead.id}`, { key: a.secretKey });
      expect(own.status).toBe(200);
      expect(own.body.lead.touchpoints).toHaveLength(1);
      const foreign = await server.call('GET', `/v1/leads/${created.body.lead.id}`, { key: b.secretKey });
      expect(foreign.status).toBe(404);
      const missing = await server.call('GET', `/v1/leads/00000000-0000-0000-0000-000000000000`, { key: b.secretKey });
      expect(foreign.body.error.code).toBe(missing.body.error.code);
    });

    it('mints rep tokens that the server accepts', async () => {
      const minted = await server.call('POST', '/v1/rep-tokens', { key: a.secretKey, body: { repId: 'r1', name: '李娜', role: 'reviewer' } });
      expect(minted.status).toBe(201);
      const signed = await repTokenFor(a.secretKey, { repId: 'r2', name: '赵强' });
      for (const token of [minted.body.token as string, signed]) {
        // A rep token is not a key: it may not mint further tokens (secret key only).
        const res = await server.call('POST', '/v1/rep-tokens', { key: token, body: { repId: 'x', name: 'x' } });
        expect(res.status).toBe(403);
      }
    });

    it('rejects an expired or tampered rep token with 401', async () => {
      const expired = await repTokenFor(a.secretKey, { repId: 'r1', name: '李娜' }, { ttlSeconds: 60, now: () => Date.now() - 3_600_000 });
      const res = await server.call('POST', '/v1/rep-tokens', { key: expired, body: { repId: 'x', name: 'x' } });
      expect(res.status).toBe(401);
      expect(res.body.error.message).toMatch(/expired/);

      const valid = await repTokenFor(a.secretKey, { repId: 'r1', name: '李娜', role: 'rep' });
      const [header, payload, signature] = valid.split('.');
      const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'admin' })).toString('base64url');
      const tampered = await server.call('POST', '/v1/rep-tokens', { key: `${header}.${forged}.${signature}`, body: { repId: 'x', name: 'x' } });
      expect(tampered.status).toBe(401);
      expect(tampered.body.error.code).toBe('invalid_token');

      const otherTenant = await repTokenFor(b.secretKey, { repId: 'r1', name: '李娜' });
      const [, , foreignSignature] = otherTenant.split('.');
      const spliced = await server.call('POST', '/v1/rep-tokens', { key: `${header}.${payload}.${foreignSignature}`, body: { repId: 'x', name: 'x' } });
      expect(spliced.status).toBe(401);
    });
  });

  describe('error shape', () => {
    it('names malformed JSON', async () => {
      const res = await server.call('POST', '/v1/leads', { key: a.publishableKey, rawBody: '{"source": "web",' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_json');
    });

    it('names each field with a wrong type', async () => {
      const res = await server.call('POST', '/v1/leads', { key: a.publishableKey, body: { source: 42, consent: 'yes', phone: '13800138000' } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      const paths = res.body.error.details.issues.map((issue: { path: string }) => issue.path);
      expect(paths).toEqual(expect.arrayContaining(['source', 'consent']));
    });

    it('names unknown fields', async () => {
      const res = await server.call('POST', '/v1/leads', { key: a.publishableKey, body: { source: 'web', phone: '13800138000', isAdmin: true } });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues).toContainEqual({ path: 'isAdmin', message: 'unknown field' });
    });

    it('answers 413 for an oversized body', async () => {
      const res = await server.call('POST', '/v1/leads', {
        key: a.publishableKey,
        body: { source: 'web', phone: '13800138000', fields: { notes: 'x'.repeat(1_100_000) } },
      });
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('payload_too_large');
    });

    it('answers 404 with the error shape for unknown routes', async () => {
      const res = await server.call('GET', '/v1/nothing-here', { key: a.secretKey });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    });

    it('names a bad phone number and stores nothing', async () => {
      const res = await server.call('POST', '/v1/leads', { key: a.publishableKey, body: { source: 'web', phone: '12345', email: 'not-an-email' } });
      expect(res.status).toBe(400);
      const paths = res.body.error.details.issues.map((issue: { path: string }) => issue.path);
      expect(paths).toEqual(['phone', 'email']);
      const count = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM leads WHERE tenant_id = $1 AND phone IS NULL AND email IS NULL`, [a.id]);
      expect(count.rows[0]!.n).toBe(0);
    });
  });

  it('serves /healthz and an OpenAPI document generated from the schemas', async () => {
    const health = await server.call('GET', '/healthz');
    expect(health.body).toMatchObject({ status: 'ok', engine: engine.name });
    const doc = await server.call('GET', '/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    const leadBody = doc.body.paths['/v1/leads'].post.requestBody.content['application/json'].schema;
    expect(leadBody.required).toContain('source');
    expect(leadBody.additionalProperties).toBe(false);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/events/batch', '/v1/rep-tokens', '/healthz']));
  });
});
