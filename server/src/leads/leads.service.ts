import { randomUUID } from 'node:crypto';
import {
  HuashuError,
  type FieldProvenance,
  type Lead,
  type LeadDetail,
  type LeadInput,
  type LeadListQuery,
  type LeadMergeRecord,
} from '@huashu/core';
import type { Database, Queryable } from '../platform/db/types.js';
import { assignLead } from './assignment.js';
import { identitiesOf, normaliseEmail, normalisePhone, PHONE_HINT, type Identity } from './contact.js';
import { submissionFromInput } from './intake.js';
import { emitLeadEvent } from './leads.events.js';
import * as store from './leads.store.js';
import type { LeadRow, MergeMoves, NewLead, NewLeadSnapshot } from './leads.store.js';
import type { LeadSubmission } from './leads.types.js';
import { firstResponseDue, slaPolicy, type SlaPolicy } from './sla.js';
import { findSourceBySlug } from './sources.store.js';

/**
 * One lead per person. A submission's identities (phone, email, WeChat id,
 * unionid) are locked, then looked up: no match creates a lead; a match merges
 * the contact into that lead; a submission matching several leads first folds
 * the newer leads into the oldest (each fold journaled), then joins it. Every
 * merge is journaled with exactly what it moved, so `unmerge` can undo it.
 */

export interface CaptureResult {
  lead: Lead;
  created: boolean;
  merged: boolean;
  /** The same idempotency key or webhook id had been processed: nothing new was stored. */
  replay: boolean;
}

/** A concurrent transaction changed what this one read; the capture starts over. */
class RetryCapture extends Error {}

const MAX_CAPTURE_ATTEMPTS = 5;
// unique_violation, serialization_failure, deadlock_detected
const RETRYABLE_SQLSTATES = new Set(['23505', '40001', '40P01']);

function isRetryable(error: unknown): boolean {
  if (error instanceof RetryCapture) return true;
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && RETRYABLE_SQLSTATES.has(code);
}

/** Runs a capture transaction, starting over when a concurrent one won a race this one cannot see from inside. */
async function withRetries<T>(db: Database, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(fn);
    } catch (error) {
      if (attempt >= MAX_CAPTURE_ATTEMPTS || !isRetryable(error)) throw error;
    }
  }
}

const PROFILE_COLUMNS = ['name', 'phone', 'email', 'wechat', 'company', 'title', 'region', 'industry', 'campaign', 'consent'] as const;
type ProfileColumn = (typeof PROFILE_COLUMNS)[number];

/** The lead a submission would be on its own, with the provenance of every field it supplies. */
function leadFromSubmission(id: string, sub: LeadSubmission, touchpointId: string, at: Date, due: Date | null): NewLead {
  const stamp: FieldProvenance = { source: sub.source, channel: sub.channel, touchpointId, mergeId: null, at: at.toISOString() };
  const lead: NewLead = {
    id,
    name: sub.profile.name,
    phone: sub.contact.phone,
    email: sub.contact.email,
    wechat: sub.contact.wechat,
    company: sub.profile.company,
    title: sub.profile.title,
    region: sub.profile.region,
    industry: sub.profile.industry,
    source: sub.source,
    sourceId: sub.sourceId,
    campaign: sub.profile.campaign,
    consent: sub.profile.consent,
    fields: sub.fields,
    provenance: {},
    anonymousId: sub.anonymousId,
    firstResponseDueAt: due,
    createdAt: at,
  };
  for (const column of PROFILE_COLUMNS) if (lead[column] !== null) lead.provenance[column] = stamp;
  for (const key of Object.keys(sub.fields)) lead.provenance[`fields.${key}`] = stamp;
  return lead;
}

function snapshotOf(lead: NewLead): NewLeadSnapshot {
  return { ...lead, createdAt: lead.createdAt.toISOString(), firstResponseDueAt: lead.firstResponseDueAt?.toISOString() ?? null };
}

type Profile = Pick<LeadRow, ProfileColumn | 'fields' | 'provenance'>;

