import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { emit } from '../platform/jobs/index.js';
import { startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';
import { testEngines } from '../testing/engines.js';
import { eventually, startReceiver, type Receiver } from './test-receiver.js';
import { insertSubscription } from './webhooks.store.js';

const FAST = { HUASHU_JOBS_INTERVAL_MS: '20', HUASHU_WEBHOOK_RETRY_SCHEDULE_MS: '50' };

describe.each(testEngines())('webhook subscriptions API on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    db = await engine.open();
    // Without HUASHU_WEBHOOK_ALLOW_PRIVATE: production rules for targets.
    server = await startTestServer(db, FAST);
    a = await server.tenant();
    b = await server.tenant();
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  const create = (key: string, body: unknown) => server.call('POST', '/v1/webhook-subscriptions', { key, body });

  it('creates a subscription whose whsec_ secret is shown once, and lists it without the secret', async () => {
    const created = await create(a.secretKey, { url: 'https://8.8.8.8/huashu/hooks', events: ['lead.created', 'lead.sla_breached', 'lead.created'], description: 'CRM' });
    expect(created.status).toBe(201);
    const { subscription, secret } = created.body;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(subscription).toMatchObject({ id: expect.stringMatching(/^whsub_/), url: 'https://8.8.8.8/huashu/hooks', kind: 'standard', events: ['lead.created', 'lead.sla_breached'], signed: true, enabled: true, disabledAt: null });
    const list = await server.call('GET', '/v1/webhook-subscriptions', { key: a.secretKey });
    expect(list.status).toBe(200);
    expect(list.body.subscriptions.map((entry: { id: string }) => entry.id)).toContain(subscription.id);
    expect(JSON.stringify(list.body)).not.toContain(secret.slice(6));
    expect(JSON.stringify((await server.call('GET', `/v1/webhook-subscriptions/${subscription.id}`, { key: a.secretKey })).body)).not.toContain(secret.slice(6));
  });

  it('accepts a whsec_ secret of your own and refuses one that is not', async () => {
    const own = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
    const ok = await create(a.secretKey, { url: 'https://8.8.4.4/h', events: ['*'], secret: own });
    expect(ok.status).toBe(201);
    expect(ok.body.secret).toBe(own);
    const bad = await create(a.secretKey, { url: 'https://8.8.4.4/h', events: ['*'], secret: 'hunter2' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues).toEqual([expect.objectContaining({ path: 'secret' })]);
    expect(JSON.stringify(bad.body)).not.toContain('hunter2');
  });

  it.each([
    ['ftp://8.8.8.8/x', 'http(s)'],
    ['not a url', 'absolute'],
    ['https://user:pass@8.8.8.8/x', 'credentials'],
    ['http://localhost:9/hook', 'loopback'],
    ['http://127.0.0.1/hook', 'loopback'],
    ['http://[::1]/hook', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:7f00:1]/', 'loopback'],
    ['http://10.1.2.3/hook', 'private'],
    ['http://172.16.0.1/hook', 'private'],
    ['http://192.168.1.1/hook', 'private'],
    ['http://100.64.0.1/hook', 'private'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://[fe80::1]/hook', 'link-local'],
    ['http://[fd00::1]/hook', 'private'],
    ['http://224.0.0.1/hook', 'non-public'],
    ['http://0.0.0.0:8787/hook', 'non-public'],
    ['http://[::]/hook', 'non-public'],
  ])('refuses %s with a 400 naming url', async (url, reason) => {
    const res = await create(a.secretKey, { url, events: ['lead.*'] });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.issues).toEqual([{ path: 'url', message: expect.stringContaining(reason) }]);
  });

  it.each([
    [{ url: 'https://8.8.8.8/h', events: [] }, 'events'],
    [{ url: 'https://8.8.8.8/h', events: ['lead'] }, 'events.0'],
    [{ url: 'https://8.8.8.8/h', events: ['lead.*.x'] }, 'events.0'],
    [{ url: 'https://8.8.8.8/h', events: ['*'], kind: 'slack' }, 'kind'],
    [{ url: 'https://8.8.8.8/h', events: ['*'], kind: 'wecom', secret: 'SEC123' }, 'secret'],
    [{ events: ['*'] }, 'url'],
  ])('refuses %j with a 400 naming %s', async (body, path) => {
    const res = await create(a.secretKey, body);
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues.map((issue: { path: string }) => issue.path)).toContain(path);
  });

  it('needs the secret key', async () => {
    expect((await create(a.publishableKey, { url: 'https://8.8.8.8/h', events: ['*'] })).status).toBe(403);
    expect((await server.call('GET', '/v1/webhook-subscriptions')).status).toBe(401);
  });

  it("answers 404 for another tenant's subscription and delivery ids", async () => {
    const mine = (await create(a.secretKey, { url: 'https://8.8.8.8/a', events: ['*'] })).body.subscription.id;
    expect((await server.call('GET', `/v1/webhook-subscriptions/${mine}`, { key: b.secretKey })).status).toBe(404);
    expect((await server.call('GET', `/v1/webhook-subscriptions/${mine}/deliveries`, { key: b.secretKey })).status).toBe(404);
    expect((await server.call('POST', `/v1/webhook-subscriptions/${mine}/enable`, { key: b.secretKey })).status).toBe(404);
    expect((await server.call('DELETE', `/v1/webhook-subscriptions/${mine}`, { key: b.secretKey })).status).toBe(404);
    expect((await server.call('GET', '/v1/webhook-subscriptions', { key: b.secretKey })).body.subscriptions.map((entry: { id: string }) => entry.id)).not.toContain(mine);
    expect((await server.call('POST', '/v1/webhook-deliveries/whdel_nope/replay', { key: a.secretKey })).status).toBe(404);
    // Still there for its owner.
    expect((await server.call('GET', `/v1/webhook-subscriptions/${mine}`, { key: a.secretKey })).status).toBe(200);
  });

  it('deletes a subscription: gone from the list, 404 afterwards', async () => {
    const id = (await create(a.secretKey, { url: 'https://8.8.8.8/d', events: ['*'] })).body.subscription.id;
    const deleted = await server.call('DELETE', `/v1/webhook-subscriptions/${id}`, { key: a.secretKey });
    expect(deleted.status).toBe(200);
    expect(deleted.body.subscription.id).toBe(id);
    expect((await server.call('DELETE', `/v1/webhook-subscriptions/${id}`, { key: a.secretKey })).status).toBe(404);
    expect((await server.call('GET', `/v1/webhook-subscriptions/${id}`, { key: a.secretKey })).status).toBe(404);
  });

  it('refuses a bad deliveries cursor with a 400 naming cursor', async () => {
    const id = (await create(a.secretKey, { url: 'https://8.8.8.8/c', events: ['*'] })).body.subscription.id;
    const res = await server.call('GET', `/v1/webhook-subscriptions/${id}/deliveries?cursor=garbage`, { key: a.secretKey });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues[0].path).toBe('cursor');
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await server.call('GET', '/openapi.json')).body;
    for (const path of ['/v1/webhook-subscriptions', '/v1/webhook-subscriptions/{id}', '/v1/webhook-subscriptions/{id}/deliveries', '/v1/webhook-deliveries/{id}/replay']) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });

  describe('targets that resolve to private addresses at delivery time', () => {
    let receiver: Receiver;
    beforeAll(async () => {
      receiver = await startReceiver(() => ({ status: 200 }));
    });
    afterAll(async () => {
      await receiver?.close();
    });

    // Stored directly, as if the name had resolved to a public address when the
    // subscription was created and to loopback now (DNS rebinding).
    it.each([
      ['a name resolving to 127.0.0.1', (port: number) => `http://localhost:${port}/hook`],
      ['an IPv4-mapped IPv6 loopback', (port: number) => `http://[::ffff:127.0.0.1]:${port}/hook`],
      ['a plain loopback address', (port: number) => `http://127.0.0.1:${port}/hook`],
    ])('refuses %s without HUASHU_WEBHOOK_ALLOW_PRIVATE: blocked_address in the log, nothing received', async (_name, url) => {
      const tenant = await server.tenant();
      const row = await insertSubscription(db, tenant.id, { id: `whsub_direct_${Math.random().toString(36).slice(2)}`, url: url(receiver.port), kind: 'standard', events: ['*'], secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}`, description: null });
      await db.transaction((tx) => emit(tx, { tenantId: tenant.id, type: 'lead.created', data: { lead: { id: 'lead_ssrf' } } }));
      const [delivery] = await eventually(async () => {
        const list = (await server.call('GET', `/v1/webhook-subscriptions/${row.id}/deliveries`, { key: tenant.secretKey })).body.deliveries;
        return list[0]?.state === 'dead' ? list : undefined;
      });
      expect(delivery.log.map((attempt: { error: string; statusCode: number | null }) => [attempt.error, attempt.statusCode])).toEqual([
        ['blocked_address', null],
        ['blocked_address', null],
      ]);
      expect(receiver.received).toHaveLength(0);
    });
  });
});
