import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { startTestServer, type TestServer } from '../testing/test-server.js';
import { startReceiver, type ReceivedRequest, type Receiver } from '../webhooks/test-receiver.js';
import { sweepSilences } from './signals.service.js';

const FAST = { HUASHU_JOBS_INTERVAL_MS: '20', HUASHU_WEBHOOK_ALLOW_PRIVATE: '1', HUASHU_WEBHOOK_RETRY_SCHEDULE_MS: '50,50' };
const DAY = 24 * 3600_000;

const RULES = {
  halfLife: 'P7D',
  weights: [{ id: 'poc_requested', event: 'poc_requested', weight: 0.85, label: { zh: '主动索要POC环境', en: 'Asked for a POC environment' } }],
  silences: [
    {
      id: 'going_silent',
      after: { event: 'trial_started', label: { zh: '开通试用', en: 'the trial started' } },
      expect: { event: 'feature_used', label: { zh: '使用任何功能', en: 'feature use' } },
      within: 'P11D',
      weight: -0.4,
      label: { zh: '试用后沉默', en: 'Silent after the trial' },
    },
  ],
  thresholds: [{ score: 70, event: 'lead.hot' }],
};

type Payload = { type: string; data: { lead: { id: string }; score: number; threshold?: number; signal?: { ruleId: string; explanation: { zh: string } } } };

// End to end: signals written on ingest and by the silence sweep go through the
// outbox to a signed CRM subscription and to a DingTalk group robot.
describe.each(testEngines())('intent signal events to the CRM and the group chat on $name', (engine) => {
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

  it('delivers signal.fired, lead.hot and lead.going_silent, signed, and lead.hot / lead.going_silent as robot cards', async () => {
    const tenant = await server.tenant();
    const subscribe = (body: unknown) => server.call('POST', '/v1/webhook-subscriptions', { key: tenant.secretKey, body });
    const created = await subscribe({ url: `${crm.url}/huashu`, events: ['signal.fired', 'lead.hot', 'lead.going_silent'] });
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    expect((await subscribe({ url: `${chat.url}/robot/send?access_token=grp`, events: ['lead.hot', 'lead.going_silent'], kind: 'dingtalk' })).status).toBe(201);
    expect((await server.call('PUT', '/v1/signal-rules', { key: tenant.secretKey, body: RULES })).status).toBe(200);
    const lead = (await server.call('POST', '/v1/leads', { key: tenant.secretKey, body: { source: 'web', name: '张主任', phone: '13900139001', company: '华东某三甲医院' } })).body.lead.id as string;

    const track = (event: string, agoMs: number) => ({ messageId: randomUUID(), type: 'track', event, leadId: lead, timestamp: new Date(Date.now() - agoMs).toISOString() });
    const send = (batch: unknown[]) => server.call('POST', '/v1/events/batch', { key: tenant.publishableKey, body: { sentAt: new Date().toISOString(), batch } });
    // Two POC requests: 0.85 then 1.7 of decayed sum, 57 then 82 points, crossing 70 once.
    expect((await send([track('poc_requested', 2000)])).body.accepted).toBe(1);
    expect((await send([track('poc_requested', 1000), track('trial_started', 12 * DAY)])).body.accepted).toBe(2);
    await sweepSilences(db);

    const verify = (request: ReceivedRequest) =>
      new Webhook(secret).verify(request.body, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      }) as Payload;
    const count = (all: readonly ReceivedRequest[], type: string) => all.filter((request) => request.body.includes(`"type":"${type}"`)).length;
    // Each outbox event is its own delivery job: they arrive in any order.
    const received = await crm.waitFor((all) => count(all, 'signal.fired') >= 3 && count(all, 'lead.hot') >= 1 && count(all, 'lead.going_silent') >= 1);
    const payloads = received.map(verify);
    expect(payloads.every((payload) => payload.data.lead.id === lead)).toBe(true);
    expect(payloads.filter((payload) => payload.type === 'signal.fired').map((payload) => payload.data.signal!.ruleId).sort()).toEqual(['going_silent', 'poc_requested', 'poc_requested']);
    expect(payloads.find((payload) => payload.type === 'lead.hot')!.data).toMatchObject({ threshold: 70, score: 82 });
    expect(payloads.find((payload) => payload.type === 'lead.going_silent')!.data.signal).toMatchObject({ ruleId: 'going_silent', explanation: { zh: '开通试用后 11 天内没有使用任何功能' } });

    const cards = await chat.waitFor((all) => all.length >= 2);
    const texts = cards.map((card) => JSON.parse(card.body).markdown.text as string);
    const hot = texts.find((text) => text.includes('线索意向升温'))!;
    expect(hot).toContain('82 / 100');
    expect(hot).toContain('主动索要POC环境');
    expect(hot).toContain(lead);
    const silent = texts.find((text) => text.includes('线索沉默提醒'))!;
    expect(silent).toContain('开通试用后 11 天内没有使用任何功能');
    // A group chat never sees the contact's phone number.
    expect(cards.every((card) => !card.body.includes('13900139001'))).toBe(true);
    // lead.hot once, whatever else arrives.
    expect(count(crm.received, 'lead.hot')).toBe(1);
  });
});