/** Fills the target's empty fields from `from`, stamping each with the merge. Returns the fields filled. */
function fillEmpty(target: Profile, from: Profile, mergeId: string): string[] {
  const filled: string[] = [];
  for (const column of PROFILE_COLUMNS) {
    if (target[column] === null && from[column] !== null) {
      (target as Record<string, unknown>)[column] = from[column];
      const origin = from.provenance[column];
      if (origin) target.provenance[column] = { ...origin, mergeId };
      filled.push(column);
    }
  }
  for (const [key, value] of Object.entries(from.fields)) {
    if (Object.hasOwn(target.fields, key)) continue;
    target.fields[key] = value;
    const origin = from.provenance[`fields.${key}`];
    if (origin) target.provenance[`fields.${key}`] = { ...origin, mergeId };
    filled.push(`fields.${key}`);
  }
  return filled;
}

/** Clears what `mergeId` filled and nothing since changed. */
function unfill(target: Profile, filled: readonly string[], mergeId: string): void {
  for (const field of filled) {
    if (target.provenance[field]?.mergeId !== mergeId) continue;
    delete target.provenance[field];
    if (field.startsWith('fields.')) delete target.fields[field.slice('fields.'.length)];
    else (target as Record<string, unknown>)[field] = null;
  }
}

const profileOf = (row: LeadRow): Profile => ({
  name: row.name,
  phone: row.phone,
  email: row.email,
  wechat: row.wechat,
  company: row.company,
  title: row.title,
  region: row.region,
  industry: row.industry,
  campaign: row.campaign,
  consent: row.consent,
  fields: { ...(row.fields ?? {}) },
  provenance: { ...(row.provenance ?? {}) },
});

const profileOfNew = (lead: NewLead): Profile => ({ ...lead, fields: { ...lead.fields }, provenance: { ...lead.provenance } });

async function assignAndRecord(tx: Queryable, tenantId: string, row: LeadRow, at: Date): Promise<LeadRow> {
  const decision = await assignLead(tx, tenantId, { source: row.source, region: row.region, industry: row.industry, campaign: row.campaign }, at);
  if (!decision.reason) return row;
  const updated = await store.setAssignment(tx, tenantId, row.id, decision);
  if (decision.repId) {
    await emitLeadEvent(tx, tenantId, {
      type: 'lead.assigned',
      data: { lead: store.toLead(updated), assignee: { id: decision.repId, name: decision.repName }, rule: { id: decision.ruleId, name: decision.reason.ruleName }, reason: decision.reason },
    });
  }
  return updated;
}

/** Folds the existing lead `absorbed` into `survivor` (both locked by the caller). */
async function absorbLead(tx: Queryable, tenantId: string, survivor: LeadRow, absorbed: LeadRow, matchedOn: Identity[]): Promise<{ survivor: LeadRow; merge: LeadMergeRecord }> {
  const mergeId = `mrg_${randomUUID()}`;
  const touchpoints = await store.touchpointMergeIds(tx, tenantId, absorbed.id);
  const identities = await store.identitiesOfLead(tx, tenantId, absorbed.id);
  const profile = profileOf(survivor);
  const filled = fillEmpty(profile, profileOf(absorbed), mergeId);
  await store.moveTouchpoints(tx, tenantId, absorbed.id, survivor.id, touchpoints.map((t) => ({ id: t.id, mergeId })));
  await store.moveIdentities(tx, tenantId, absorbed.id, survivor.id, identities.map((i) => ({ kind: i.kind, value: i.value, mergeId })));
  await store.setMergedInto(tx, tenantId, absorbed.id, survivor.id);
  const updated = await store.updateLeadProfile(tx, tenantId, survivor.id, profile);
  const moved: MergeMoves = { touchpoints, identities, filled };
  const merge = await store.insertMerge(tx, tenantId, { id: mergeId, kind: 'lead', survivorId: survivor.id, absorbedId: absorbed.id, matchedOn, moved, snapshot: null });
  const record = store.toMergeRecord(merge);
  await emitLeadEvent(tx, tenantId, { type: 'lead.merged', data: { lead: store.toLead(updated), mergeId, kind: 'lead', absorbedLeadId: absorbed.id, matchedOn } });
  return { survivor: updated, merge: record };
}

