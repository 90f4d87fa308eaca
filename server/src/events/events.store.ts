import type { Database, Queryable } from '../platform/db/types.js';

/** A validated event ready to store; `properties` already serialised, `occurredAt` clock-corrected. */
export interface EventRow {
  messageId: string;
  type: string;
  event: string | null;
  anonymousId: string | null;
  leadId: string | null;
  properties: string;
  /** `properties` as the object it was serialised from, when the caller has it (hooks then need not parse it again). */
  parsedProperties?: Record<string, unknown>;
  occurredAt: string;
}

/**
 * Stores events in one statement; a messageId already stored is skipped.
 * Returns how many were new. The ledger insert decides what is new (its key
 * is the messageId alone; the partitioned table's key must carry occurred_at),
 * and only those rows reach `events`. `rows` hold each messageId once (the
 * service drops repeats within a batch).
 */
export async function insertEvents(db: Queryable, tenantId: string, rows: readonly EventRow[]): Promise<number> {
  const column = <K extends keyof EventRow>(key: K) => rows.map((row) => row[key]);
  const result = await db.query(
    `WITH input AS (
       SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[]) AS u(m, t, e, a, l, p, o)
     ), fresh AS (
       INSERT INTO event_message_ids (tenant_id, message_id, occurred_at) SELECT $1, m, o FROM input
       ON CONFLICT (tenant_id, message_id) DO NOTHING
       RETURNING message_id
     )
     INSERT INTO events (tenant_id, message_id, type, event, anonymous_id, lead_id, properties, occurred_at)
     SELECT $1, i.m, i.t, i.e, i.a, i.l, i.p::jsonb, i.o FROM input i JOIN fresh f ON f.message_id = i.m`,
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
  /** Instead of `names` and `pages`: events of any of these kinds (a reader that knows what it looks for reads fewer rows). */
  kinds?: readonly EventKind[];
  from: Date;
  to: Date;
  /** Per subject, a range inside [from, to] to read instead (a subject not named keeps [from, to]). */
  within?: { leads?: ReadonlyMap<string, TimeRange>; visitors?: ReadonlyMap<string, TimeRange> };
  limit: number;
  newestFirst?: boolean;
  /** A reader on the ingest path, whose text is fixed by its rule set (`QueryOptions.prepare`). */
  prepare?: boolean;
}

export interface TimeRange {
  from: Date;
  to: Date;
}

/** Track events of one name, or page views; with `equals`, only those whose top-level properties hold one of the given strings. */
export interface EventKind {
  type: 'track' | 'page';
  event?: string;
  equals?: readonly { property: string; anyOf: readonly string[] }[];
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

/**
 * Events by subject, name and time (see `EventQuery`). Each subject is looked up
 * on its own (a lateral join per lead and per anonymous id, kept from being
 * flattened by OFFSET 0) so the subject indexes are used whatever the
 * statistics say: with `lead_id = ANY(…) OR
 * anonymous_id = ANY(…)` and statistics not yet gathered (PGlite has no
 * autovacuum; a busy Postgres lags), the planner scanned every event of the
 * tenant in the time range.
 */
export async function selectEvents(db: Queryable, tenantId: string, query: EventQuery): Promise<StoredEvent[]> {
  const params: unknown[] = [tenantId, query.from, query.to];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = [`occurred_at >= $2`, `occurred_at <= $3`, `type <> 'identify'`];
  const what: string[] = [];
  if (query.kinds) {
    const kinds = query.kinds.map((kind) =>
      [kind.type === 'page' ? `type = 'page'` : `type = 'track' AND event = ${param(kind.event ?? '')}`, ...(kind.equals ?? []).map((test) => `properties->>${param(test.property)} = ANY(${param(test.anyOf)}::text[])`)].join(' AND '),
    );
    what.push(kinds.length > 0 ? `((${kinds.join(') OR (')}))` : 'false');
  } else if (query.names) what.push(`((type = 'track' AND event = ANY(${param(query.names)}::text[]))${query.pages ? ` OR type = 'page'` : ''})`);
  const columns = 'message_id, type, event, anonymous_id, lead_id, properties, occurred_at';
  let from = `(SELECT ${columns} FROM events WHERE tenant_id = $1 AND ${[...where, ...what].join(' AND ')})`;
  let outer = '';
  if (query.leadIds || query.anonymousIds) {
    const leadIds = [...new Set(query.leadIds ?? [])];
    const visitorIds = [...new Set(query.anonymousIds ?? [])];
    const rangeOf = (ranges: ReadonlyMap<string, TimeRange> | undefined, id: string) => ranges?.get(id) ?? query;
    const leads = param(leadIds);
    const leadFrom = param(leadIds.map((id) => rangeOf(query.within?.leads, id).from.toISOString()));
    const leadTo = param(leadIds.map((id) => rangeOf(query.within?.leads, id).to.toISOString()));
    const visitors = param(visitorIds);
    const visitorFrom = param(visitorIds.map((id) => rangeOf(query.within?.visitors, id).from.toISOString()));
    const visitorTo = param(visitorIds.map((id) => rangeOf(query.within?.visitors, id).to.toISOString()));
    // The second branch leaves out what the first returned (an event naming both subjects).
    from = `(SELECT e.* FROM unnest(${leads}::text[], ${leadFrom}::timestamptz[], ${leadTo}::timestamptz[]) AS s(id, f, t) CROSS JOIN LATERAL (SELECT ${columns} FROM events
         WHERE tenant_id = $1 AND ${where.join(' AND ')} AND lead_id = s.id AND occurred_at >= s.f AND occurred_at <= s.t OFFSET 0) e
       UNION ALL
       SELECT e.* FROM unnest(${visitors}::text[], ${visitorFrom}::timestamptz[], ${visitorTo}::timestamptz[]) AS v(id, f, t) CROSS JOIN LATERAL (SELECT ${columns} FROM events
         WHERE tenant_id = $1 AND ${where.join(' AND ')} AND anonymous_id = v.id AND occurred_at >= v.f AND occurred_at <= v.t
         AND (lead_id IS NULL OR lead_id <> ALL(${leads}::text[])) OFFSET 0) e)`;
    // What is read is tested once, above the branches, not in each partition's scan of each:
    // PGlite cannot keep a plan, and planning those copies of the test cost more than running them.
    if (what.length > 0) outer = `WHERE ${what.join(' AND ')}`;
  }
  const result = await db.query<StoredEventRow>(
    `SELECT ${columns} FROM ${from} e ${outer} ORDER BY occurred_at ${query.newestFirst ? 'DESC' : 'ASC'}, message_id LIMIT ${param(query.limit)}`,
    params,
    { prepare: query.prepare },
  );
  return result.rows.map(toStoredEvent);
}

/*
 * Month partitions of `events` (migration 0013). DDL cannot take parameters:
 * the names and bounds interpolated below are built from dates here, never
 * from input.
 */

/** `events_p202612` holds December 2026 (UTC). */
const PARTITION_NAME = /^events_p(\d{4})(\d{2})$/;
/** Serialises partition changes across replicas (each runs them at start-up). "hs" + 0x0e01. */
const PARTITION_LOCK_KEY = 0x6873_0e01;
/** Retention deletes rows left in the default partition in slices, so no run holds a long lock. */
const DELETE_SLICE = 5_000;
const EVENT_COLUMNS = 'tenant_id, message_id, type, event, anonymous_id, lead_id, properties, occurred_at, received_at';

export interface MonthPartition {
  name: string;
  from: Date;
  to: Date;
}

/** The first instant of the UTC month `offset` months from `date`'s. */
export function monthStart(date: Date, offset = 0): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1));
}

