import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepSlaBreaches } from '../leads/index.js';
import type { Database } from '../platform/db/types.js';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { testEngines } from '../testing/engines.js';
import { eventually, startReceiver, type ReceivedRequest, type Receiver } from './test-receiver.js';

const FAST = { HUASHU_JOBS_INTERVAL_MS: '20', HUASHU_WEBHOOK_ALLOW_PRIVATE: '1', HUASHU_WEBHOOK_RETRY_SCHEDULE_MS: '50,50' };

const verify = (secret: string, request: ReceivedRequest) =>
  new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  }) as { type: string; data: { lead: { id: string; phone: string | null } } };

// End to end: the leads domain's own events, written by POST /v1/leads and the
// SLA sweep, reach the CRM and the sales group chat.
describe.each(testEngines())('lead events to the CRM and the group chat on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let crm: Receiver;
  let chat: Receiver;

  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db, FAST);
    crm = await startReceiver(() => ({ status: 200 }));
    chat = await startReceiver(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"errcode":0,"errmsg":"ok"}' }));
  });
  afterAll(async () => {
    await server?.close();
    await crm?.close();
    await chat?.close();
    await db?.close();
  });

  it('delivers lead.created and lead.merged from POST /v1/leads, and an SLA breach as a DingTalk card', async () => {
    const tenant = await server.tenant();
    const subscribe = (body: unknown) => server.call('POST', '/v1/webhook-subscriptions', { key: tenant.secretKey, body });
    const { secret } = (await subscribe({ url: `${crm.url}/huashu`, events: ['lead.*'] })).body;
    const robotSecret = 'SECe2e0123456789abcdef';
    expect((await subscribe({ url: `${chat.url}/robot/send?access_token=grp`, events: ['lead.sla_breached'], kind: 'dingtalk', secret: robotSecret })).status).toBe(201);
    expect((await server.call('POST', '/v1/lead-sources', { key: tenant.secretKey, body: { slug: 'fast-form', preset: 'web_form', firstResponseSla: 'PT1S' } })).status).toBe(201);

    const first = await server.call('POST', '/v1/leads', { key: tenant.secretKey, body: { name: '王总', phone: '138 0013 8000', company: '深圳精工制造有限公司', source: 'fast-form' } });
    expect(first.status).toBe(201);
    const leadId = first.body.lead.id as string;
    const again = await server.call('POST', '/v1/leads', { key: tenant.secretKey, body: { phone: '+8613800138000', email: 'wang@jinggong.example.cn', source: 'fast-form' } });
    expect(again.body).toMatchObject({ merged: true, lead: { id: leadId } });

    // Each event is its own delivery job: lead.merged may arrive before lead.created.
    const received = await crm.waitFor((all) => ['"lead.created"', '"lead.merged"'].every((type) => all.some((request) => request.body.includes(type))));
    const created = received.map((request) => verify(secret, request)).find((payload) => payload.type === 'lead.created')!;
    expect(created.data.lead).toMatchObject({ id: leadId, phone: '+8613800138000' });
    expect(received.map((request) => verify(secret, request)).find((payload) => payload.type === 'lead.merged')!.data.lead.id).toBe(leadId);

    // Past the 1 s deadline, the sweep records the breach once; the card reaches the group.
    // (The server's own periodic sweep may be the one that gets there first.)
    await eventually(async () => {
      await sweepSlaBreaches(db);
      const lead = await server.call('GET', `/v1/leads/${leadId}`, { key: tenant.secretKey });
      return lead.body.lead.slaBreachedAt ? true : undefined;
    });
    const [card] = await chat.waitFor((all) => all.length >= 1);
    const url = new URL(card!.url, chat.url);
    const timestamp = url.searchParams.get('timestamp')!;
    expect(url.searchParams.get('sign')).toBe(createHmac('sha256', robotSecret).update(`${timestamp}\n${robotSecret}`).digest('base64'));
    const text = JSON.parse(card!.body).markdown.text as string;
    expect(text).toContain('线索超时未响应');
    expect(text).toContain('深圳精工制造有限公司');
    expect(text).toContain(leadId);
    expect(card!.body).not.toContain('13800138000');
    expect(card!.body).not.toContain('wang@jinggong');
    const breach = await crm.waitFor((all) => all.some((request) => request.body.includes('"lead.sla_breached"')));
    expect(breach.filter((request) => request.body.includes('"lead.sla_breached"'))).toHaveLength(1);
  });
});