/** The capture itself, in one transaction. */
async function captureIn(tx: Queryable, tenantId: string, sub: LeadSubmission, policy: SlaPolicy, now: Date): Promise<CaptureResult> {
  const replayOf = async (leadId: string, merged: boolean): Promise<CaptureResult> => {
    const active = await store.activeLeadId(tx, tenantId, leadId);
    const row = (await store.findLead(tx, tenantId, active))!;
    return { lead: store.toLead(row), created: false, merged, replay: true };
  };
  // Claimed first, before any identity lock: a concurrent delivery of the same
  // webhook waits here holding nothing, then sees it was processed.
  if (sub.webhookId && sub.sourceId && !(await store.claimWebhook(tx, tenantId, sub.sourceId, sub.webhookId))) {
    const leadId = await store.findWebhookLead(tx, tenantId, sub.sourceId, sub.webhookId);
    if (leadId) return replayOf(leadId, false);
    throw new RetryCapture();
  }
  const identities = identitiesOf(sub.contact);
  await store.lockIdentities(tx, tenantId, identities);
  if (sub.idempotencyKey) {
    const seen = await store.findTouchpointByIdempotencyKey(tx, tenantId, sub.idempotencyKey);
    if (seen) return replayOf(seen.leadId, seen.mergeId !== null);
  }
  const occurredAt = sub.occurredAt ?? now;
  const touchpointId = randomUUID();
  const due = firstResponseDue(now, policy);
  const matches = await store.leadIdsWithIdentities(tx, tenantId, identities);
  const touchpoint = (leadId: string, mergeId: string | null): store.NewTouchpoint => ({
    id: touchpointId,
    leadId,
    source: sub.source,
    channel: sub.channel,
    sourceId: sub.sourceId,
    campaign: sub.profile.campaign,
    page: sub.page,
    idempotencyKey: sub.idempotencyKey,
    webhookId: sub.webhookId,
    externalId: sub.externalId,
    raw: sub.raw,
    submitted: { contact: sub.contact, profile: sub.profile, fields: sub.fields, anonymousId: sub.anonymousId },
    mergeId,
    occurredAt,
    receivedAt: now,
  });
  const done = async (row: LeadRow, result: Omit<CaptureResult, 'lead' | 'replay'>): Promise<CaptureResult> => {
    if (sub.webhookId && sub.sourceId) await store.setWebhookLead(tx, tenantId, sub.sourceId, sub.webhookId, row.id);
    return { lead: store.toLead(row), ...result, replay: false };
  };

  if (matches.length === 0) {
    const lead = leadFromSubmission(randomUUID(), sub, touchpointId, now, due);
    let row = await store.insertLead(tx, tenantId, lead);
    // Another request with this idempotency key but other identities got in first.
    if (!(await store.insertTouchpoint(tx, tenantId, touchpoint(row.id, null)))) throw new RetryCapture();
    if ((await store.addIdentities(tx, tenantId, row.id, identities, null)).length !== identities.length) throw new RetryCapture();
    await emitLeadEvent(tx, tenantId, { type: 'lead.created', data: { lead: store.toLead(row), touchpoint: { id: touchpointId, source: sub.source, channel: sub.channel } } });
    row = await assignAndRecord(tx, tenantId, row, now);
    return done(row, { created: true, merged: false });
  }

  const leadIds = [...new Set(matches.map((match) => match.leadId))];
  const rows = await store.lockLeads(tx, tenantId, leadIds);
  // A lead read a moment ago was merged (or unmerged) by a transaction that just committed.
  if (rows.length !== leadIds.length || rows.some((row) => row.merged_into !== null)) throw new RetryCapture();
  let survivor = rows[0]!;
  const matchedOn = matches.map((match) => ({ kind: match.kind, value: match.value }));
  for (const absorbed of rows.slice(1)) {
    ({ survivor } = await absorbLead(tx, tenantId, survivor, absorbed, matchedOn));
  }
  const mergeId = `mrg_${randomUUID()}`;
  const wouldBe = leadFromSubmission(randomUUID(), sub, touchpointId, now, due);
  const profile = profileOf(survivor);
  const filled = fillEmpty(profile, profileOfNew(wouldBe), mergeId);
  if (!(await store.insertTouchpoint(tx, tenantId, touchpoint(survivor.id, mergeId)))) throw new RetryCapture();
  const added = await store.addIdentities(tx, tenantId, survivor.id, identities, mergeId);
  const updated = await store.updateLeadProfile(tx, tenantId, survivor.id, profile);
  const moved: MergeMoves = { touchpoints: [{ id: touchpointId, mergeId: null }], identities: added.map((identity) => ({ ...identity, mergeId: null })), filled };
  await store.insertMerge(tx, tenantId, { id: mergeId, kind: 'submission', survivorId: survivor.id, absorbedId: wouldBe.id, matchedOn, moved, snapshot: snapshotOf(wouldBe) });
  await emitLeadEvent(tx, tenantId, { type: 'lead.merged', data: { lead: store.toLead(updated), mergeId, kind: 'submission', absorbedLeadId: wouldBe.id, matchedOn } });
  return done(updated, { created: false, merged: true });
}