function partitionFor(from: Date): MonthPartition {
  const name = `events_p${from.getUTCFullYear()}${String(from.getUTCMonth() + 1).padStart(2, '0')}`;
  return { name, from, to: monthStart(from, 1) };
}

/** The month partitions that exist now (not the default one), oldest first. */
export async function monthPartitions(db: Queryable): Promise<MonthPartition[]> {
  const result = await db.query<{ name: string }>(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass`);
  return result.rows
    .map(({ name }) => PARTITION_NAME.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => partitionFor(new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1))))
    .sort((a, b) => a.from.getTime() - b.from.getTime());
}

/**
 * Creates the partitions of `now`'s month and the `ahead` months after it
 * that do not exist yet. Each is built beside the table, filled with the rows
 * of its month that had landed in the default partition, and attached: a
 * plain CREATE … PARTITION OF would fail once the default holds such a row.
 */
export async function ensureMonthPartitions(db: Database, now: Date, ahead: number): Promise<string[]> {
  const work = async (tx: Queryable) => {
    await tx.query(`SELECT pg_advisory_xact_lock($1)`, [PARTITION_LOCK_KEY]);
    const existing = new Set((await monthPartitions(tx)).map((partition) => partition.name));
    const created: string[] = [];
    for (let offset = 0; offset <= ahead; offset++) {
      const partition = partitionFor(monthStart(now, offset));
      if (existing.has(partition.name)) continue;
      const [from, to] = [partition.from.toISOString(), partition.to.toISOString()];
      await tx.exec(`CREATE TABLE ${partition.name} (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
      await tx.query(
        `WITH moved AS (DELETE FROM events_default WHERE occurred_at >= $1 AND occurred_at < $2 RETURNING ${EVENT_COLUMNS})
         INSERT INTO ${partition.name} (tenant_id, message_id, type, event, anonymous_id, lead_id, properties, occurred_at, received_at) SELECT ${EVENT_COLUMNS} FROM moved`,
        [from, to],
      );
      await tx.exec(`ALTER TABLE events ATTACH PARTITION ${partition.name} FOR VALUES FROM ('${from}') TO ('${to}')`);
      created.push(partition.name);
    }
    return created;
  };
  return db.transaction(work);
}

