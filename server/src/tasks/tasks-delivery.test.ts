import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer } from '../testing/test-server.js';
import { startReceiver, type Receiver } from '../webhooks/test-receiver.js';

const FAST = { HUASHU_JOBS_INTERVAL_MS: '20', HUASHU_WEBHOOK_ALLOW_PRIVATE: '1', HUASHU_WEBHOOK_RETRY_SCHEDULE_MS: '50,50' };

// End to end: a task card reaches the CRM (Standard Webhooks) and a 企业微信 group robot through the outbox.
describe.each(testEngines())('task cards through the outbox on $name', (engine) => {
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

  it('delivers task.created with the card’s context to a task.* subscription and the group robot', async () => {
    const tenant = await server.tenant();
    const subscribe = (body: unknown) => server.call('POST', '/v1/webhook-subscriptions', { key: tenant.secretKey, body });
    const { secret } = (await subscribe({ url: `${crm.url}/huashu`, events: ['task.*'] })).body;
    expect((await subscribe({ url: `${chat.url}/cgi-bin/webhook/send?key=grp`, events: ['task.created'], kind: 'wecom' })).status).toBe(201);
    const token = await repTokenFor(tenant.secretKey, { repId: 'rep-wang', name: '王磊' });
    const created = await server.call('POST', '/v1/tasks', {
      key: token,
      body: { type: 'presales_support', title: '发起售前支持', assigneeRole: 'presales', summary: '王总确认下周三看工厂', keyTerms: { 付款方式: '分三期：首付50%，二期30%，尾款20%' } },
    });
    expect(created.status).toBe(201);
    const [request] = await crm.waitFor((all) => all.some((item) => item.body.includes('"task.created"')));
    const payload = new Webhook(secret).verify(request!.body, {
      'webhook-id': String(request!.headers['webhook-id']),
      'webhook-timestamp': String(request!.headers['webhook-timestamp']),
      'webhook-signature': String(request!.headers['webhook-signature']),
    }) as { type: string; data: { task: { id: string; assigneeRole: string; context: { meetingSummary: string; keyTerms: Record<string, string> } } } };
    expect(payload.type).toBe('task.created');
    expect(payload.data.task).toMatchObject({ id: created.body.task.id, assigneeRole: 'presales', context: { meetingSummary: '王总确认下周三看工厂', keyTerms: { 付款方式: '分三期：首付50%，二期30%，尾款20%' } } });
    const [card] = await chat.waitFor((all) => all.length >= 1);
    expect(card!.body).toContain('新协同任务');
    expect(card!.body).toContain('发起售前支持');
    // The meeting summary and key terms are lead data: in the task, not in the group chat.
    expect(card!.body).not.toContain('王总');
  });
});
