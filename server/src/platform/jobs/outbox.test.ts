import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../testing/engines.js';
import { Authenticator } from '../auth/authenticate.js';
import { createTenant } from '../auth/key-store.js';
import { loadConfig } from '../config.js';
import type { AppContext } from '../context.js';
import type { Database } from '../db/types.js';
import { createLogger } from '../logger.js';
import { createEmbedder } from '../../retrieval/embedder.js';
import { createJobRunner, dispatchOutbox, emit, enqueue, JobError, outboxDispatcher, type OutboxConsumer, type OutboxEvent } from './index.js';

const FAST_BACKOFF = { baseMs: 1, maxMs: 4 };
const EVENTS = 30;

function contextFor(db: Database): AppContext {
  const config = loadConfig({ LOG_LEVEL: 'silent', HUASHU_JOBS_INTERVAL_MS: '10' });
  return { db, config, logger: createLogger('silent'), authenticator: new Authenticator(db), embedder: createEmbedder(config) };
}

/** A consumer that records each delivery through the delivery transaction, as real consumers write. */
function recorder(name: string, types: OutboxConsumer['types'], options: { failFirst?: number; failAlways?: boolean } = {}): OutboxConsumer {
  let failures = 0;
  return {
    name,
    types,
    maxAttempts: 3,
    async deliver(_ctx, event, tx) {
      if (options.failAlways || failures < (options.failFirst ?? 0)) {
        failures++;
        throw new JobError('consumer_down', `${name} is down`);
      }
      await tx.query(`INSERT INTO outbox_test_received (tenant_id, consumer, event_id, type) VALUES ($1, $2, $3, $4)`, [event.tenantId, name, event.id, event.type]);
    },
  };
}

