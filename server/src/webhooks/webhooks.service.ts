import { randomBytes, randomUUID } from 'node:crypto';
import {
  HuashuError,
  WEBHOOK_SECRET,
  type FieldIssue,
  type WebhookAttempt,
  type WebhookDelivery,
  type WebhookDeliveryListQuery,
  type WebhookSubscription,
  WebhookSubscriptionInput,
} from '@huashu/core';
import { Webhook } from 'standardwebhooks';
import type { z } from 'zod';
import type { AppContext } from '../platform/context.js';
import type { Queryable } from '../platform/db/types.js';
import { enqueue, type OutboxConsumer, type OutboxEvent, type RunningJob } from '../platform/jobs/index.js';
import { describeIssues } from '../platform/validation.js';
import { VERSION } from '../platform/version.js';
import { hostIsBlocked, postWebhook, type PostResult } from './webhooks.http.js';
import { DEFAULT_RETRY_SCHEDULE_MS, parseRetryAfter, retryDelay } from './webhooks.retry.js';
import { maskRobotUrl, renderCard, robotErrorCode, robotRequest, type RobotKind } from './webhooks.robots.js';
import * as store from './webhooks.store.js';
import type { AttemptTarget, DeliveryRow, SubscriptionRow } from './webhooks.store.js';

export const DELIVERY_JOB = 'webhooks.deliver';
/** Bounds one attempt from DNS to the last byte read: a slow receiver cannot hold a worker. */
export const DELIVERY_TIMEOUT_MS = 15_000;
/** Read of an answer; robots' JSON verdicts are tiny, anything past this is not read. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** What the delivery log keeps of an answer. */
export const RESPONSE_EXCERPT_CHARS = 200;
/** Random bytes in a generated secret (Standard Webhooks asks for 24–64). */
const SECRET_BYTES = 32;
const HTTP_GONE = 410;

type SubscriptionInput = z.output<typeof WebhookSubscriptionInput>;

interface DeliveryJobPayload {
  deliveryId: string;
  /** Which attempt of the delivery this job is (its row in the log). */
  attempt: number;
  trigger: 'schedule' | 'replay';
}

const iso = (value: Date | string) => new Date(value).toISOString();
const isoOrNull = (value: Date | string | null) => (value === null ? null : iso(value));
const invalid = (issues: FieldIssue[]) => new HuashuError('validation_failed', `invalid body: ${describeIssues(issues)}`, { issues });
const notFound = (what: string, id: string) => new HuashuError('not_found', `no ${what} ${id}`);

function toSubscription(row: SubscriptionRow): WebhookSubscription {
  return {
    id: row.id,
    url: row.kind === 'standard' ? row.url : maskRobotUrl(row.kind, row.url),
    kind: row.kind,
    events: row.events,
    description: row.description,
    signed: row.signed,
    enabled: row.disabled_at === null,
    disabledAt: isoOrNull(row.disabled_at),
    disabledReason: row.disabled_reason,
    createdAt: iso(row.created_at),
  };
}

/** Whether an event type is wanted by a subscription's patterns: exact, `*`, or a prefix `lead.*`. */
export function matchesEvent(patterns: readonly string[], type: string): boolean {
  return patterns.some((pattern) => pattern === '*' || pattern === type || (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))));
}

/** Why `text` cannot be a webhook target, or undefined. */
async function urlProblem(text: string, allowPrivate: boolean): Promise<string | undefined> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL';
  if (url.username || url.password) return 'must not carry credentials (user:password@); sign with the subscription secret instead';
  if (!url.hostname) return 'must name a host';
  if (!allowPrivate && (await hostIsBlocked(url.hostname))) {
    return 'resolves to a loopback, private, link-local or otherwise non-public address (HUASHU_WEBHOOK_ALLOW_PRIVATE=1 allows them in development)';
  }
  return undefined;
}

