import type { WebhookDeliveryState, WebhookKind } from '@huashu/core';
import type { Queryable } from '../platform/db/types.js';

/**
 * All SQL of the webhook tables. Secrets leave this file only towards signing
 * (`loadAttemptTarget`); subscription rows for views never carry them.
 */

export interface SubscriptionRow {
  tenant_id: string;
  id: string;
  url: string;
  kind: WebhookKind;
  events: string[];
  description: string | null;
  signed: boolean;
  disabled_at: Date | string | null;
  disabled_reason: string | null;
  created_at: Date | string;
}

const SUBSCRIPTION_COLUMNS = `tenant_id, id, url, kind, events, description, secret IS NOT NULL AS signed, disabled_at, disabled_reason, created_at`;

export async function insertSubscription(
  q: Queryable,
  tenantId: string,
  row: { id: string; url: string; kind: WebhookKind; events: string[]; secret: string | null; description: string | null },
): Promise<SubscriptionRow> {
  const result = await q.query<SubscriptionRow>(
    `INSERT INTO webhook_subscriptions (tenant_id, id, url, kind, events, secret, description)
     VALUES ($1, $2, $3, $4, $5::text[], $6, $7)
     RETURNING ${SUBSCRIPTION_COLUMNS}`,
    [tenantId, row.id, row.url, row.kind, row.events, row.secret, row.description],
  );
  return result.rows[0]!;
}