/** Stores a normalised submission: creates, merges or replays. Safe under any concurrency on both engines. */
export async function captureSubmission(db: Database, tenantId: string, sub: LeadSubmission, policy: SlaPolicy, options: { now?: Date } = {}): Promise<CaptureResult> {
  return withRetries(db, (tx) => captureIn(tx, tenantId, sub, policy, options.now ?? new Date()));
}

/**
 * `POST /v1/leads`. A `source` naming a registered lead source links the
 * touchpoint to it and takes its SLA; any other source gets the default SLA.
 */
export async function captureLead(db: Database, tenantId: string, input: LeadInput): Promise<CaptureResult> {
  const registered = await findSourceBySlug(db, tenantId, input.source.trim());
  const sub = submissionFromInput(input, 'api', { sourceId: registered?.id ?? null });
  return captureSubmission(db, tenantId, sub, slaPolicy(registered));
}

// ——— Reading ———

/**
 * Adds to a lead's detail what another domain knows (the signals domain sets
 * `intent`). Wired in modules.ts, so leads never imports the contributor.
 */
export type LeadEnricher = (ctx: { db: Queryable }, tenantId: string, lead: LeadDetail) => Promise<Partial<LeadDetail>>;

export interface Viewer {
  /** A rep sees only the leads assigned to them. */
  repId: string | null;
}

export async function getLead(db: Queryable, tenantId: string, id: string, options: { viewer?: Viewer; enrichers?: readonly LeadEnricher[] } = {}): Promise<LeadDetail & { mergedInto: string | null }> {
  const row = await store.findLead(db, tenantId, id);
  const repId = options.viewer?.repId ?? null;
  if (!row || (repId !== null && row.owner_rep_id !== repId)) throw new HuashuError('not_found', `lead ${id} not found`);
  let detail: LeadDetail & { mergedInto: string | null } = {
    ...store.toLead(row),
    mergedInto: row.merged_into,
    touchpoints: await store.touchpointsOfLead(db, tenantId, id),
    identities: (await store.identitiesOfLead(db, tenantId, id)).map(({ kind, value }) => ({ kind, value })),
    provenance: row.provenance ?? {},
    merges: await store.mergesOfLead(db, tenantId, id),
    intent: null,
  };
  for (const enrich of options.enrichers ?? []) detail = { ...detail, ...(await enrich({ db }, tenantId, detail)) };
  return detail;
}

const CURSOR_VERSION = 1;

