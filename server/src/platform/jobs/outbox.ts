import { randomUUID } from 'node:crypto';
import type { AppContext } from '../context.js';
import type { Queryable } from '../db/types.js';
import { backoffDelay, DEFAULT_BACKOFF, type Backoff } from './backoff.js';
import { describeError, isRetryable } from './errors.js';
import type { JobDefinition } from './types.js';

export interface OutboxEventInput {
  tenantId: string;
  /** `noun.verb`, e.g. `lead.created`. */
  type: string;
  data: unknown;
  /** A stable id of the caller's (emitting it twice is then a no-op). @default evt_<uuid> */
  id?: string;
}

export interface OutboxEvent {
  id: string;
  tenantId: string;
  type: string;
  data: unknown;
  createdAt: string;
}

/**
 * Something that reacts to domain events: webhook fan-out, alerts, intent
 * recomputation. `deliver` runs inside a transaction `tx` that also records
 * the delivery, so whatever it writes through `tx` (typically `enqueue(tx, …)`
 * of its own jobs) happens exactly once per event. Effects outside the
 * database (an HTTP call made right here) are at least once: a crash between
 * the call and the commit repeats them. So do slow or external work in a job
 * the consumer enqueues, not in `deliver`. On PGlite, query only through `tx`
 * inside `deliver`: the embedded engine has one connection and `ctx.db` would
 * wait for this very transaction.
 */
export interface OutboxConsumer {
  /** Stable: delivery state is recorded under it. */
  name: string;
  types: readonly string[] | '*';
  /** @default 10 */
  maxAttempts?: number;
  deliver(ctx: AppContext, event: OutboxEvent, tx: Queryable): Promise<void>;
}

const EVENT_TYPE = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const MAX_EVENT_ID_LENGTH = 100;

/**
 * Records a domain event in the caller's transaction: it exists exactly when
 * the change it describes committed. Consumers get it from the dispatcher.
 */
export async function emit(tx: Queryable, event: OutboxEventInput): Promise<{ id: string; created: boolean }> {
  if (!EVENT_TYPE.test(event.type)) throw new Error(`event type "${event.type}" must look like noun.verb (lead.created)`);
  if (event.id !== undefined && (event.id.length === 0 || event.id.length > MAX_EVENT_ID_LENGTH)) {
    throw new Error(`event id must be 1–${MAX_EVENT_ID_LENGTH} characters`);
  }
  const id = event.id ?? `evt_${randomUUID()}`;
  const result = await tx.query(
    `INSERT INTO outbox_events (tenant_id, id, type, data) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (tenant_id, id) DO NOTHING`,
    [event.tenantId, id, event.type, JSON.stringify(event.data ?? null)],
  );
  return { id, created: result.rowCount > 0 };
}

/**
 * The outbox insert over `select` (columns tenant_id, id, type, data), for a
 * domain statement that writes its rows and their events in one round trip —
 * it must take the same care `emitMany` takes: noun.verb types, stable ids.
 */
export function outboxInsertSql(select: string): string {
  return `INSERT INTO outbox_events (tenant_id, id, type, data) ${select} ON CONFLICT (tenant_id, id) DO NOTHING`;
}

/** Several events in one statement (the signals domain writes one per fired signal, hundreds a batch); same rules as `emit`. */
export async function emitMany(tx: Queryable, events: readonly OutboxEventInput[]): Promise<number> {
  if (events.length === 0) return 0;
  for (const event of events) {
    if (!EVENT_TYPE.test(event.type)) throw new Error(`event type "${event.type}" must look like noun.verb (lead.created)`);
    if (event.id !== undefined && (event.id.length === 0 || event.id.length > MAX_EVENT_ID_LENGTH)) throw new Error(`event id must be 1–${MAX_EVENT_ID_LENGTH} characters`);
  }
  const result = await tx.query(
    // One JSON document rather than arrays of JSON text, which the driver would escape quote by quote; a JSON null comes out as SQL NULL.
    outboxInsertSql(`SELECT tenant_id, i, y, coalesce(d, 'null'::jsonb) FROM jsonb_to_recordset($1::jsonb) AS u(tenant_id text, i text, y text, d jsonb)`),
    [JSON.stringify(events.map((e) => ({ tenant_id: e.tenantId, i: e.id ?? `evt_${randomUUID()}`, y: e.type, d: e.data ?? null })))],
    { prepare: true },
  );
  return result.rowCount;
}

