import { HuashuError, KNOWLEDGE_ENTRY_REVIEWED, KNOWLEDGE_OUTCOME_REPORTED, KnowledgeEntryInput, successRate, type KnowledgeEntry, type KnowledgeImportResult, type KnowledgeStatus, type SuccessRate } from '@huashu/core';
import type { Principal } from '../platform/auth/authenticate.js';
import type { AppContext } from '../platform/context.js';
import type { Queryable } from '../platform/db/types.js';
import { emit } from '../platform/jobs/index.js';
import { describeIssues, parseItem } from '../platform/validation.js';
import * as store from './knowledge.store.js';
import { upsertEntries, WRITE_CHUNK, type EntryData, type ListFilter } from './knowledge.store.js';
import { ensureVectorIndexes } from './vector-index.js';
import { domainGate } from './knowledge.learning.js';

export { searchKnowledge, DEFAULT_FLOORS, DEFAULT_WEIGHTS, type RetrievalMode, type SearchHit, type SearchOptions, type SearchResult } from './knowledge.search.js';
export { reindexTenant } from './reindex.js';
export { staleEmbeddingModels } from './knowledge.store.js';
export { DEFAULT_TIERS } from './knowledge.search.js';
export { learn, recordLesson, domainGate, tenantsDueForTraining, type OutcomeLesson } from './knowledge.learning.js';

/** Imports at least this big refresh the planner's statistics. */
const ANALYZE_AFTER = 50;

export type ImportProgress = (done: number, total: number) => void;

function statusFor(principal: Principal, requested: KnowledgeStatus | undefined): KnowledgeStatus {
  if (principal.kind === 'secret') return requested ?? 'approved';
  // Rep contributions always go through review; a rep may keep a draft.
  return requested === 'draft' ? 'draft' : 'pending_review';
}

/** `parsed` has been through KnowledgeEntryInput already (the route or the import loop). */
function toData(parsed: KnowledgeEntryInput, principal: Principal): EntryData {
  return {
    ...parsed,
    status: statusFor(principal, parsed.status),
    ...(principal.kind === 'rep' ? { authorRepId: principal.rep.repId, authorName: principal.rep.name } : {}),
  };
}

/**
 * Imports rows one by one into the result: an invalid row is reported by index
 * with its reason and the valid rows are stored. The same externalId updates.
 */
export async function importEntries(ctx: AppContext, principal: Principal, rows: readonly unknown[], onProgress?: ImportProgress): Promise<KnowledgeImportResult> {
  const result: KnowledgeImportResult = { imported: 0, updated: 0, rejected: [] };
  const valid: Array<{ index: number; data: EntryData }> = [];
  const lastIndexOf = new Map<string, number>();
  rows.forEach((row, index) => {
    const parsed = parseItem(KnowledgeEntryInput, row);
    if (!parsed.success) {
      const externalId = typeof (row as { externalId?: unknown })?.externalId === 'string' ? (row as { externalId: string }).externalId : undefined;
      result.rejected.push({ index, ...(externalId ? { externalId } : {}), reason: describeIssues(parsed.issues) });
      return;
    }
    if (parsed.data.externalId) lastIndexOf.set(parsed.data.externalId, index);
    valid.push({ index, data: toData(parsed.data, principal) });
  });
  const unique = valid.filter(({ index, data }) => {
    if (!data.externalId || lastIndexOf.get(data.externalId) === index) return true;
    result.rejected.push({ index, externalId: data.externalId, reason: `externalId repeats later in this import (row ${lastIndexOf.get(data.externalId)}); that row was used` });
    return false;
  });
  for (let start = 0; start < unique.length; start += WRITE_CHUNK) {
    const chunk = unique.slice(start, start + WRITE_CHUNK).map(({ data }) => data);
    const stored = await ctx.db.transaction((tx) => upsertEntries(tx, principal.tenantId, chunk, ctx.embedder, ctx.config.HUASHU_VERIFY_DAYS));
    for (const row of stored) row.inserted ? result.imported++ : result.updated++;
    onProgress?.(Math.min(start + WRITE_CHUNK, unique.length), unique.length);
  }
  result.rejected.sort((a, b) => a.index - b.index);
  await ensureVectorIndexes(ctx.db, principal.tenantId);
  // The domain gate retrains here, not on the next question.
  await domainGate(ctx.db, principal.tenantId);
  if (unique.length >= ANALYZE_AFTER) {
    // Fresh planner statistics: PGlite has no autovacuum, and on either engine a
    // plan made for an empty table turns the dense search into a nested loop.
    await ctx.db.exec('ANALYZE knowledge_entries; ANALYZE knowledge_embeddings');
  }
  return result;
}

/** One entry from the API or the contribute widget. */
export async function createEntry(ctx: AppContext, principal: Principal, input: KnowledgeEntryInput): Promise<KnowledgeEntry> {
  const data = toData(input, principal);
  const [stored] = await ctx.db.transaction((tx) => upsertEntries(tx, principal.tenantId, [data], ctx.embedder, ctx.config.HUASHU_VERIFY_DAYS));
  await ensureVectorIndexes(ctx.db, principal.tenantId);
  return store.getEntry(ctx.db, principal.tenantId, stored!.id);
}