function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([CURSOR_VERSION, at, id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [version, at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (version === CURSOR_VERSION && typeof at === 'string' && !Number.isNaN(Date.parse(at)) && typeof id === 'string' && id.length <= 64) return { createdAt: at, id };
  } catch {
    // falls through to the 400
  }
  throw new HuashuError('validation_failed', 'invalid query: cursor: is not a cursor this API returned', { issues: [{ path: 'cursor', message: 'is not a cursor this API returned' }] });
}

/**
 * Current intent scores (0–100) of these leads, from another domain (the
 * signals domain, wired in modules.ts): `GET /v1/leads?sort=intent`.
 */
/** `assignees` (lead id → rep id) lets the ranker score a rep's leads as that rep sees them (a pilot's rules). */
export type LeadRanker = (ctx: { db: Queryable }, tenantId: string, leadIds: readonly string[], assignees?: ReadonlyMap<string, string>) => Promise<Map<string, number>>;

/** `sort=intent` ranks at most this many leads matching the filters (the newest); pages are offsets into that ranking. */
export const MAX_RANKED_LEADS = 5000;

const OFFSET_CURSOR = 'intent';

function encodeOffsetCursor(offset: number): string {
  return Buffer.from(JSON.stringify([CURSOR_VERSION, OFFSET_CURSOR, offset]), 'utf8').toString('base64url');
}

function decodeOffsetCursor(cursor: string): number {
  try {
    const [version, kind, offset] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (version === CURSOR_VERSION && kind === OFFSET_CURSOR && Number.isInteger(offset) && (offset as number) >= 0 && (offset as number) < MAX_RANKED_LEADS) return offset as number;
  } catch {
    // falls through to the 400
  }
  throw new HuashuError('validation_failed', 'invalid query: cursor: is not a cursor this API returned for sort=intent', { issues: [{ path: 'cursor', message: 'is not a cursor this API returned for sort=intent' }] });
}

export async function listLeads(db: Queryable, tenantId: string, query: LeadListQuery, viewer: Viewer = { repId: null }, ranker?: LeadRanker): Promise<{ leads: Lead[]; nextCursor: string | null }> {
  const issue = (path: string, message: string) => new HuashuError('validation_failed', `invalid query: ${path}: ${message}`, { issues: [{ path, message }] });
  const phone = query.phone === undefined ? undefined : normalisePhone(query.phone);
  if (query.phone !== undefined && !phone) throw issue('phone', PHONE_HINT);
  const email = query.email === undefined ? undefined : normaliseEmail(query.email);
  if (query.email !== undefined && !email) throw issue('email', 'is not a valid email address');
  const filter = { phone, email, assignee: viewer.repId ?? query.assignee, source: query.source, overdue: query.overdue, createdFrom: query.createdFrom, createdTo: query.createdTo };
  if (query.sort === 'intent') {
    if (!ranker) throw issue('sort', 'intent is not available: this server runs without the signals domain');
    const offset = query.cursor ? decodeOffsetCursor(query.cursor) : 0;
    const candidates = await store.listLeads(db, tenantId, { ...filter, limit: MAX_RANKED_LEADS });
    const assignees = new Map(candidates.flatMap((row) => (row.owner_rep_id ? [[row.id, row.owner_rep_id] as const] : [])));
    const scores = await ranker({ db }, tenantId, candidates.map((row) => row.id), assignees);
    const ranked = candidates.map((row) => ({ row, score: scores.get(row.id) ?? 0 })).sort((a, b) => b.score - a.score);
    const page = ranked.slice(offset, offset + query.limit);
    return {
      leads: page.map(({ row, score }) => ({ ...store.toLead(row), intent: { score: Math.round(score) } })),
      nextCursor: offset + query.limit < ranked.length ? encodeOffsetCursor(offset + query.limit) : null,
    };
  }
  const rows = await store.listLeads(db, tenantId, {
    ...filter,
    after: query.cursor ? decodeCursor(query.cursor) : undefined,
    limit: query.limit + 1,
  });
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return { leads: page.map((row) => store.toLead(row)), nextCursor: rows.length > query.limit && last ? encodeCursor(last.cursor_at, last.id) : null };
}

// ——— First response ———

export async function recordFirstResponse(db: Queryable, tenantId: string, id: string, actor: { by: string; repId: string | null }): Promise<{ lead: Lead; alreadyResponded: boolean }> {
  const result = await store.recordFirstResponse(db, tenantId, id, actor.by, actor.repId);
  if (!result) throw new HuashuError('not_found', `lead ${id} not found`);
  return { lead: store.toLead(result.row), alreadyResponded: result.already };
}

// ——— Unmerge ———

/**
 * Undoes one merge into `leadId` (the one named, else the latest still in
 * effect): the absorbed lead comes back with the touchpoints, identities and
 * field values it brought; the survivor loses the values that merge filled.
 * An identity the two shared stays with the survivor (it was the survivor's
 * before the merge). A lead that has itself been merged away must be unmerged
 * from its survivor first (409).
 */
export async function unmergeLead(db: Database, tenantId: string, leadId: string, mergeId: string | undefined, actor: string): Promise<{ lead: LeadDetail; restored: LeadDetail; merge: LeadMergeRecord }> {
  const peek = await store.findOpenMerge(db, tenantId, leadId, mergeId);
  if (!peek) {
    const exists = await store.findLead(db, tenantId, leadId);
    if (!exists) throw new HuashuError('not_found', `lead ${leadId} not found`);
    throw new HuashuError('not_found', mergeId ? `merge ${mergeId} of lead ${leadId} not found or already undone` : `lead ${leadId} has no merge to undo`);
  }
  const { merge, restoredId } = await db.transaction(async (tx) => {
    // Identities first, in the order captures take them, then the rows.
    await store.lockIdentities(tx, tenantId, peek.moved.identities);
    const [survivor] = await store.lockLeads(tx, tenantId, [leadId]);
    if (!survivor) throw new HuashuError('not_found', `lead ${leadId} not found`);
    if (survivor.merged_into) throw new HuashuError('conflict', `lead ${leadId} was itself merged into ${survivor.merged_into}; undo that merge first`);
    const merge = await store.findOpenMerge(tx, tenantId, leadId, peek.id);
    if (!merge) throw new HuashuError('conflict', `merge ${peek.id} was undone concurrently`);
    let restored: LeadRow;
    if (merge.kind === 'lead') {
      const [absorbed] = await store.lockLeads(tx, tenantId, [merge.absorbed_id]);
      if (!absorbed || absorbed.merged_into !== leadId) throw new HuashuError('conflict', `lead ${merge.absorbed_id} is no longer merged into ${leadId}`);
      await store.setMergedInto(tx, tenantId, absorbed.id, null);
      restored = absorbed;
    } else {
      const snapshot = merge.absorbed_snapshot!;
      restored = await store.insertLead(tx, tenantId, {
        ...snapshot,
        createdAt: new Date(snapshot.createdAt),
        firstResponseDueAt: snapshot.firstResponseDueAt ? new Date(snapshot.firstResponseDueAt) : null,
      });
    }
    await store.moveTouchpoints(tx, tenantId, leadId, restored.id, merge.moved.touchpoints);
    await store.moveIdentities(tx, tenantId, leadId, restored.id, merge.moved.identities);
    const profile = profileOf(survivor);
    unfill(profile, merge.moved.filled, merge.id);
    await store.updateLeadProfile(tx, tenantId, leadId, profile);
    const undone = await store.markMergeUndone(tx, tenantId, merge.id, actor);
    if (merge.kind === 'submission') {
      const fresh = (await store.findLead(tx, tenantId, restored.id))!;
      const [first] = await store.touchpointsOfLead(tx, tenantId, restored.id);
      await emitLeadEvent(tx, tenantId, {
        type: 'lead.created',
        data: { lead: store.toLead(fresh), touchpoint: { id: first?.id ?? '', source: first?.source ?? fresh.source, channel: first?.channel ?? 'api' } },
      });
      await assignAndRecord(tx, tenantId, fresh, new Date());
    }
    const survivorNow = (await store.findLead(tx, tenantId, leadId))!;
    await emitLeadEvent(tx, tenantId, { type: 'lead.unmerged', data: { lead: store.toLead(survivorNow), restoredLeadId: restored.id, mergeId: merge.id } });
    return { merge: store.toMergeRecord(undone), restoredId: restored.id };
  });
  return { lead: await getLead(db, tenantId, leadId), restored: await getLead(db, tenantId, restoredId), merge };
}

// ——— SLA ———

/** Most breaches one sweep marks; the next tick takes the rest. */
export const SLA_SWEEP_BATCH = 500;

/**
 * Marks every lead whose first-response deadline passed unanswered and emits
 * `lead.sla_breached` for it in the same transaction — once per lead, however
 * many replicas sweep (see `claimBreaches`). Returns how many it marked.
 */
export async function sweepSlaBreaches(db: Database, limit = SLA_SWEEP_BATCH): Promise<number> {
  return db.transaction(async (tx) => {
    const breached = await store.claimBreaches(tx, limit);
    for (const row of breached) {
      const lead = store.toLead(row);
      await emitLeadEvent(tx, row.tenant_id, { type: 'lead.sla_breached', data: { lead, dueAt: lead.firstResponseDueAt!, assignee: lead.assignee } });
    }
    return breached.length;
  });
}

export type { ReportLeadRow } from './leads.store.js';

/** Leads for reports (reports/): a rep's or the tenant's, optionally those that arrived or breached their SLA in a period. */
export function leadsForReport(db: Queryable, tenantId: string, filter: Parameters<typeof store.reportLeads>[2]): Promise<store.ReportLeadRow[]> {
  return store.reportLeads(db, tenantId, filter);
}