export interface DispatchOptions {
  /** Events read per round. @default 100 */
  batchSize?: number;
  /** Between failed deliveries of one event to one consumer. @default 1 s doubling to 1 h */
  backoff?: Backoff;
}

/** A consumer failing for a whole day at the default backoff has been retried about ten times; then it gives up on that event. */
export const DEFAULT_DELIVERY_MAX_ATTEMPTS = 10;
const DEFAULT_BATCH_SIZE = 100;
/** One dispatch run stops after this many full rounds so a backlog cannot hold a job past its timeout; the next tick goes on. */
const MAX_ROUNDS_PER_RUN = 10;
/** An event whose delivery another dispatcher had in flight is looked at again after this. */
const RECHECK_MS = 1_000;

interface EventRow {
  tenant_id: string;
  id: string;
  type: string;
  data: unknown;
  created_at: Date | string;
}

interface DeliveryRow {
  tenant_id: string;
  event_id: string;
  consumer: string;
  state: 'delivered' | 'retrying' | 'dead';
  attempts: number;
  due: boolean;
}

const matches = (consumer: OutboxConsumer, type: string) => consumer.types === '*' || consumer.types.includes(type);

/**
 * Hands every undispatched event to each consumer that wants it, once. Safe to
 * run in several processes at once: the delivery row is inserted first in the
 * delivery transaction, so a second dispatcher waits on it and then finds the
 * event delivered. Events of one tenant are handed over roughly in order;
 * a retried one arrives after later ones.
 */