/** One entry as `principal` may see it: reps see live entries and their own drafts; the rest of the queue is the reviewers'. */
export async function getVisibleEntry(ctx: AppContext, principal: Principal, id: string): Promise<KnowledgeEntry> {
  const entry = await store.getEntry(ctx.db, principal.tenantId, id);
  const visible = principal.kind !== 'rep' || entry.status === 'approved' || entry.authorRepId === principal.rep.repId || principal.rep.role !== 'rep';
  if (!visible) throw new HuashuError('not_found', `knowledge entry ${id} not found`);
  return entry;
}

/** Reviewers list the whole base; with `mine`, any rep lists their own contributions with the reviewers' notes. */
export function listEntries(ctx: AppContext, principal: Principal, filter: ListFilter & { mine?: boolean | undefined }) {
  const { mine, ...rest } = filter;
  if (mine) {
    if (principal.kind !== 'rep') throw new HuashuError('forbidden', 'mine=true lists a rep\'s own entries: it needs a rep token');
    return store.listEntries(ctx.db, principal.tenantId, { ...rest, authorRepId: principal.rep.repId });
  }
  requireReviewer(principal);
  return store.listEntries(ctx.db, principal.tenantId, rest);
}

/** Statuses in which an author may still change their entry; an approved one is the reviewers' to change. */
const AUTHOR_EDITABLE: ReadonlySet<KnowledgeStatus> = new Set(['draft', 'pending_review', 'changes_requested', 'rejected']);

/**
 * Rewrites an entry: the author answering a request for changes (it goes back
 * to review, or stays a draft), or a reviewer / the secret key editing any
 * live entry.
 */
export async function updateEntry(ctx: AppContext, principal: Principal, id: string, input: KnowledgeEntryInput): Promise<KnowledgeEntry> {
  const current = await getVisibleEntry(ctx, principal, id);
  const reviewer = principal.kind === 'secret' || (principal.kind === 'rep' && principal.rep.role !== 'rep');
  if (!reviewer) {
    if (principal.kind !== 'rep' || current.authorRepId !== principal.rep.repId) throw new HuashuError('not_found', `knowledge entry ${id} not found`);
    if (!AUTHOR_EDITABLE.has(current.status)) throw new HuashuError('conflict', `an entry in status ${current.status} is changed by a reviewer, not its author`);
  }
  if (current.status === 'archived') throw new HuashuError('conflict', 'an archived entry cannot be changed');
  const data: EntryData = { ...input, status: reviewer ? (input.status ?? current.status) : statusFor(principal, input.status) };
  await ctx.db.transaction((tx) => store.updateEntry(tx, principal.tenantId, id, data, ctx.embedder, ctx.config.HUASHU_VERIFY_DAYS));
  await ensureVectorIndexes(ctx.db, principal.tenantId);
  return store.getEntry(ctx.db, principal.tenantId, id);
}

export function reviewEntry(ctx: AppContext, principal: Principal, id: string, review: { decision: store.ReviewDecision; note?: string | undefined }): Promise<KnowledgeEntry> {
  const reviewer = requireReviewer(principal);
  // The decision and its event commit together: points are paid (or taken back) exactly when a review stands.
  return ctx.db.transaction(async (tx) => {
    const entry = await store.reviewEntry(tx, principal.tenantId, id, { ...review, reviewer }, ctx.config.HUASHU_VERIFY_DAYS);
    await emit(tx, { tenantId: principal.tenantId, type: KNOWLEDGE_ENTRY_REVIEWED, data: { entryId: entry.id, status: entry.status, authorRepId: entry.authorRepId, reviewer, note: review.note ?? null } });
    return entry;
  });
}

/** Records a rep's report (with its `knowledge.outcome_reported` event: pass a transaction) and returns the entry's success rate afterwards. */
export async function recordOutcome(
  db: Queryable,
  tenantId: string,
  outcome: { entryId: string; outcome: 'success' | 'failure'; leadId?: string | undefined; repId?: string | undefined; askId?: string | undefined },
): Promise<SuccessRate> {
  await store.recordOutcome(db, tenantId, outcome);
  await emit(db, { tenantId, type: KNOWLEDGE_OUTCOME_REPORTED, data: { entryId: outcome.entryId, outcome: outcome.outcome, repId: outcome.repId ?? null } });
  return successRate((await store.outcomesFor(db, tenantId, [outcome.entryId])).get(outcome.entryId) ?? { uses: 0, successes: 0 });
}

export function requireReviewer(principal: Principal): string {
  if (principal.kind === 'secret') return 'secret-key';
  if (principal.kind === 'rep' && (principal.rep.role === 'reviewer' || principal.rep.role === 'admin')) return principal.rep.repId;
  throw new HuashuError('forbidden', 'reviewing needs a secret key or a rep token with role reviewer or admin');
}

/** Scripts used with a lead and how they went (the lead timeline in reports/). */
export function outcomesOfLead(db: Queryable, tenantId: string, leadId: string, limit: number): Promise<store.LeadOutcomeRow[]> {
  return store.outcomesOfLead(db, tenantId, leadId, limit);
}