/** Registers a target; a generated secret is in this answer only. */
export async function createSubscription(ctx: AppContext, tenantId: string, input: SubscriptionInput): Promise<{ subscription: WebhookSubscription; secret: string | null }> {
  const kind = input.kind ?? 'standard';
  const issues: FieldIssue[] = [];
  const problem = await urlProblem(input.url, ctx.config.HUASHU_WEBHOOK_ALLOW_PRIVATE);
  if (problem) issues.push({ path: 'url', message: problem });
  let secret: string | null = input.secret ?? null;
  if (kind === 'standard') {
    if (secret !== null && !WEBHOOK_SECRET.test(secret)) issues.push({ path: 'secret', message: 'must be whsec_ followed by base64 of 24–64 random bytes (or leave it out to get one)' });
    secret ??= `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`;
  } else if (kind === 'wecom' && secret !== null) {
    issues.push({ path: 'secret', message: 'WeCom group robots have no signing secret: the key in the URL is the credential' });
  }
  if (issues.length > 0) throw invalid(issues);
  const row = await store.insertSubscription(ctx.db, tenantId, {
    id: `whsub_${randomUUID()}`,
    url: input.url,
    kind,
    events: [...new Set(input.events)],
    secret,
    description: input.description ?? null,
  });
  return { subscription: toSubscription(row), secret: kind === 'standard' ? secret : null };
}

export async function listSubscriptions(ctx: AppContext, tenantId: string): Promise<{ subscriptions: WebhookSubscription[] }> {
  return { subscriptions: (await store.listSubscriptions(ctx.db, tenantId)).map(toSubscription) };
}

export async function getSubscription(ctx: AppContext, tenantId: string, id: string): Promise<{ subscription: WebhookSubscription }> {
  const row = await store.findSubscription(ctx.db, tenantId, id);
  if (!row) throw notFound('webhook subscription', id);
  return { subscription: toSubscription(row) };
}

export async function deleteSubscription(ctx: AppContext, tenantId: string, id: string): Promise<{ subscription: WebhookSubscription }> {
  return ctx.db.transaction(async (tx) => {
    const row = await store.findSubscription(tx, tenantId, id);
    if (!row || !(await store.deleteSubscription(tx, tenantId, id))) throw notFound('webhook subscription', id);
    return { subscription: toSubscription(row) };
  });
}

/** After a 410: deliveries resume with the next event; cancelled ones can be replayed. */
export async function enableSubscription(ctx: AppContext, tenantId: string, id: string): Promise<{ subscription: WebhookSubscription }> {
  const row = await store.enableSubscription(ctx.db, tenantId, id);
  if (!row) throw notFound('webhook subscription', id);
  return { subscription: toSubscription(row) };
}

function toAttempt(row: store.AttemptRow): WebhookAttempt {
  return {
    attempt: row.attempt,
    trigger: row.trigger,
    at: iso(row.started_at),
    durationMs: row.duration_ms,
    statusCode: row.status_code,
    outcome: row.outcome,
    error: row.error,
    responseExcerpt: row.response_excerpt,
    nextAttemptAt: isoOrNull(row.next_attempt_at),
  };
}

async function withLog(q: Queryable, tenantId: string, rows: readonly DeliveryRow[]): Promise<WebhookDelivery[]> {
  const attempts = await store.attemptsOf(
    q,
    tenantId,
    rows.map((row) => row.id),
  );
  return rows.map((row) => {
    const log = attempts.filter((attempt) => attempt.delivery_id === row.id).map(toAttempt);
    return {
      id: row.id,
      subscriptionId: row.subscription_id,
      eventId: row.event_id,
      eventType: row.type,
      state: row.state,
      attempts: log.length,
      nextAttemptAt: row.state === 'pending' ? isoOrNull(row.next_attempt_at) : null,
      deliveredAt: isoOrNull(row.delivered_at),
      createdAt: iso(row.created_at),
      log,
    };
  });
}

const encodeCursor = (row: DeliveryRow) => Buffer.from(JSON.stringify([row.created_key, row.id])).toString('base64url');

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(createdAt))) return { createdAt, id };
  } catch {
    // fall through to the 400
  }
  throw new HuashuError('validation_failed', 'invalid query: cursor: is not a cursor this API returned', { issues: [{ path: 'cursor', message: 'is not a cursor this API returned' }] });
}

/** A subscription's deliveries, newest first, each with its attempt log. */
export async function listDeliveries(ctx: AppContext, tenantId: string, subscriptionId: string, query: WebhookDeliveryListQuery): Promise<{ deliveries: WebhookDelivery[]; nextCursor: string | null }> {
  const after = query.cursor ? decodeCursor(query.cursor) : undefined;
  if (!(await store.findSubscription(ctx.db, tenantId, subscriptionId))) throw notFound('webhook subscription', subscriptionId);
  const rows = await store.listDeliveries(ctx.db, tenantId, subscriptionId, { state: query.state, limit: query.limit + 1, after });
  const page = rows.slice(0, query.limit);
  return { deliveries: await withLog(ctx.db, tenantId, page), nextCursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]!) : null };
}