export async function dispatchOutbox(ctx: AppContext, consumers: readonly OutboxConsumer[], options: DispatchOptions = {}): Promise<{ delivered: number; failed: number }> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const totals = { delivered: 0, failed: 0 };
  for (let round = 0; round < MAX_ROUNDS_PER_RUN; round++) {
    const events = await ctx.db.query<EventRow>(
      `SELECT tenant_id, id, type, data, created_at FROM outbox_events
       WHERE dispatched_at IS NULL AND dispatch_after <= now()
       ORDER BY dispatch_after, created_at, id LIMIT $1`,
      [batchSize],
    );
    if (events.rows.length === 0) break;
    const deliveries = await ctx.db.query<DeliveryRow>(
      `SELECT tenant_id, event_id, consumer, state, attempts, coalesce(next_attempt_at <= now(), true) AS due FROM outbox_deliveries
       WHERE (tenant_id, event_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [events.rows.map((row) => row.tenant_id), events.rows.map((row) => row.id)],
    );
    const known = new Map(deliveries.rows.map((row) => [`${row.tenant_id}\n${row.event_id}\n${row.consumer}`, row]));
    for (const row of events.rows) {
      const event: OutboxEvent = { id: row.id, tenantId: row.tenant_id, type: row.type, data: row.data, createdAt: new Date(row.created_at).toISOString() };
      const wanted = consumers.filter((consumer) => matches(consumer, event.type));
      for (const consumer of wanted) {
        const prior = known.get(`${event.tenantId}\n${event.id}\n${consumer.name}`);
        if (prior && (prior.state !== 'retrying' || !prior.due)) continue;
        const outcome = await deliverOnce(ctx, consumer, event, prior?.attempts ?? 0, backoff);
        if (outcome === 'delivered') totals.delivered++;
        if (outcome === 'failed') totals.failed++;
      }
      await settle(ctx.db, event, wanted.map((consumer) => consumer.name));
    }
    if (events.rows.length < batchSize) break;
  }
  return totals;
}

async function deliverOnce(ctx: AppContext, consumer: OutboxConsumer, event: OutboxEvent, priorAttempts: number, backoff: Backoff): Promise<'delivered' | 'taken' | 'failed'> {
  try {
    const delivered = await ctx.db.transaction(async (tx) => {
      // Claim first: a concurrent dispatcher's identical insert waits for this
      // transaction, then finds the row delivered (or, after a rollback, claims it itself).
      const claimed = await tx.query(
        `INSERT INTO outbox_deliveries (tenant_id, event_id, consumer, state, attempts, delivered_at)
         VALUES ($1, $2, $3, 'delivered', 1, now())
         ON CONFLICT (tenant_id, event_id, consumer) DO UPDATE
           SET state = 'delivered', attempts = outbox_deliveries.attempts + 1, delivered_at = now(), next_attempt_at = NULL, last_error = NULL
           WHERE outbox_deliveries.state = 'retrying' AND outbox_deliveries.next_attempt_at <= now()`,
        [event.tenantId, event.id, consumer.name],
      );
      if (claimed.rowCount === 0) return false;
      await consumer.deliver(ctx, event, tx);
      return true;
    });
    return delivered ? 'delivered' : 'taken';
  } catch (error) {
    const failures = priorAttempts + 1;
    const giveUp = !isRetryable(error) || failures >= (consumer.maxAttempts ?? DEFAULT_DELIVERY_MAX_ATTEMPTS);
    const text = describeError(error);
    await ctx.db.query(
      `INSERT INTO outbox_deliveries (tenant_id, event_id, consumer, state, attempts, next_attempt_at, last_error)
       VALUES ($1, $2, $3, CASE WHEN $4::boolean THEN 'dead' ELSE 'retrying' END, 1,
               CASE WHEN $4::boolean THEN NULL ELSE now() + $5::bigint * interval '1 millisecond' END, $6)
       ON CONFLICT (tenant_id, event_id, consumer) DO UPDATE
         SET state = EXCLUDED.state, attempts = outbox_deliveries.attempts + 1, next_attempt_at = EXCLUDED.next_attempt_at, last_error = EXCLUDED.last_error
         WHERE outbox_deliveries.state = 'retrying'`,
      [event.tenantId, event.id, consumer.name, giveUp, backoffDelay(failures, backoff), text],
    );
    ctx.logger.warn({ consumer: consumer.name, eventId: event.id, eventType: event.type, tenantId: event.tenantId, attempt: failures, giveUp, error: text }, 'outbox delivery failed');
    return 'failed';
  }
}

/**
 * Marks the event dispatched once every consumer that wants it has it (or gave
 * up), judged from the committed delivery rows rather than this run's view;
 * otherwise postpones it to the earliest retry.
 */
async function settle(q: Queryable, event: OutboxEvent, consumerNames: readonly string[]): Promise<void> {
  await q.query(
    `WITH status AS (
       SELECT d.state, d.next_attempt_at FROM unnest($3::text[]) AS c(name)
       LEFT JOIN outbox_deliveries d ON d.tenant_id = $1 AND d.event_id = $2 AND d.consumer = c.name)
     UPDATE outbox_events SET
       dispatched_at = CASE WHEN NOT EXISTS (SELECT 1 FROM status WHERE state IS NULL OR state = 'retrying') THEN now() END,
       dispatch_after = coalesce((SELECT min(next_attempt_at) FROM status WHERE state = 'retrying'), now() + $4::bigint * interval '1 millisecond')
     WHERE tenant_id = $1 AND id = $2 AND dispatched_at IS NULL`,
    [event.tenantId, event.id, [...consumerNames], RECHECK_MS],
  );
}

/** The outbox dispatcher as a periodic job: each tick runs once across replicas. */
export function outboxDispatcher(consumers: readonly OutboxConsumer[], options: DispatchOptions & { everyMs?: number } = {}): JobDefinition {
  const names = new Set<string>();
  for (const consumer of consumers) {
    if (names.has(consumer.name)) throw new Error(`outbox consumer "${consumer.name}" is registered twice`);
    names.add(consumer.name);
  }
  return {
    type: 'outbox.dispatch',
    schedule: { everyMs: options.everyMs ?? DEFAULT_DISPATCH_EVERY_MS },
    async handler(ctx) {
      await dispatchOutbox(ctx, consumers, options);
    },
  };
}

/** Events reach consumers within about a second; pass HUASHU_JOBS_INTERVAL_MS to follow the poll interval. */
export const DEFAULT_DISPATCH_EVERY_MS = 1_000;