describe.each(testEngines())('transactional outbox on $name', (engine) => {
  let db: Database;
  let ctx: AppContext;
  let tenantId: string;
  const received = async (consumer: string) =>
    (await db.query<{ event_id: string; n: number }>(`SELECT event_id, count(*)::int AS n FROM outbox_test_received WHERE tenant_id = $1 AND consumer = $2 GROUP BY event_id`, [tenantId, consumer])).rows;

  beforeAll(async () => {
    db = await engine.open();
    ctx = contextFor(db);
    tenantId = (await createTenant(db, { name: 'Outbox', slug: 'outbox-test' })).id;
    await db.exec(`CREATE TABLE outbox_test_received (tenant_id text NOT NULL, consumer text NOT NULL, event_id text NOT NULL, type text NOT NULL)`);
    await db.exec(`CREATE TABLE outbox_test_domain (tenant_id text NOT NULL, id text PRIMARY KEY)`);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('commits or rolls back an event with its domain change', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO outbox_test_domain (tenant_id, id) VALUES ($1, 'lead-rolled-back')`, [tenantId]);
        await emit(tx, { tenantId, type: 'lead.created', data: { lead: { id: 'lead-rolled-back' } } });
        throw new Error('validation failed later in the transaction');
      }),
    ).rejects.toThrow();
    const committed = await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO outbox_test_domain (tenant_id, id) VALUES ($1, 'lead-committed')`, [tenantId]);
      return emit(tx, { tenantId, type: 'lead.created', data: { lead: { id: 'lead-committed' } } });
    });
    expect(committed.id).toMatch(/^evt_[0-9a-f-]{36}$/);
    const events = await db.query<{ id: string; data: unknown }>(`SELECT id, data FROM outbox_events WHERE tenant_id = $1`, [tenantId]);
    expect(events.rows).toEqual([{ id: committed.id, data: { lead: { id: 'lead-committed' } } }]);

    const seen: OutboxEvent[] = [];
    await dispatchOutbox(ctx, [{ name: 'spy', types: '*', deliver: async (_ctx, event) => void seen.push(event) }]);
    expect(seen).toEqual([{ id: committed.id, tenantId, type: 'lead.created', data: { lead: { id: 'lead-committed' } }, createdAt: expect.any(String) }]);
  });

  it('treats a repeated caller-chosen event id as the same event', async () => {
    const first = await emit(db, { tenantId, type: 'lead.merged', data: {}, id: 'evt_merge_1' });
    const again = await emit(db, { tenantId, type: 'lead.merged', data: {}, id: 'evt_merge_1' });
    expect(first).toEqual({ id: 'evt_merge_1', created: true });
    expect(again).toEqual({ id: 'evt_merge_1', created: false });
    await expect(emit(db, { tenantId, type: 'LeadCreated', data: {} })).rejects.toThrow(/noun\.verb/);
  });

  it('gives each consumer each event exactly once across two runners, retrying a failing consumer', async () => {
    // Leftovers from the tests above are dispatched first, so only this test's events count below.
    await dispatchOutbox(ctx, []);
    const consumers = [recorder('crm-webhooks', ['lead.created', 'lead.updated']), recorder('alerts', ['lead.updated'], { failFirst: 2 }), recorder('audit', '*')];
    const ids: string[] = [];
    for (let n = 0; n < EVENTS; n++) {
      const type = n % 3 === 0 ? 'lead.updated' : n % 3 === 1 ? 'lead.created' : 'deal.stalled';
      ids.push((await emit(db, { tenantId, type, data: { n } })).id);
    }
    // Each runner holds its own consumer instances, as separate processes would.
    const definitionFor = () => outboxDispatcher(consumers, { everyMs: 1, backoff: FAST_BACKOFF, batchSize: 7 });
    const a = createJobRunner(ctx, [definitionFor()], { backoff: FAST_BACKOFF, housekeeping: false, intervalMs: 2 });
    const b = createJobRunner(ctx, [definitionFor()], { backoff: FAST_BACKOFF, housekeeping: false, intervalMs: 2 });
    a.start();
    b.start();
    for (;;) {
      const pending = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events WHERE tenant_id = $1 AND dispatched_at IS NULL`, [tenantId]);
      if (pending.rows[0]!.n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await Promise.all([a.stop(), b.stop()]);

    const expected = (types: string[] | '*') => ids.filter((_, n) => types === '*' || types.includes(n % 3 === 0 ? 'lead.updated' : n % 3 === 1 ? 'lead.created' : 'deal.stalled')).sort();
    for (const consumer of consumers) {
      const rows = await received(consumer.name);
      expect(rows.map((row) => row.event_id).sort()).toEqual(expected(consumer.types === '*' ? '*' : [...consumer.types]));
      expect(rows.filter((row) => row.n !== 1)).toEqual([]);
    }
    const retried = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_deliveries WHERE tenant_id = $1 AND consumer = 'alerts' AND attempts > 1`, [tenantId]);
    expect(retried.rows[0]!.n).toBeGreaterThan(0);
  });

  it('gives up on an event for a consumer after its attempts and still dispatches it to the rest', async () => {
    const { id } = await emit(db, { tenantId, type: 'lead.assigned', data: {} });
    const consumers = [recorder('broken', '*', { failAlways: true }), recorder('fine', ['lead.assigned'])];
    for (let round = 0; round < 20; round++) {
      await dispatchOutbox(ctx, consumers, { backoff: FAST_BACKOFF });
      const event = await db.query<{ dispatched: boolean }>(`SELECT dispatched_at IS NOT NULL AS dispatched FROM outbox_events WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
      if (event.rows[0]!.dispatched) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const deliveries = await db.query<{ consumer: string; state: string; attempts: number; last_error: string | null }>(
      `SELECT consumer, state, attempts, last_error FROM outbox_deliveries WHERE tenant_id = $1 AND event_id = $2 ORDER BY consumer`,
      [tenantId, id],
    );
    expect(deliveries.rows).toEqual([
      { consumer: 'broken', state: 'dead', attempts: 3, last_error: 'JobError(consumer_down): broken is down' },
      { consumer: 'fine', state: 'delivered', attempts: 1, last_error: null },
    ]);
  });

  it('lets a consumer enqueue its own job in the delivery transaction, once per event', async () => {
    const { id } = await emit(db, { tenantId, type: 'lead.created', data: { lead: { id: 'l-42' } } });
    const webhooks: OutboxConsumer = {
      name: 'webhook-fanout',
      types: ['lead.created'],
      async deliver(_ctx, event, tx) {
        await enqueue(tx, { type: 'webhook.deliver', tenantId: event.tenantId, payload: { eventId: event.id } });
      },
    };
    await Promise.all([dispatchOutbox(ctx, [webhooks]), dispatchOutbox(ctx, [webhooks])]);
    await dispatchOutbox(ctx, [webhooks]);
    const jobs = await db.query<{ payload: unknown }>(`SELECT payload FROM jobs WHERE tenant_id = $1 AND type = 'webhook.deliver'`, [tenantId]);
    expect(jobs.rows.filter((row) => (row.payload as { eventId: string }).eventId === id)).toHaveLength(1);
  });
});