const jobKey = (deliveryId: string, attempt: number) => `webhook:${deliveryId}:${attempt}`;

/**
 * Sends the event again now, under the same webhook-id with a fresh timestamp
 * and signature; one attempt, outside the retry schedule.
 */
export async function replayDelivery(ctx: AppContext, tenantId: string, deliveryId: string): Promise<{ delivery: WebhookDelivery; jobId: string }> {
  return ctx.db.transaction(async (tx) => {
    const row = await store.findDelivery(tx, tenantId, deliveryId);
    if (!row) throw notFound('webhook delivery', deliveryId);
    if (row.disabled) throw new HuashuError('conflict', 'the subscription is disabled; enable it first (POST /v1/webhook-subscriptions/:id/enable)');
    const attempt = (await store.nextSeq(tx, tenantId, deliveryId))!;
    const job = await enqueue(tx, { type: DELIVERY_JOB, tenantId, payload: { deliveryId, attempt, trigger: 'replay' } satisfies DeliveryJobPayload, dedupeKey: jobKey(deliveryId, attempt) });
    const [delivery] = await withLog(tx, tenantId, [row]);
    return { delivery: delivery!, jobId: job.id };
  });
}

/**
 * Fan-out: one delivery per enabled subscription that wants the event, each
 * with its first attempt enqueued — in the dispatcher's transaction, so exactly
 * once per event. Queries only through `tx` (PGlite has one connection).
 */
export const webhookConsumer: OutboxConsumer = {
  name: 'webhooks',
  types: '*',
  async deliver(_ctx: AppContext, event: OutboxEvent, tx: Queryable) {
    const subscriptions = (await store.enabledSubscriptions(tx, event.tenantId)).filter((subscription) => matchesEvent(subscription.events, event.type));
    if (subscriptions.length === 0) return;
    const body = JSON.stringify({ type: event.type, timestamp: event.createdAt, data: event.data });
    await store.insertMessage(tx, event.tenantId, { eventId: event.id, type: event.type, body });
    for (const subscription of subscriptions) {
      const id = await store.insertDelivery(tx, event.tenantId, { id: `whdel_${randomUUID()}`, subscriptionId: subscription.id, eventId: event.id });
      if (!id) continue;
      await enqueue(tx, { type: DELIVERY_JOB, tenantId: event.tenantId, payload: { deliveryId: id, attempt: 1, trigger: 'schedule' } satisfies DeliveryJobPayload, dedupeKey: jobKey(id, 1) });
    }
  },
};

interface Outcome {
  delivered: boolean;
  /** Stored in the log: a class, never a message. */
  error: string | null;
  gone: boolean;
  retryAfterMs: number | null;
}

/** Printable, one line, short: what the log keeps of an answer (JSON and text only). */
function excerpt(result: PostResult): string | null {
  if (!result.body) return null;
  const type = String(result.headers['content-type'] ?? '');
  if (type && !/json|text|xml/i.test(type)) return null;
  const text = result.body.replace(/[\p{C}]+/gu, ' ').replace(/\s+/g, ' ').trim();
  return text ? text.slice(0, RESPONSE_EXCERPT_CHARS) : null;
}

function judge(target: AttemptTarget, result: PostResult, now: number): Outcome {
  if (result.status === null) return { delivered: false, error: result.error ?? 'network_error', gone: false, retryAfterMs: null };
  const retryAfterMs = parseRetryAfter(result.headers['retry-after'], now);
  if (result.status === HTTP_GONE) return { delivered: false, error: 'gone', gone: true, retryAfterMs: null };
  if (result.status < 200 || result.status > 299) return { delivered: false, error: 'http_status', gone: false, retryAfterMs };
  if (target.kind !== 'standard') {
    const code = robotErrorCode(target.kind, result.body);
    if (code !== null) return { delivered: false, error: `robot_error(${code})`, gone: false, retryAfterMs };
  }
  return { delivered: true, error: null, gone: false, retryAfterMs: null };
}

