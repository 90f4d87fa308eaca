import type { Queryable } from '../platform/db/types.js';

/** A validated event ready to store; `properties` already serialised, `occurredAt` clock-corrected. */
export interface EventRow {
  messageId: string;
  type: string;
  event: string | null;
  anonymousId: string | null;
  leadId: string | null;
  properties: string;
  occurredAt: string;
}

/** Stores events in one statement; a messageId already stored is skipped. Returns how many were new. */
export async function insertEvents(db: Queryable, tenantId: string, rows: readonly EventRow[]): Promise<number> {
  const column = <K extends keyof EventRow>(key: K) => rows.map((row) => row[key]);
  const result = await db.query(
    `INSERT INTO events (tenant_id, message_id, type, event, anonymous_id, lead_id, properties, occurred_at)
     SELECT $1, m, t, e, a, l, p::jsonb, o::timestamptz
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS u(m, t, e, a, l, p, o)
     ON CONFLICT (tenant_id, message_id) DO NOTHING`,
    [
      tenantId,
      column('messageId'),
      column('type'),
      column('event'),
      column('anonymousId'),
      column('leadId'),
      column('properties'),
      column('occurredAt'),
    ],
  );
  return result.rowCount;
}

/** Distinct `documentId`s of `document_download` events per lead in [from, to). */
export async function documentDownloadsByLead(db: Queryable, tenantId: string, leadIds: readonly string[], period: { from: Date; to: Date }): Promise<Map<string, number>> {
  const result = await db.query<{ lead_id: string; n: number }>(
    `SELECT lead_id, count(DISTINCT properties->>'documentId')::int AS n FROM events
     WHERE tenant_id = $1 AND lead_id = ANY($2::text[]) AND type = 'track' AND event = 'document_download'
       AND occurred_at >= $3 AND occurred_at < $4
     GROUP BY lead_id`,
    [tenantId, leadIds, period.from, period.to],
  );
  return new Map(result.rows.map((row) => [row.lead_id, row.n]));
}

export interface StoredEvent {
  messageId: string;
  type: string;
  event: string | null;
  anonymousId: string | null;
  leadId: string | null;
  properties: Record<string, unknown>;
  occurredAt: Date;
}

export interface EventQuery {
  /** Events of these leads or of these anonymous visitors; both absent: every subject's. */
  leadIds?: readonly string[];
  anonymousIds?: readonly string[];
  /** Track events of these names; `pages` adds page views. Absent: every event but identify. */
  names?: readonly string[];
  pages?: boolean;
  from: Date;
  to: Date;
  limit: number;
  newestFirst?: boolean;
}

export async function selectEventsByIds(db: Queryable, tenantId: string, messageIds: readonly string[]): Promise<StoredEvent[]> {
  const result = await db.query<StoredEventRow>(
    `SELECT message_id, type, event, anonymous_id, lead_id, properties, occurred_at FROM events WHERE tenant_id = $1 AND message_id = ANY($2::text[]) ORDER BY occurred_at, message_id`,
    [tenantId, messageIds],
  );
  return result.rows.map(toStoredEvent);
}

interface StoredEventRow {
  message_id: string;
  type: string;
  event: string | null;
  anonymous_id: string | null;
  lead_id: string | null;
  properties: Record<string, unknown>;
  occurred_at: Date | string;
}

const toStoredEvent = (row: StoredEventRow): StoredEvent => ({
  messageId: row.message_id,
  type: row.type,
  event: row.event,
  anonymousId: row.anonymous_id,
  leadId: row.lead_id,
  properties: row.properties ?? {},
  occurredAt: new Date(row.occurred_at),
});

/** Events by subject, name and time (see `EventQuery`); the subject filter uses the lead and anonymous-id indexes. */
export async function selectEvents(db: Queryable, tenantId: string, query: EventQuery): Promise<StoredEvent[]> {
  const params: unknown[] = [tenantId, query.from, query.to];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = [`type <> 'identify'`];
  if (query.leadIds || query.anonymousIds) {
    where.push(`(lead_id = ANY(${param(query.leadIds ?? [])}::text[]) OR anonymous_id = ANY(${param(query.anonymousIds ?? [])}::text[]))`);
  }
  if (query.names) where.push(`((type = 'track' AND event = ANY(${param(query.names)}::text[]))${query.pages ? ` OR type = 'page'` : ''})`);
  const result = await db.query<StoredEventRow>(
    `SELECT message_id, type, event, anonymous_id, lead_id, properties, occurred_at FROM events
     WHERE tenant_id = $1 AND occurred_at >= $2 AND occurred_at <= $3 AND ${where.join(' AND ')}
     ORDER BY occurred_at ${query.newestFirst ? 'DESC' : 'ASC'}, message_id LIMIT ${param(query.limit)}`,
    params,
  );
  return result.rows.map(toStoredEvent);
}