export async function listSubscriptions(q: Queryable, tenantId: string): Promise<SubscriptionRow[]> {
  const result = await q.query<SubscriptionRow>(`SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId]);
  return result.rows;
}

export async function findSubscription(q: Queryable, tenantId: string, id: string): Promise<SubscriptionRow | undefined> {
  const result = await q.query<SubscriptionRow>(`SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return result.rows[0];
}

/** Deletes it with its deliveries and their log. */
export async function deleteSubscription(q: Queryable, tenantId: string, id: string): Promise<boolean> {
  const result = await q.query(`DELETE FROM webhook_subscriptions WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return result.rowCount > 0;
}

/** Stops deliveries to it: its pending deliveries are cancelled (replay them once it is enabled again). */
export async function disableSubscription(q: Queryable, tenantId: string, id: string, reason: string): Promise<void> {
  await q.query(`UPDATE webhook_subscriptions SET disabled_at = now(), disabled_reason = $3 WHERE tenant_id = $1 AND id = $2 AND disabled_at IS NULL`, [tenantId, id, reason]);
  await q.query(
    `UPDATE webhook_deliveries SET state = 'cancelled', next_attempt_at = NULL WHERE tenant_id = $1 AND subscription_id = $2 AND state = 'pending'`,
    [tenantId, id],
  );
}

export async function enableSubscription(q: Queryable, tenantId: string, id: string): Promise<SubscriptionRow | undefined> {
  const result = await q.query<SubscriptionRow>(
    `UPDATE webhook_subscriptions SET disabled_at = NULL, disabled_reason = NULL WHERE tenant_id = $1 AND id = $2 RETURNING ${SUBSCRIPTION_COLUMNS}`,
    [tenantId, id],
  );
  return result.rows[0];
}

/** The enabled subscriptions of a tenant, for fan-out. */
export async function enabledSubscriptions(q: Queryable, tenantId: string): Promise<{ id: string; events: string[] }[]> {
  const result = await q.query<{ id: string; events: string[] }>(
    `SELECT id, events FROM webhook_subscriptions WHERE tenant_id = $1 AND disabled_at IS NULL ORDER BY created_at, id`,
    [tenantId],
  );
  return result.rows;
}

export async function insertMessage(q: Queryable, tenantId: string, message: { eventId: string; type: string; body: string }): Promise<void> {
  await q.query(
    `INSERT INTO webhook_messages (tenant_id, event_id, type, body) VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, event_id) DO NOTHING`,
    [tenantId, message.eventId, message.type, message.body],
  );
}

/** A new delivery with its first attempt numbered 1; undefined when this event already has one for this subscription. */
export async function insertDelivery(q: Queryable, tenantId: string, delivery: { id: string; subscriptionId: string; eventId: string }): Promise<string | undefined> {
  const result = await q.query<{ id: string }>(
    `INSERT INTO webhook_deliveries (tenant_id, id, subscription_id, event_id, next_attempt_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (tenant_id, subscription_id, event_id) DO NOTHING RETURNING id`,
    [tenantId, delivery.id, delivery.subscriptionId, delivery.eventId],
  );
  return result.rows[0]?.id;
}

export interface AttemptTarget {
  deliveryId: string;
  state: WebhookDeliveryState;
  scheduledAttempts: number;
  subscriptionId: string;
  url: string;
  kind: WebhookKind;
  secret: string | null;
  disabled: boolean;
  eventId: string;
  eventType: string;
  body: string;
}

/** Everything one attempt needs, secret included. */
export async function loadAttemptTarget(q: Queryable, tenantId: string, deliveryId: string): Promise<AttemptTarget | undefined> {
  const result = await q.query<{
    id: string;
    state: WebhookDeliveryState;
    scheduled_attempts: number;
    subscription_id: string;
    url: string;
    kind: WebhookKind;
    secret: string | null;
    disabled: boolean;
    event_id: string;
    type: string;
    body: string;
  }>(
    `SELECT d.id, d.state, d.scheduled_attempts, d.subscription_id, s.url, s.kind, s.secret, s.disabled_at IS NOT NULL AS disabled, d.event_id, m.type, m.body
     FROM webhook_deliveries d
     JOIN webhook_subscriptions s ON s.tenant_id = d.tenant_id AND s.id = d.subscription_id
     JOIN webhook_messages m ON m.tenant_id = d.tenant_id AND m.event_id = d.event_id
     WHERE d.tenant_id = $1 AND d.id = $2`,
    [tenantId, deliveryId],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  return {
    deliveryId: row.id,
    state: row.state,
    scheduledAttempts: row.scheduled_attempts,
    subscriptionId: row.subscription_id,
    url: row.url,
    kind: row.kind,
    secret: row.secret,
    disabled: row.disabled,
    eventId: row.event_id,
    eventType: row.type,
    body: row.body,
  };
}

export async function attemptRecorded(q: Queryable, tenantId: string, deliveryId: string, attempt: number): Promise<boolean> {
  const result = await q.query(`SELECT 1 FROM webhook_attempts WHERE tenant_id = $1 AND delivery_id = $2 AND attempt = $3`, [tenantId, deliveryId, attempt]);
  return result.rows.length > 0;
}

export interface AttemptRecord {
  deliveryId: string;
  attempt: number;
  trigger: 'schedule' | 'replay';
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  outcome: 'delivered' | 'failed';
  error: string | null;
  responseExcerpt: string | null;
  nextAttemptAt: Date | null;
}

/** False when this attempt was recorded already (its job ran again after a crash). */
export async function insertAttempt(q: Queryable, tenantId: string, record: AttemptRecord): Promise<boolean> {
  const result = await q.query(
    `INSERT INTO webhook_attempts (tenant_id, delivery_id, attempt, trigger, started_at, duration_ms, status_code, outcome, error, response_excerpt, next_attempt_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (tenant_id, delivery_id, attempt) DO NOTHING`,
    [
      tenantId,
      record.deliveryId,
      record.attempt,
      record.trigger,
      record.startedAt.toISOString(),
      record.durationMs,
      record.statusCode,
      record.outcome,
      record.error,
      record.responseExcerpt,
      record.nextAttemptAt?.toISOString() ?? null,
    ],
  );
  return result.rowCount > 0;
}

export async function markDelivered(q: Queryable, tenantId: string, deliveryId: string): Promise<void> {
  await q.query(
    `UPDATE webhook_deliveries SET state = 'delivered', delivered_at = coalesce(delivered_at, now()), next_attempt_at = NULL WHERE tenant_id = $1 AND id = $2`,
    [tenantId, deliveryId],
  );
}

/** After a failed scheduled attempt: counts it, and either numbers the next attempt (returned) or gives up. */
export async function scheduleNext(q: Queryable, tenantId: string, deliveryId: string, nextAt: Date | null): Promise<number | null> {
  const result = await q.query<{ seq: number; state: WebhookDeliveryState }>(
    `UPDATE webhook_deliveries SET
       scheduled_attempts = scheduled_attempts + 1,
       seq = CASE WHEN $3::timestamptz IS NULL THEN seq ELSE seq + 1 END,
       state = CASE WHEN $3::timestamptz IS NULL THEN 'dead' ELSE state END,
       next_attempt_at = $3::timestamptz
     WHERE tenant_id = $1 AND id = $2 AND state = 'pending'
     RETURNING seq, state`,
    [tenantId, deliveryId, nextAt?.toISOString() ?? null],
  );
  const row = result.rows[0];
  return row && row.state === 'pending' ? row.seq : null;
}

/** Counts a scheduled attempt that ended the delivery (410). */
export async function markDead(q: Queryable, tenantId: string, deliveryId: string): Promise<void> {
  await q.query(
    `UPDATE webhook_deliveries SET state = 'dead', scheduled_attempts = scheduled_attempts + 1, next_attempt_at = NULL WHERE tenant_id = $1 AND id = $2 AND state IN ('pending', 'cancelled')`,
    [tenantId, deliveryId],
  );
}

export async function cancelDelivery(q: Queryable, tenantId: string, deliveryId: string): Promise<void> {
  await q.query(`UPDATE webhook_deliveries SET state = 'cancelled', next_attempt_at = NULL WHERE tenant_id = $1 AND id = $2 AND state = 'pending'`, [tenantId, deliveryId]);
}

/** Numbers a replay attempt. */
export async function nextSeq(q: Queryable, tenantId: string, deliveryId: string): Promise<number | undefined> {
  const result = await q.query<{ seq: number }>(`UPDATE webhook_deliveries SET seq = seq + 1 WHERE tenant_id = $1 AND id = $2 RETURNING seq`, [tenantId, deliveryId]);
  return result.rows[0]?.seq;
}

export interface DeliveryRow {
  id: string;
  subscription_id: string;
  event_id: string;
  type: string;
  state: WebhookDeliveryState;
  next_attempt_at: Date | string | null;
  delivered_at: Date | string | null;
  created_at: Date | string;
  /** Full-precision text of created_at, for cursors. */
  created_key: string;
}

const DELIVERY_COLUMNS = `d.id, d.subscription_id, d.event_id, m.type, d.state, d.next_attempt_at, d.delivered_at, d.created_at, d.created_at::text AS created_key`;

export async function findDelivery(q: Queryable, tenantId: string, id: string): Promise<(DeliveryRow & { disabled: boolean }) | undefined> {
  const result = await q.query<DeliveryRow & { disabled: boolean }>(
    `SELECT ${DELIVERY_COLUMNS}, s.disabled_at IS NOT NULL AS disabled FROM webhook_deliveries d
     JOIN webhook_messages m ON m.tenant_id = d.tenant_id AND m.event_id = d.event_id
     JOIN webhook_subscriptions s ON s.tenant_id = d.tenant_id AND s.id = d.subscription_id
     WHERE d.tenant_id = $1 AND d.id = $2`,
    [tenantId, id],
  );
  return result.rows[0];
}

/** Newest first, after the (created_at, id) cursor when given. */
export async function listDeliveries(
  q: Queryable,
  tenantId: string,
  subscriptionId: string,
  options: { state?: WebhookDeliveryState; limit: number; after?: { createdAt: string; id: string } },
): Promise<DeliveryRow[]> {
  const result = await q.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d
     JOIN webhook_messages m ON m.tenant_id = d.tenant_id AND m.event_id = d.event_id
     WHERE d.tenant_id = $1 AND d.subscription_id = $2 AND ($3::text IS NULL OR d.state = $3)
       AND ($4::timestamptz IS NULL OR (d.created_at, d.id) < ($4::timestamptz, $5::text))
     ORDER BY d.created_at DESC, d.id DESC LIMIT $6`,
    [tenantId, subscriptionId, options.state ?? null, options.after?.createdAt ?? null, options.after?.id ?? null, options.limit],
  );
  return result.rows;
}

export interface AttemptRow {
  delivery_id: string;
  attempt: number;
  trigger: 'schedule' | 'replay';
  started_at: Date | string;
  duration_ms: number;
  status_code: number | null;
  outcome: 'delivered' | 'failed';
  error: string | null;
  response_excerpt: string | null;
  next_attempt_at: Date | string | null;
}

export async function attemptsOf(q: Queryable, tenantId: string, deliveryIds: readonly string[]): Promise<AttemptRow[]> {
  if (deliveryIds.length === 0) return [];
  const result = await q.query<AttemptRow>(
    `SELECT delivery_id, attempt, trigger, started_at, duration_ms, status_code, outcome, error, response_excerpt, next_attempt_at
     FROM webhook_attempts WHERE tenant_id = $1 AND delivery_id = ANY($2::text[]) ORDER BY delivery_id, attempt`,
    [tenantId, [...deliveryIds]],
  );
  return result.rows;
}

/**
 * Drops the bodies (and with them the deliveries and their log) of events
 * older than the retention, across tenants, a batch at a time; never one still
 * being delivered.
 */
export async function pruneMessages(q: Queryable, olderThanMs: number, batch: number): Promise<number> {
  const result = await q.query(
    `DELETE FROM webhook_messages WHERE (tenant_id, event_id) IN (
       SELECT m.tenant_id, m.event_id FROM webhook_messages m
       WHERE m.created_at < now() - $1::bigint * interval '1 millisecond'
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.tenant_id = m.tenant_id AND d.event_id = m.event_id AND d.state = 'pending')
       LIMIT $2)`,
    [olderThanMs, batch],
  );
  return result.rowCount;
}