async function deleteInSlices(db: Queryable, sql: string, params: readonly unknown[]): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = (await db.query(sql, [...params, DELETE_SLICE])).rowCount;
    total += deleted;
    if (deleted < DELETE_SLICE) return total;
  }
}

/**
 * Removes every event (of every tenant) that occurred before `cutoff`, a
 * month boundary: whole partitions are dropped, rows in the default partition
 * deleted, and their messageIds leave the ledger with them (so the ledger
 * never forgets a messageId whose event is still stored).
 */
export async function dropEventsBefore(db: Database, cutoff: Date): Promise<{ partitions: string[]; rows: number }> {
  const dropped: string[] = [];
  const drop = async (tx: Queryable) => {
    await tx.query(`SELECT pg_advisory_xact_lock($1)`, [PARTITION_LOCK_KEY]);
    for (const partition of await monthPartitions(tx)) {
      if (partition.to.getTime() > cutoff.getTime()) continue;
      await tx.exec(`DROP TABLE ${partition.name}`);
      dropped.push(partition.name);
    }
  };
  await db.transaction(drop);
  const rows = await deleteInSlices(
    db,
    `DELETE FROM events_default WHERE (tenant_id, message_id, occurred_at) IN (SELECT tenant_id, message_id, occurred_at FROM events_default WHERE occurred_at < $1 LIMIT $2)`,
    [cutoff],
  );
  await deleteInSlices(
    db,
    `DELETE FROM event_message_ids WHERE (tenant_id, message_id) IN (SELECT tenant_id, message_id FROM event_message_ids WHERE occurred_at < $1 LIMIT $2)`,
    [cutoff],
  );
  return { partitions: dropped, rows };
}
