import { MAX_EVENT_BYTES, TrackingEvent, type EventBatchResponse } from '@huashu/core';
import type { Database, Queryable } from '../platform/db/types.js';
import { describeIssues, parseItem } from '../platform/validation.js';
import * as store from './events.store.js';
import type { EventQuery, EventRow, StoredEvent } from './events.store.js';

/** Upper bound of an event's serialised size without its properties (ids, names, timestamp, keys). */
const EVENT_ENVELOPE_BYTES = 1024;


/**
 * Runs in the transaction that stored a batch, with its rows (repeats of an
 * already stored messageId included: a hook must be idempotent). The signals
 * domain evaluates its rules here; wired in modules.ts, so events never
 * imports its consumers. A throw rolls the batch back.
 */
export type EventsStoredHook = (tx: Queryable, tenantId: string, rows: readonly EventRow[], receivedAt: Date) => Promise<void>;

export interface IngestOptions {
  onStored?: EventsStoredHook;
}

/**
 * Validates each event on its own (one bad event never sinks the batch), drops
 * repeats of a messageId, corrects the device clock from the batch's `sentAt`
 * and stores everything in one statement.
 */
export async function ingestBatch(
  db: Queryable & { transaction?: Database['transaction'] },
  tenantId: string,
  batch: { sentAt: string; batch: unknown[] },
  receivedAt = new Date(),
  options: IngestOptions = {},
): Promise<EventBatchResponse> {
  // The device's clock error is the gap between when it says it sent and when we received.
  const skewMs = receivedAt.getTime() - Date.parse(batch.sentAt);
  const rejected: EventBatchResponse['rejected'] = [];
  const rows: EventRow[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  batch.batch.forEach((raw, index) => {
    // Also catches NUL and lone surrogates inside free-form properties, for this event alone.
    const parsed = parseItem(TrackingEvent, raw);
    if (!parsed.success) {
      rejected.push({ index, error: describeIssues(parsed.issues) });
      return;
    }
    const event = parsed.data;
    if (event.type === 'track' && !event.event) {
      rejected.push({ index, error: 'event: a track event needs an event name' });
      return;
    }
    // Every field but `properties` is bounded by the schema to well under 1 KB,
    // so the serialised properties (which are stored anyway) decide the size.
    const parsedProperties = event.properties ?? {};
    const properties = JSON.stringify(parsedProperties);
    const size = Buffer.byteLength(properties, 'utf8') + EVENT_ENVELOPE_BYTES;
    if (size > MAX_EVENT_BYTES) {
      rejected.push({ index, error: `event is about ${size} bytes; the limit is ${MAX_EVENT_BYTES}` });
      return;
    }
    if (seen.has(event.messageId)) {
      duplicates += 1;
      return;
    }
    seen.add(event.messageId);
    const corrected = Math.min(Date.parse(event.timestamp) + skewMs, receivedAt.getTime());
    rows.push({
      messageId: event.messageId,
      type: event.type,
      event: event.event ?? null,
      anonymousId: event.anonymousId ?? null,
      leadId: event.leadId ?? null,
      properties,
      parsedProperties,
      occurredAt: new Date(corrected).toISOString(),
    });
  });
  if (rows.length === 0) return { accepted: 0, duplicates, rejected };
  const { onStored } = options;
  const store_ = async (q: Queryable) => {
    const inserted = await store.insertEvents(q, tenantId, rows);
    if (onStored) await onStored(q, tenantId, rows, receivedAt);
    return inserted;
  };
  const accepted = onStored && db.transaction ? await db.transaction(store_) : await store_(db);
  return { accepted, duplicates: duplicates + rows.length - accepted, rejected };
}

/**
 * Distinct documents (`document_download` events, by `documentId`) each of
 * `leadIds` opened in [from, to): the pipeline's customer-trust metric counts
 * them as documents shared.
 */
export async function countDocumentDownloads(db: Queryable, tenantId: string, leadIds: readonly string[], period: { from: Date; to: Date }): Promise<Map<string, number>> {
  if (leadIds.length === 0) return new Map();
  return store.documentDownloadsByLead(db, tenantId, leadIds, period);
}

export type { EventKind, EventQuery, StoredEvent } from './events.store.js';

/** Stored events by messageId (a job re-evaluating a batch reads them back). */
export async function eventsByMessageIds(db: Queryable, tenantId: string, messageIds: readonly string[]): Promise<StoredEvent[]> {
  if (messageIds.length === 0) return [];
  return store.selectEventsByIds(db, tenantId, messageIds);
}

/** Stored behaviour events, for rules that look at history (sequences, the signals dry-run, a lead's activity). */
export async function listEvents(db: Queryable, tenantId: string, query: EventQuery): Promise<StoredEvent[]> {
  return store.selectEvents(db, tenantId, query);
}