/** The HTTP request of one attempt: fresh timestamp and signature, the same webhook-id and body. */
function buildRequest(target: AttemptTarget, now: number): { url: URL; headers: Record<string, string>; body: string } {
  const userAgent = `Huashu-Webhooks/${VERSION}`;
  if (target.kind === 'standard') {
    const signature = new Webhook(target.secret!).sign(target.eventId, new Date(now), target.body);
    return {
      url: new URL(target.url),
      body: target.body,
      headers: {
        'content-type': 'application/json',
        'user-agent': userAgent,
        'webhook-id': target.eventId,
        'webhook-timestamp': String(Math.floor(now / 1000)),
        'webhook-signature': signature,
      },
    };
  }
  const message = JSON.parse(target.body) as { type: string; timestamp: string; data: unknown };
  const request = robotRequest(target.kind as RobotKind, target.url, target.secret, renderCard(message.type, message.data, message.timestamp), now);
  return { url: request.url, body: request.body, headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': userAgent } };
}

/**
 * One attempt of one delivery (the `webhooks.deliver` job). At least once: a
 * crash after the HTTP call and before the log commits sends again under the
 * same webhook-id, which receivers de-duplicate on. A failure is recorded and
 * retried by enqueueing the next attempt, so the job itself succeeds.
 */
export async function attemptDelivery(ctx: AppContext, job: RunningJob): Promise<void> {
  const { deliveryId, attempt, trigger } = job.payload as DeliveryJobPayload;
  const tenantId = job.tenantId!;
  const target = await store.loadAttemptTarget(ctx.db, tenantId, deliveryId);
  // Deleted with its subscription, or this attempt already ran to the end.
  if (!target || (await store.attemptRecorded(ctx.db, tenantId, deliveryId, attempt))) return;
  if (trigger === 'schedule' && target.state !== 'pending') return;
  if (target.disabled) {
    if (trigger === 'schedule') await store.cancelDelivery(ctx.db, tenantId, deliveryId);
    return;
  }
  const startedAt = new Date();
  const now = startedAt.getTime();
  const request = buildRequest(target, now);
  const result = await postWebhook({
    ...request,
    timeoutMs: DELIVERY_TIMEOUT_MS,
    maxResponseBytes: MAX_RESPONSE_BYTES,
    allowPrivate: ctx.config.HUASHU_WEBHOOK_ALLOW_PRIVATE,
    signal: job.signal,
  });
  const outcome = judge(target, result, Date.now());
  const schedule = ctx.config.HUASHU_WEBHOOK_RETRY_SCHEDULE_MS ?? DEFAULT_RETRY_SCHEDULE_MS;
  const wait = !outcome.delivered && !outcome.gone && trigger === 'schedule' ? retryDelay(target.scheduledAttempts + 1, schedule, outcome.retryAfterMs) : null;
  const nextAt = wait === null ? null : new Date(Date.now() + wait);

  await ctx.db.transaction(async (tx) => {
    const fresh = await store.insertAttempt(tx, tenantId, {
      deliveryId,
      attempt,
      trigger,
      startedAt,
      durationMs: result.durationMs,
      statusCode: result.status,
      outcome: outcome.delivered ? 'delivered' : 'failed',
      error: outcome.error,
      responseExcerpt: excerpt(result),
      nextAttemptAt: nextAt,
    });
    if (!fresh) return;
    if (outcome.delivered) return store.markDelivered(tx, tenantId, deliveryId);
    if (outcome.gone) {
      if (trigger === 'schedule') await store.markDead(tx, tenantId, deliveryId);
      await store.disableSubscription(tx, tenantId, target.subscriptionId, 'the receiver answered 410 Gone');
      return;
    }
    if (trigger !== 'schedule') return;
    const next = await store.scheduleNext(tx, tenantId, deliveryId, nextAt);
    if (next !== null) {
      await enqueue(tx, { type: DELIVERY_JOB, tenantId, payload: { deliveryId, attempt: next, trigger: 'schedule' } satisfies DeliveryJobPayload, runAt: nextAt!, dedupeKey: jobKey(deliveryId, next) });
    }
  });
  if (!outcome.delivered) {
    // No URL (robot URLs carry tokens), no body: ids, the status and the error class.
    ctx.logger.warn(
      { tenantId, deliveryId, eventId: target.eventId, eventType: target.eventType, kind: target.kind, attempt, trigger, status: result.status, error: outcome.error, retryInMs: wait, disabled: outcome.gone },
      'webhook attempt failed',
    );
  }
}

/** Event bodies (and their deliveries' log) are kept this long, then pruned. */
export const WEBHOOK_RETENTION_MS = 30 * 24 * 3600_000;
const PRUNE_BATCH = 1_000;

export async function pruneWebhookLog(ctx: AppContext): Promise<number> {
  return store.pruneMessages(ctx.db, WEBHOOK_RETENTION_MS, PRUNE_BATCH);
}
