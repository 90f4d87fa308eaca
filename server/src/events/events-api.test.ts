import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';

const event = (overrides: Record<string, unknown> = {}) => ({
  messageId: randomUUID(),
  type: 'track',
  event: 'document_download',
  anonymousId: 'anon-1',
  properties: { documentId: 'security-whitepaper' },
  timestamp: new Date().toISOString(),
  ...overrides,
});

describe.each(testEngines())('events and leads ingestion on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;
  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db);
    tenant = await server.tenant();
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  const send = (batch: unknown[], sentAt = new Date().toISOString()) =>
    server.call('POST', '/v1/events/batch', { key: tenant.publishableKey, body: { sentAt, batch } });
  const stored = async (messageId: string) =>
    (await db.query<{ occurred_at: Date }>(`SELECT occurred_at FROM events WHERE tenant_id = $1 AND message_id = $2`, [tenant.id, messageId])).rows;

  it('stores the good events, reports the bad ones by index', async () => {
    const good = [event(), event({ type: 'page', event: undefined, properties: { path: '/compare/acme' } })];
    const res = await send([good[0], { ...event(), type: 'click' }, event({ event: undefined }), good[1], 'not an event']);
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(2);
    expect(res.body.rejected.map((r: { index: number }) => r.index)).toEqual([1, 2, 4]);
    expect(res.body.rejected[0].error).toMatch(/type/);
    for (const e of good) expect(await stored(e.messageId)).toHaveLength(1);
  });

  it('counts a messageId already stored, or repeated in the batch, as a duplicate', async () => {
    const first = event();
    await send([first]);
    const res = await send([first, event(), { ...first }]);
    expect(res.body).toMatchObject({ accepted: 1, duplicates: 2, rejected: [] });
    expect(await stored(first.messageId)).toHaveLength(1);
  });

  it('corrects the device clock from sentAt', async () => {
    // The device clock runs two hours behind: it says it sent now-2h.
    const skew = 2 * 3600_000;
    const happened = Date.now() - 60_000;
    const e = event({ timestamp: new Date(happened - skew).toISOString() });
    await send([e], new Date(Date.now() - skew).toISOString());
    const [row] = await stored(e.messageId);
    expect(Math.abs(new Date(row!.occurred_at).getTime() - happened)).toBeLessThan(30_000);
  });

  it('accepts beacons: text/plain body and the publishable key in the query', async () => {
    const e = event();
    const res = await fetch(`${server.url}/v1/events/batch?key=${tenant.publishableKey}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ sentAt: new Date().toISOString(), batch: [e] }),
    });
    expect(res.status).toBe(200);
    expect(await stored(e.messageId)).toHaveLength(1);
  });

  it('refuses an oversized event (400 for that event) and an oversized batch (413)', async () => {
    const big = event({ properties: { blob: 'x'.repeat(40_000) } });
    const res = await send([big, event()]);
    expect(res.body.accepted).toBe(1);
    expect(res.body.rejected[0]).toMatchObject({ index: 0, error: expect.stringMatching(/limit is 32768/) });
    const huge = Array.from({ length: 20 }, () => event({ properties: { blob: 'y'.repeat(30_000) } }));
    const tooLarge = await send(huge);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.code).toBe('payload_too_large');
  });

  it('captures a lead once per idempotency key and keeps its first touchpoint', async () => {
    const body = { idempotencyKey: randomUUID(), name: '王芳', phone: '+86 139 1234 5678', source: 'trade_show', campaign: '2026 智慧医疗展', page: 'https://example.com/expo' };
    const first = await server.call('POST', '/v1/leads', { key: tenant.publishableKey, body });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ created: true, lead: { phone: '+8613912345678', source: 'trade_show' } });
    const again = await server.call('POST', '/v1/leads', { key: tenant.publishableKey, body });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, lead: { id: first.body.lead.id } });
    const lead = await server.call('GET', `/v1/leads/${first.body.lead.id}`, { key: tenant.secretKey });
    expect(lead.body.lead.touchpoints).toEqual([expect.objectContaining({ source: 'trade_show', campaign: '2026 智慧医疗展', page: 'https://example.com/expo' })]);
  });

  it('needs a phone, an email or a WeChat id, and names each bad one', async () => {
    const none = await server.call('POST', '/v1/leads', { key: tenant.publishableKey, body: { source: 'web', name: '无联系方式' } });
    expect(none.status).toBe(400);
    expect(none.body.error.details.issues[0].message).toMatch(/phone number, an email or a WeChat id/);
    const landline = await server.call('POST', '/v1/leads', { key: tenant.publishableKey, body: { source: 'web', phone: '010 8888', wechat: '1bad' } });
    expect(landline.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(['phone', 'wechat']);
    const wechatOnly = await server.call('POST', '/v1/leads', { key: tenant.publishableKey, body: { source: 'web', wechat: 'zhang_wei88' } });
    expect(wechatOnly.status).toBe(201);
  });
});
