import type { AssignmentReason, FieldProvenance, IdentityKind, Lead, LeadChannel, LeadMergeRecord, LeadTouchpoint } from '@huashu/core';
import type { Queryable } from '../platform/db/types.js';
import type { Identity } from './contact.js';

/** All SQL on leads, lead_touchpoints, lead_identities, lead_merges and lead_webhook_receipts. */

export interface LeadRow {
  id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  wechat: string | null;
  company: string | null;
  title: string | null;
  region: string | null;
  industry: string | null;
  source: string;
  source_id: string | null;
  campaign: string | null;
  consent: boolean | null;
  fields: Record<string, unknown>;
  provenance: Record<string, FieldProvenance>;
  anonymous_id: string | null;
  merged_into: string | null;
  owner_rep_id: string | null;
  assignee_name: string | null;
  assignment_rule_id: string | null;
  assignment_reason: AssignmentReason | null;
  first_response_due_at: Date | null;
  first_responded_at: Date | null;
  sla_breached_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const LEAD_COLUMNS = `id, name, phone, email, wechat, company, title, region, industry, source, source_id, campaign, consent, fields, provenance,
  anonymous_id, merged_into, owner_rep_id, assignee_name, assignment_rule_id, assignment_reason, first_response_due_at,
  first_responded_at, sla_breached_at, created_at, updated_at`;

const LEAD_COLUMNS_OF_L = LEAD_COLUMNS.split(',')
  .map((column) => `l.${column.trim()}`)
  .join(', ');

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

export function toLead(row: LeadRow, now = Date.now()): Lead {
  const due = row.first_response_due_at ? new Date(row.first_response_due_at).getTime() : null;
  return {
    id: row.id,
    name: row.name,
    phone: row.phone,
    email: row.email,
    wechat: row.wechat,
    company: row.company,
    title: row.title,
    region: row.region,
    industry: row.industry,
    source: row.source,
    campaign: row.campaign,
    consent: row.consent,
    fields: row.fields ?? {},
    assignee: row.owner_rep_id ? { id: row.owner_rep_id, name: row.assignee_name } : null,
    assignmentReason: row.assignment_reason,
    firstResponseDueAt: iso(row.first_response_due_at),
    firstRespondedAt: iso(row.first_responded_at),
    slaBreachedAt: iso(row.sla_breached_at),
    overdue: row.first_responded_at === null && due !== null && due <= now,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

export interface NewLead {
  id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  wechat: string | null;
  company: string | null;
  title: string | null;
  region: string | null;
  industry: string | null;
  source: string;
  sourceId: string | null;
  campaign: string | null;
  consent: boolean | null;
  fields: Record<string, unknown>;
  provenance: Record<string, FieldProvenance>;
  anonymousId: string | null;
  firstResponseDueAt: Date | null;
  createdAt: Date;
}

export async function insertLead(tx: Queryable, tenantId: string, lead: NewLead): Promise<LeadRow> {
  const result = await tx.query<LeadRow>(
    `INSERT INTO leads (id, tenant_id, name, phone, email, wechat, company, title, region, industry, source, source_id, campaign, consent,
       fields, provenance, anonymous_id, first_response_due_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)
     RETURNING ${LEAD_COLUMNS}`,
    [
      lead.id,
      tenantId,
      lead.name,
      lead.phone,
      lead.email,
      lead.wechat,
      lead.company,
      lead.title,
      lead.region,
      lead.industry,
      lead.source,
      lead.sourceId,
      lead.campaign,
      lead.consent,
      JSON.stringify(lead.fields),
      JSON.stringify(lead.provenance),
      lead.anonymousId,
      lead.firstResponseDueAt?.toISOString() ?? null,
      lead.createdAt.toISOString(),
    ],
  );
  return result.rows[0]!;
}

export async function findLead(db: Queryable, tenantId: string, id: string): Promise<LeadRow | undefined> {
  const result = await db.query<LeadRow>(`SELECT ${LEAD_COLUMNS} FROM leads WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return result.rows[0];
}

/** Locks the leads in a stable order (oldest first), so two transactions never wait on each other in a circle. */
export async function lockLeads(tx: Queryable, tenantId: string, ids: readonly string[]): Promise<LeadRow[]> {
  if (ids.length === 0) return [];
  const result = await tx.query<LeadRow>(
    `SELECT ${LEAD_COLUMNS} FROM leads WHERE tenant_id = $1 AND id = ANY($2::text[]) ORDER BY created_at, id FOR UPDATE`,
    [tenantId, ids],
  );
  return result.rows;
}

/** Writes the profile, contact, fields and provenance a merge or unmerge decided on. */
export async function updateLeadProfile(
  tx: Queryable,
  tenantId: string,
  id: string,
  row: Pick<LeadRow, 'name' | 'phone' | 'email' | 'wechat' | 'company' | 'title' | 'region' | 'industry' | 'campaign' | 'consent' | 'fields' | 'provenance'>,
): Promise<LeadRow> {
  const result = await tx.query<LeadRow>(
    `UPDATE leads SET name = $3, phone = $4, email = $5, wechat = $6, company = $7, title = $8, region = $9, industry = $10,
       campaign = $11, consent = $12, fields = $13, provenance = $14, updated_at = now()
     WHERE tenant_id = $1 AND id = $2
     RETURNING ${LEAD_COLUMNS}`,
    [tenantId, id, row.name, row.phone, row.email, row.wechat, row.company, row.title, row.region, row.industry, row.campaign, row.consent, JSON.stringify(row.fields), JSON.stringify(row.provenance)],
  );
  return result.rows[0]!;
}

export async function setMergedInto(tx: Queryable, tenantId: string, id: string, into: string | null): Promise<void> {
  await tx.query(`UPDATE leads SET merged_into = $3, status = CASE WHEN $3::text IS NULL THEN 'new' ELSE 'merged' END, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [
    tenantId,
    id,
    into,
  ]);
}

export async function setAssignment(
  tx: Queryable,
  tenantId: string,
  id: string,
  assignment: { repId: string | null; repName: string | null; ruleId: string | null; reason: AssignmentReason | null },
): Promise<LeadRow> {
  const result = await tx.query<LeadRow>(
    `UPDATE leads SET owner_rep_id = $3, assignee_name = $4, assignment_rule_id = $5, assignment_reason = $6,
       assigned_at = CASE WHEN $3::text IS NULL THEN NULL ELSE now() END, updated_at = now()
     WHERE tenant_id = $1 AND id = $2
     RETURNING ${LEAD_COLUMNS}`,
    [tenantId, id, assignment.repId, assignment.repName, assignment.ruleId, assignment.reason ? JSON.stringify(assignment.reason) : null],
  );
  return result.rows[0]!;
}

/** Stops the first-response clock once; undefined when the lead is not there (or not the rep's). */
export async function recordFirstResponse(db: Queryable, tenantId: string, id: string, by: string, onlyRep: string | null): Promise<{ row: LeadRow; already: boolean } | undefined> {
  const updated = await db.query<LeadRow>(
    `UPDATE leads SET first_responded_at = now(), first_response_by = $3, updated_at = now()
     WHERE tenant_id = $1 AND id = $2 AND merged_into IS NULL AND first_responded_at IS NULL AND ($4::text IS NULL OR owner_rep_id = $4)
     RETURNING ${LEAD_COLUMNS}`,
    [tenantId, id, by, onlyRep],
  );
  if (updated.rows[0]) return { row: updated.rows[0], already: false };
  const existing = await db.query<LeadRow>(
    `SELECT ${LEAD_COLUMNS} FROM leads WHERE tenant_id = $1 AND id = $2 AND merged_into IS NULL AND ($3::text IS NULL OR owner_rep_id = $3)`,
    [tenantId, id, onlyRep],
  );
  return existing.rows[0] ? { row: existing.rows[0], already: true } : undefined;
}

/**
 * Marks due, unanswered leads as breached and returns them — across tenants,
 * because the SLA sweep is one job for the whole server. `SKIP LOCKED` and the
 * `sla_breached_at IS NULL` re-check under the row lock make each lead come
 * back exactly once, however many replicas sweep at the same moment.
 */
export async function claimBreaches(tx: Queryable, limit: number): Promise<(LeadRow & { tenant_id: string })[]> {
  const result = await tx.query<LeadRow & { tenant_id: string }>(
    `UPDATE leads SET sla_breached_at = now()
     WHERE (tenant_id, id) IN (
       SELECT tenant_id, id FROM leads
       WHERE first_responded_at IS NULL AND sla_breached_at IS NULL AND merged_into IS NULL AND first_response_due_at <= now()
       ORDER BY first_response_due_at
       LIMIT $1
       FOR UPDATE SKIP LOCKED
     ) AND sla_breached_at IS NULL
     RETURNING tenant_id, ${LEAD_COLUMNS}`,
    [limit],
  );
  return result.rows;
}

// ——— Listing ———

export interface LeadFilter {
  phone?: string;
  email?: string;
  assignee?: string;
  source?: string;
  overdue?: boolean;
  createdFrom?: string;
  createdTo?: string;
  after?: { createdAt: string; id: string };
  limit: number;
}

/** Active leads, newest first, ties broken by id: the order the opaque cursor resumes. */
export async function listLeads(db: Queryable, tenantId: string, filter: LeadFilter): Promise<(LeadRow & { cursor_at: string })[]> {
  const where = ['l.merged_into IS NULL'];
  const params: unknown[] = [tenantId];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.phone) where.push(`l.id IN (SELECT i.lead_id FROM lead_identities i WHERE i.tenant_id = $1 AND i.kind = 'phone' AND i.value = ${param(filter.phone)})`);
  if (filter.email) where.push(`l.id IN (SELECT i.lead_id FROM lead_identities i WHERE i.tenant_id = $1 AND i.kind = 'email' AND i.value = ${param(filter.email)})`);
  if (filter.assignee) where.push(`l.owner_rep_id = ${param(filter.assignee)}`);
  if (filter.source) where.push(`EXISTS (SELECT 1 FROM lead_touchpoints t WHERE t.tenant_id = $1 AND t.lead_id = l.id AND t.source = ${param(filter.source)})`);
  if (filter.overdue === true) where.push('l.first_responded_at IS NULL AND l.first_response_due_at <= now()');
  if (filter.overdue === false) where.push('NOT (l.first_responded_at IS NULL AND l.first_response_due_at IS NOT NULL AND l.first_response_due_at <= now())');
  if (filter.createdFrom) where.push(`l.created_at >= ${param(filter.createdFrom)}::timestamptz`);
  if (filter.createdTo) where.push(`l.created_at < ${param(filter.createdTo)}::timestamptz`);
  if (filter.after) where.push(`(l.created_at, l.id) < (${param(filter.after.createdAt)}::timestamptz, ${param(filter.after.id)})`);
  const result = await db.query<LeadRow & { cursor_at: string }>(
    `SELECT ${LEAD_COLUMNS_OF_L}, to_char(l.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
     FROM leads l WHERE l.tenant_id = $1 AND ${where.join(' AND ')}
     ORDER BY l.created_at DESC, l.id DESC
     LIMIT ${param(filter.limit)}`,
    params,
  );
  return result.rows;
}

// ——— Identities ———

/**
 * Serialises every transaction that claims one of these identities: a
 * transaction-scoped advisory lock per identity, taken in one sorted order so
 * two submissions sharing several identities cannot deadlock. Together with the
 * primary key of lead_identities this makes concurrent duplicates one lead.
 */
export async function lockIdentities(tx: Queryable, tenantId: string, identities: readonly Identity[]): Promise<void> {
  if (identities.length === 0) return;
  const keys = identities.map((identity) => `${identity.kind}:${identity.value}`);
  await tx.query(
    `SELECT pg_advisory_xact_lock(hashtextextended('lead-identity:' || sorted.tenant_id || ':' || sorted.k, 0))
     FROM (SELECT $1::text AS tenant_id, k FROM unnest($2::text[]) AS k ORDER BY k) sorted`,
    [tenantId, keys],
  );
}

export async function leadIdsWithIdentities(tx: Queryable, tenantId: string, identities: readonly Identity[]): Promise<{ leadId: string; kind: IdentityKind; value: string }[]> {
  if (identities.length === 0) return [];
  const result = await tx.query<{ lead_id: string; kind: IdentityKind; value: string }>(
    `SELECT lead_id, kind, value FROM lead_identities
     WHERE tenant_id = $1 AND (kind, value) IN (SELECT * FROM unnest($2::text[], $3::text[]))`,
    [tenantId, identities.map((identity) => identity.kind), identities.map((identity) => identity.value)],
  );
  return result.rows.map((row) => ({ leadId: row.lead_id, kind: row.kind, value: row.value }));
}

/** Adds identities to a lead; returns those it did not have (an identity of another lead is left alone). */
export async function addIdentities(tx: Queryable, tenantId: string, leadId: string, identities: readonly Identity[], mergeId: string | null): Promise<Identity[]> {
  if (identities.length === 0) return [];
  const result = await tx.query<{ kind: IdentityKind; value: string }>(
    `INSERT INTO lead_identities (tenant_id, kind, value, lead_id, merge_id)
     SELECT $1, kind, value, $2, $3 FROM unnest($4::text[], $5::text[]) AS x(kind, value)
     ON CONFLICT (tenant_id, kind, value) DO NOTHING
     RETURNING kind, value`,
    [tenantId, leadId, mergeId, identities.map((identity) => identity.kind), identities.map((identity) => identity.value)],
  );
  return result.rows;
}

export async function identitiesOfLead(db: Queryable, tenantId: string, leadId: string): Promise<(Identity & { mergeId: string | null })[]> {
  const result = await db.query<{ kind: IdentityKind; value: string; merge_id: string | null }>(
    `SELECT kind, value, merge_id FROM lead_identities WHERE tenant_id = $1 AND lead_id = $2 ORDER BY created_at, kind, value`,
    [tenantId, leadId],
  );
  return result.rows.map((row) => ({ kind: row.kind, value: row.value, mergeId: row.merge_id }));
}

/** Moves identities between leads, each getting its recorded merge id. Only identities still on `from` move. */
export async function moveIdentities(tx: Queryable, tenantId: string, from: string, to: string, moves: readonly (Identity & { mergeId: string | null })[]): Promise<void> {
  if (moves.length === 0) return;
  await tx.query(
    `UPDATE lead_identities i SET lead_id = $3, merge_id = m.merge_id
     FROM unnest($4::text[], $5::text[], $6::text[]) AS m(kind, value, merge_id)
     WHERE i.tenant_id = $1 AND i.lead_id = $2 AND i.kind = m.kind AND i.value = m.value`,
    [tenantId, from, to, moves.map((move) => move.kind), moves.map((move) => move.value), moves.map((move) => move.mergeId)],
  );
}

// ——— Touchpoints ———

export interface NewTouchpoint {
  id: string;
  leadId: string;
  source: string;
  channel: LeadChannel;
  sourceId: string | null;
  campaign: string | null;
  page: string | null;
  idempotencyKey: string | null;
  webhookId: string | null;
  externalId: string | null;
  raw: unknown;
  submitted: unknown;
  mergeId: string | null;
  occurredAt: Date;
  receivedAt: Date;
}

/** Inserts a touchpoint unless its idempotency key is taken; false when a concurrent request won. */
export async function insertTouchpoint(tx: Queryable, tenantId: string, touch: NewTouchpoint): Promise<boolean> {
  const result = await tx.query(
    `INSERT INTO lead_touchpoints (id, tenant_id, lead_id, source, channel, source_id, campaign, page, idempotency_key, webhook_id,
       external_id, raw, submitted, merge_id, occurred_at, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
     ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`,
    [
      touch.id,
      tenantId,
      touch.leadId,
      touch.source,
      touch.channel,
      touch.sourceId,
      touch.campaign,
      touch.page,
      touch.idempotencyKey,
      touch.webhookId,
      touch.externalId,
      JSON.stringify(touch.raw ?? null),
      JSON.stringify(touch.submitted ?? null),
      touch.mergeId,
      touch.occurredAt.toISOString(),
      touch.receivedAt.toISOString(),
    ],
  );
  return result.rowCount > 0;
}

export async function findTouchpointByIdempotencyKey(db: Queryable, tenantId: string, key: string): Promise<{ id: string; leadId: string; mergeId: string | null } | undefined> {
  const result = await db.query<{ id: string; lead_id: string; merge_id: string | null }>(
    `SELECT id, lead_id, merge_id FROM lead_touchpoints WHERE tenant_id = $1 AND idempotency_key = $2`,
    [tenantId, key],
  );
  const row = result.rows[0];
  return row ? { id: row.id, leadId: row.lead_id, mergeId: row.merge_id } : undefined;
}

interface TouchpointRow {
  id: string;
  source: string;
  channel: LeadChannel;
  source_id: string | null;
  campaign: string | null;
  page: string | null;
  webhook_id: string | null;
  merge_id: string | null;
  occurred_at: Date;
  received_at: Date;
}

export async function touchpointsOfLead(db: Queryable, tenantId: string, leadId: string): Promise<LeadTouchpoint[]> {
  const result = await db.query<TouchpointRow>(
    `SELECT id, source, channel, source_id, campaign, page, webhook_id, merge_id, occurred_at, received_at
     FROM lead_touchpoints WHERE tenant_id = $1 AND lead_id = $2 ORDER BY occurred_at, received_at, id`,
    [tenantId, leadId],
  );
  return result.rows.map((row) => ({
    id: row.id,
    source: row.source,
    channel: row.channel,
    sourceId: row.source_id,
    campaign: row.campaign,
    page: row.page,
    payloadRef: row.webhook_id ? `webhook:${row.webhook_id}` : `api:${row.id}`,
    mergeId: row.merge_id,
    occurredAt: iso(row.occurred_at)!,
    receivedAt: iso(row.received_at)!,
  }));
}

export async function touchpointMergeIds(db: Queryable, tenantId: string, leadId: string): Promise<{ id: string; mergeId: string | null }[]> {
  const result = await db.query<{ id: string; merge_id: string | null }>(`SELECT id, merge_id FROM lead_touchpoints WHERE tenant_id = $1 AND lead_id = $2`, [tenantId, leadId]);
  return result.rows.map((row) => ({ id: row.id, mergeId: row.merge_id }));
}

/** The normalised submission a touchpoint recorded (what an unmerge restores a lead from). */
export async function touchpointSubmission(db: Queryable, tenantId: string, id: string): Promise<unknown> {
  const result = await db.query<{ submitted: unknown }>(`SELECT submitted FROM lead_touchpoints WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return result.rows[0]?.submitted;
}

export async function moveTouchpoints(tx: Queryable, tenantId: string, from: string, to: string, moves: readonly { id: string; mergeId: string | null }[]): Promise<void> {
  if (moves.length === 0) return;
  await tx.query(
    `UPDATE lead_touchpoints t SET lead_id = $3, merge_id = m.merge_id
     FROM unnest($4::text[], $5::text[]) AS m(id, merge_id)
     WHERE t.tenant_id = $1 AND t.lead_id = $2 AND t.id = m.id`,
    [tenantId, from, to, moves.map((move) => move.id), moves.map((move) => move.mergeId)],
  );
}

// ——— Merge journal ———

export interface MergeMoves {
  touchpoints: { id: string; mergeId: string | null }[];
  identities: (Identity & { mergeId: string | null })[];
  /** Fields of the survivor this merge filled (`name`, `fields.budget` …). */
  filled: string[];
}

export interface MergeRow {
  id: string;
  kind: 'submission' | 'lead';
  survivor_id: string;
  absorbed_id: string;
  matched_on: Identity[];
  moved: MergeMoves;
  absorbed_snapshot: NewLeadSnapshot | null;
  created_at: Date;
  undone_at: Date | null;
}

/** A submission's would-be lead, as JSON (dates as ISO strings). */
export type NewLeadSnapshot = Omit<NewLead, 'createdAt' | 'firstResponseDueAt'> & { createdAt: string; firstResponseDueAt: string | null };

export async function insertMerge(
  tx: Queryable,
  tenantId: string,
  merge: { id: string; kind: 'submission' | 'lead'; survivorId: string; absorbedId: string; matchedOn: Identity[]; moved: MergeMoves; snapshot: NewLeadSnapshot | null },
): Promise<MergeRow> {
  const result = await tx.query<MergeRow>(
    // clock_timestamp, not now(): two merges in one transaction keep their order.
    `INSERT INTO lead_merges (tenant_id, id, kind, survivor_id, absorbed_id, matched_on, moved, absorbed_snapshot, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, clock_timestamp())
     RETURNING id, kind, survivor_id, absorbed_id, matched_on, moved, absorbed_snapshot, created_at, undone_at`,
    [tenantId, merge.id, merge.kind, merge.survivorId, merge.absorbedId, JSON.stringify(merge.matchedOn), JSON.stringify(merge.moved), merge.snapshot ? JSON.stringify(merge.snapshot) : null],
  );
  return result.rows[0]!;
}

/** A merge into `survivorId` still in effect: the one named, or the latest. */
export async function findOpenMerge(tx: Queryable, tenantId: string, survivorId: string, mergeId: string | undefined): Promise<MergeRow | undefined> {
  const result = await tx.query<MergeRow>(
    `SELECT id, kind, survivor_id, absorbed_id, matched_on, moved, absorbed_snapshot, created_at, undone_at
     FROM lead_merges
     WHERE tenant_id = $1 AND survivor_id = $2 AND undone_at IS NULL AND ($3::text IS NULL OR id = $3)
     ORDER BY created_at DESC, id DESC LIMIT 1
     FOR UPDATE`,
    [tenantId, survivorId, mergeId ?? null],
  );
  return result.rows[0];
}

export async function markMergeUndone(tx: Queryable, tenantId: string, id: string, by: string): Promise<MergeRow> {
  const result = await tx.query<MergeRow>(
    `UPDATE lead_merges SET undone_at = now(), undone_by = $3 WHERE tenant_id = $1 AND id = $2
     RETURNING id, kind, survivor_id, absorbed_id, matched_on, moved, absorbed_snapshot, created_at, undone_at`,
    [tenantId, id, by],
  );
  return result.rows[0]!;
}

export function toMergeRecord(row: MergeRow): LeadMergeRecord {
  return {
    id: row.id,
    kind: row.kind,
    survivorId: row.survivor_id,
    absorbedLeadId: row.absorbed_id,
    matchedOn: row.matched_on,
    createdAt: iso(row.created_at)!,
    undoneAt: iso(row.undone_at),
  };
}

/** Merges this lead took part in, either side. */
export async function mergesOfLead(db: Queryable, tenantId: string, leadId: string): Promise<LeadMergeRecord[]> {
  const result = await db.query<MergeRow>(
    `SELECT id, kind, survivor_id, absorbed_id, matched_on, moved, absorbed_snapshot, created_at, undone_at
     FROM lead_merges WHERE tenant_id = $1 AND (survivor_id = $2 OR absorbed_id = $2) ORDER BY created_at, id`,
    [tenantId, leadId],
  );
  return result.rows.map(toMergeRecord);
}

// ——— Webhook receipts ———

/** Claims a webhook id for a source; false when it was processed already (or is being processed by a concurrent delivery, which this waits for). */
export async function claimWebhook(tx: Queryable, tenantId: string, sourceId: string, webhookId: string): Promise<boolean> {
  const result = await tx.query(
    `INSERT INTO lead_webhook_receipts (tenant_id, source_id, webhook_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
    [tenantId, sourceId, webhookId],
  );
  return result.rowCount > 0;
}

export async function setWebhookLead(tx: Queryable, tenantId: string, sourceId: string, webhookId: string, leadId: string): Promise<void> {
  await tx.query(`UPDATE lead_webhook_receipts SET lead_id = $4 WHERE tenant_id = $1 AND source_id = $2 AND webhook_id = $3`, [tenantId, sourceId, webhookId, leadId]);
}

export async function findWebhookLead(db: Queryable, tenantId: string, sourceId: string, webhookId: string): Promise<string | null | undefined> {
  const result = await db.query<{ lead_id: string | null }>(
    `SELECT lead_id FROM lead_webhook_receipts WHERE tenant_id = $1 AND source_id = $2 AND webhook_id = $3`,
    [tenantId, sourceId, webhookId],
  );
  return result.rows[0] ? result.rows[0].lead_id : undefined;
}

/** Follows merged_into to the lead that holds this one now (bounded: merges cannot form a cycle, but be safe). */
export async function activeLeadId(db: Queryable, tenantId: string, id: string): Promise<string> {
  const MAX_HOPS = 32;
  let current = id;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const result = await db.query<{ merged_into: string | null }>(`SELECT merged_into FROM leads WHERE tenant_id = $1 AND id = $2`, [tenantId, current]);
    const next = result.rows[0]?.merged_into;
    if (!next) return current;
    current = next;
  }
  return current;
}

export interface ReportLeadRow {
  id: string;
  name: string | null;
  company: string | null;
  industry: string | null;
  created_at: Date;
  sla_breached_at: Date | null;
}

/** A rep's leads (every lead of the tenant without a rep), newest first, optionally arrived or breached in a period: what reports count. */
export async function reportLeads(
  db: Queryable,
  tenantId: string,
  filter: { repId?: string; createdFrom?: Date; createdTo?: Date; breachedFrom?: Date; breachedTo?: Date; limit: number },
): Promise<ReportLeadRow[]> {
  const result = await db.query<ReportLeadRow>(
    `SELECT id, name, company, COALESCE(industry, fields->>'industry') AS industry, created_at, sla_breached_at FROM leads
     WHERE tenant_id = $1 AND merged_into IS NULL
       AND ($2::text IS NULL OR owner_rep_id = $2)
       AND ($3::timestamptz IS NULL OR created_at >= $3) AND ($4::timestamptz IS NULL OR created_at < $4)
       AND ($5::timestamptz IS NULL OR sla_breached_at >= $5) AND ($6::timestamptz IS NULL OR sla_breached_at < $6)
     ORDER BY created_at DESC, id DESC LIMIT $7`,
    [tenantId, filter.repId ?? null, filter.createdFrom ?? null, filter.createdTo ?? null, filter.breachedFrom ?? null, filter.breachedTo ?? null, filter.limit],
  );
  return result.rows;
}
