import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { emit } from '../platform/jobs/index.js';
import { startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';
import { testEngines } from '../testing/engines.js';
import { eventually, startReceiver, type Receiver, type ReceivedRequest } from './test-receiver.js';

/** Fast settings: a short retry schedule and poll interval; loopback receivers allowed. */
const FAST = { HUASHU_JOBS_INTERVAL_MS: '20', HUASHU_WEBHOOK_ALLOW_PRIVATE: '1', HUASHU_WEBHOOK_RETRY_SCHEDULE_MS: '50,50,50' };

const leadData = (id: string) => ({ lead: { id, name: '王总', phone: '+8613800138000', email: 'wang@example.cn', company: '深圳精工制造有限公司', source: 'website' } });

async function emitLead(db: Database, tenantId: string, type: string, leadId: string): Promise<string> {
  return db.transaction(async (tx) => (await emit(tx, { tenantId, type, data: leadData(leadId) })).id);
}

const header = (request: ReceivedRequest, name: string) => String(request.headers[name] ?? '');

function verifiedWith(secret: string, request: ReceivedRequest) {
  return new Webhook(secret).verify(request.body, {
    'webhook-id': header(request, 'webhook-id'),
    'webhook-timestamp': header(request, 'webhook-timestamp'),
    'webhook-signature': header(request, 'webhook-signature'),
  }) as { type: string; timestamp: string; data: { lead: { id: string } } };
}

describe.each(testEngines())('webhook delivery on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;

  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db, FAST);
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });
  afterEach(async () => {
    await receiver?.close();
  });

  async function subscribe(url: string, events: string[] = ['lead.*']) {
    tenant = await server.tenant();
    const res = await server.call('POST', '/v1/webhook-subscriptions', { key: tenant.secretKey, body: { url, events } });
    expect(res.status).toBe(201);
    return res.body as { subscription: { id: string; enabled: boolean }; secret: string };
  }

  const deliveries = async (subscriptionId: string) => {
    const res = await server.call('GET', `/v1/webhook-subscriptions/${subscriptionId}/deliveries?limit=100`, { key: tenant.secretKey });
    expect(res.status).toBe(200);
    return res.body.deliveries as any[];
  };

  const unfinishedDeliveryJobs = async () =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE tenant_id = $1 AND type = 'webhooks.deliver' AND state IN ('queued', 'failed', 'running')`, [tenant.id])).rows[0]!.n;

  it('delivers each event exactly once as a 2xx to a receiver that fails twice and then recovers, signed the Standard Webhooks way', async () => {
    receiver = await startReceiver((request, received) => {
      const id = String(request.headers['webhook-id']);
      const earlier = received.filter((entry) => entry.headers['webhook-id'] === id).length;
      return earlier < 2 ? { status: 503, body: 'try later' } : { status: 204 };
    });
    const { subscription, secret } = await subscribe(`${receiver.url}/hooks`);
    expect(secret).toMatch(/^whsec_/);
    const ids = [await emitLead(db, tenant.id, 'lead.created', 'lead_a'), await emitLead(db, tenant.id, 'lead.assigned', 'lead_b'), await emitLead(db, tenant.id, 'lead.sla_breached', 'lead_c')];

    const all = await eventually(async () => {
      const list = await deliveries(subscription.id);
      return list.length === 3 && list.every((delivery) => delivery.state === 'delivered') ? list : undefined;
    });
    // Nothing is left to run: no further request can come.
    expect(await unfinishedDeliveryJobs()).toBe(0);

    const acknowledged = receiver.received.filter((request) => request.status >= 200 && request.status < 300);
    expect(acknowledged.map((request) => header(request, 'webhook-id')).sort()).toEqual([...ids].sort());
    for (const id of ids) {
      const attempts = receiver.received.filter((request) => header(request, 'webhook-id') === id);
      expect(attempts.map((request) => request.status)).toEqual([503, 503, 204]);
      for (const request of attempts) {
        const payload = verifiedWith(secret, request);
        expect(payload.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
        expect(request.headers['content-type']).toBe('application/json');
      }
      // Same bytes on every attempt: only the timestamp and signature headers are fresh.
      expect(new Set(attempts.map((request) => request.body)).size).toBe(1);
    }
    const payloads = acknowledged.map((request) => verifiedWith(secret, request));
    expect(payloads.map((payload) => `${payload.type}:${payload.data.lead.id}`).sort()).toEqual(['lead.assigned:lead_b', 'lead.created:lead_a', 'lead.sla_breached:lead_c']);

    for (const delivery of all) {
      expect(delivery.attempts).toBe(3);
      expect(delivery.log.map((attempt: any) => [attempt.statusCode, attempt.outcome, attempt.error])).toEqual([
        [503, 'failed', 'http_status'],
        [503, 'failed', 'http_status'],
        [204, 'delivered', null],
      ]);
      expect(delivery.log[0].responseExcerpt).toBe('try later');
      expect(delivery.log[0].nextAttemptAt).not.toBeNull();
      expect(delivery.log.every((attempt: any) => Number.isInteger(attempt.durationMs) && attempt.trigger === 'schedule')).toBe(true);
      expect(delivery.deliveredAt).not.toBeNull();
    }
  });

  it('gives up after the schedule: dead after 1 + 3 attempts, nothing left to run', async () => {
    receiver = await startReceiver(() => ({ status: 500 }));
    const { subscription } = await subscribe(receiver.url);
    const eventId = await emitLead(db, tenant.id, 'lead.created', 'lead_dead');
    const [delivery] = await eventually(async () => {
      const list = await deliveries(subscription.id);
      return list[0]?.state === 'dead' ? list : undefined;
    });
    expect(delivery.eventId).toBe(eventId);
    expect(delivery.attempts).toBe(4);
    expect(delivery.log.at(-1).nextAttemptAt).toBeNull();
    expect(await unfinishedDeliveryJobs()).toBe(0);
    expect(receiver.received).toHaveLength(4);
  });

  it('honours Retry-After: the next attempt waits at least that long, however short the schedule', async () => {
    const RETRY_AFTER_SECONDS = 2;
    receiver = await startReceiver((_request, received) => (received.length === 0 ? { status: 429, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } } : { status: 200 }));
    const { subscription } = await subscribe(receiver.url);
    await emitLead(db, tenant.id, 'lead.created', 'lead_ra');
    const [first, second] = await receiver.waitFor((received) => received.length >= 2);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS * 1000);
    const [delivery] = await eventually(async () => {
      const list = await deliveries(subscription.id);
      return list[0]?.state === 'delivered' ? list : undefined;
    });
    const scheduledWait = Date.parse(delivery.log[0].nextAttemptAt) - Date.parse(delivery.log[0].at);
    expect(scheduledWait).toBeGreaterThanOrEqual(RETRY_AFTER_SECONDS * 1000);
    expect(delivery.log[0]).toMatchObject({ statusCode: 429, error: 'http_status' });
  });

  it('disables the subscription on 410 Gone: no more deliveries until it is enabled again', async () => {
    receiver = await startReceiver(() => ({ status: 410 }));
    const { subscription } = await subscribe(receiver.url);
    await emitLead(db, tenant.id, 'lead.created', 'lead_gone');
    const [delivery] = await eventually(async () => {
      const list = await deliveries(subscription.id);
      return list[0]?.state === 'dead' ? list : undefined;
    });
    expect(delivery.attempts).toBe(1);
    expect(delivery.log[0]).toMatchObject({ statusCode: 410, error: 'gone', nextAttemptAt: null });
    const view = await server.call('GET', `/v1/webhook-subscriptions/${subscription.id}`, { key: tenant.secretKey });
    expect(view.body.subscription).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('410') });

    // The next event is dispatched but not delivered to the disabled subscription.
    const later = await emitLead(db, tenant.id, 'lead.created', 'lead_after_gone');
    await eventually(async () => {
      const row = await db.query(`SELECT 1 FROM outbox_deliveries WHERE tenant_id = $1 AND event_id = $2 AND consumer = 'webhooks' AND state = 'delivered'`, [tenant.id, later]);
      return row.rows.length > 0 ? true : undefined;
    });
    expect(await deliveries(subscription.id)).toHaveLength(1);
    expect(receiver.received).toHaveLength(1);
    const replay = await server.call('POST', `/v1/webhook-deliveries/${delivery.id}/replay`, { key: tenant.secretKey });
    expect(replay.status).toBe(409);

    receiver.respond(() => ({ status: 200 }));
    const enabled = await server.call('POST', `/v1/webhook-subscriptions/${subscription.id}/enable`, { key: tenant.secretKey });
    expect(enabled.body.subscription.enabled).toBe(true);
    const resumed = await emitLead(db, tenant.id, 'lead.created', 'lead_resumed');
    await receiver.waitFor((received) => received.some((request) => request.headers['webhook-id'] === resumed && request.status === 200));
  });

  it('replays a delivery under the same webhook-id with a fresh timestamp and signature', async () => {
    receiver = await startReceiver(() => ({ status: 200 }));
    const { subscription, secret } = await subscribe(receiver.url);
    const eventId = await emitLead(db, tenant.id, 'lead.created', 'lead_replay');
    const [first] = await receiver.waitFor((received) => received.length === 1);
    const [delivery] = await eventually(async () => {
      const list = await deliveries(subscription.id);
      return list[0]?.state === 'delivered' ? list : undefined;
    });
    // Into the next second, so the fresh timestamp differs from the first one.
    const firstSecond = Number(header(first!, 'webhook-timestamp'));
    await eventually(async () => (Math.floor(Date.now() / 1000) > firstSecond ? true : undefined));

    const replay = await server.call('POST', `/v1/webhook-deliveries/${delivery.id}/replay`, { key: tenant.secretKey });
    expect(replay.status).toBe(202);
    expect(replay.body.delivery.eventId).toBe(eventId);
    const [, second] = await receiver.waitFor((received) => received.length === 2);
    expect(header(second!, 'webhook-id')).toBe(eventId);
    expect(second!.body).toBe(first!.body);
    expect(Number(header(second!, 'webhook-timestamp'))).toBeGreaterThan(firstSecond);
    expect(header(second!, 'webhook-signature')).not.toBe(header(first!, 'webhook-signature'));
    expect(verifiedWith(secret, second!).data.lead.id).toBe('lead_replay');
    const [after] = await eventually(async () => {
      const list = await deliveries(subscription.id);
      return list[0]?.attempts === 2 ? list : undefined;
    });
    expect(after.log.map((attempt: any) => attempt.trigger)).toEqual(['schedule', 'replay']);
    expect(after.state).toBe('delivered');
  });

  it('sends only the events a subscription asked for: exact types, prefixes and *', async () => {
    receiver = await startReceiver(() => ({ status: 200 }));
    tenant = await server.tenant();
    const make = async (events: string[]) =>
      (await server.call('POST', '/v1/webhook-subscriptions', { key: tenant.secretKey, body: { url: `${receiver.url}/${events.join('+')}`, events } })).body.subscription.id as string;
    await make(['lead.sla_breached']);
    await make(['lead.*']);
    await make(['*']);
    await emitLead(db, tenant.id, 'lead.created', 'lead_f1');
    await emitLead(db, tenant.id, 'lead.sla_breached', 'lead_f2');
    await db.transaction((tx) => emit(tx, { tenantId: tenant.id, type: 'deal.stalled', data: { deal: { id: 'deal_1' } } }));
    const received = await receiver.waitFor((all) => all.length >= 6);
    const byPath = (path: string) => received.filter((request) => request.url === path).map((request) => JSON.parse(request.body).type).sort();
    expect(byPath('/lead.sla_breached')).toEqual(['lead.sla_breached']);
    expect(byPath('/lead.*')).toEqual(['lead.created', 'lead.sla_breached']);
    expect(byPath('/*')).toEqual(['deal.stalled', 'lead.created', 'lead.sla_breached']);
    expect(JSON.parse(received.find((request) => request.url === '/*' && request.body.includes('deal.stalled'))!.body).data.deal.id).toBe('deal_1');
  });
});

describe.each(testEngines())('webhook delivery across a restart on $name', (engine) => {
  it('delivers an event committed just before the server stopped, once a new server runs on the same database', async () => {
    const db = await engine.open();
    const receiver = await startReceiver(() => ({ status: 200 }));
    try {
      // A poll interval far longer than the test: after its first poll, the first server dispatches nothing.
      const first = await startTestServer(db, { ...FAST, HUASHU_JOBS_INTERVAL_MS: '60000' });
      const tenant = await first.tenant();
      const created = await first.call('POST', '/v1/webhook-subscriptions', { key: tenant.secretKey, body: { url: receiver.url, events: ['*'] } });
      expect(created.status).toBe(201);
      // Its start-up poll has dispatched (nothing) and the next is a minute away.
      await eventually(async () => {
        const ticks = await db.query<{ done: number; open: number }>(
          `SELECT count(*) FILTER (WHERE state = 'succeeded')::int AS done, count(*) FILTER (WHERE state IN ('queued', 'running'))::int AS open FROM jobs WHERE tenant_id IS NULL AND type = 'outbox.dispatch'`,
        );
        return ticks.rows[0]!.done >= 1 && ticks.rows[0]!.open === 0 ? true : undefined;
      });
      const eventId = await emitLead(db, tenant.id, 'lead.created', 'lead_restart');
      await first.close();
      const pending = await db.query(`SELECT dispatched_at FROM outbox_events WHERE tenant_id = $1 AND id = $2`, [tenant.id, eventId]);
      expect(pending.rows[0]).toMatchObject({ dispatched_at: null });
      expect(receiver.received).toHaveLength(0);

      const second = await startTestServer(db, FAST);
      try {
        const [request] = await receiver.waitFor((received) => received.length >= 1);
        expect(request!.headers['webhook-id']).toBe(eventId);
        expect(verifiedWith(created.body.secret, request!).data.lead.id).toBe('lead_restart');
      } finally {
        await second.close();
      }
    } finally {
      await receiver.close();
      await db.close();
    }
  });
});
