import { randomUUID } from 'node:crypto';
import { HuashuError, type Evidence, type KnowledgeEntry, type KnowledgeStatus } from '@huashu/core';
import type { Queryable } from '../platform/db/types.js';
import { embeddingText, type Embedder } from '../retrieval/embedder.js';
import { lexicalTerms } from '../retrieval/terms.js';
import { toSql } from '../platform/db/vector.js';

/** A validated entry ready to store. */
export interface EntryData {
  externalId?: string;
  question: string;
  answer: string;
  evidence: Evidence[];
  tags?: string[];
  industry?: string;
  product?: string;
  status: KnowledgeStatus;
  authorRepId?: string;
  authorName?: string;
}

export interface EntryRow {
  id: string;
  external_id: string | null;
  question: string;
  answer: string;
  evidence: Evidence[];
  tags: string[];
  industry: string | null;
  product: string | null;
  status: KnowledgeStatus;
  author_rep_id: string | null;
  verified_until: Date | null;
  created_at: Date;
  updated_at: Date;
}

export const ENTRY_COLUMNS =
  'id, external_id, question, answer, evidence, tags, industry, product, status, author_rep_id, verified_until, created_at, updated_at';

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

export function toEntry(row: EntryRow, now = Date.now()): KnowledgeEntry {
  const verifiedUntil = iso(row.verified_until);
  return {
    id: row.id,
    externalId: row.external_id,
    question: row.question,
    answer: row.answer,
    evidence: row.evidence,
    tags: row.tags ?? [],
    industry: row.industry,
    product: row.product,
    status: row.status,
    authorRepId: row.author_rep_id,
    verifiedUntil,
    stale: row.status === 'approved' && verifiedUntil !== null && Date.parse(verifiedUntil) < now,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

/** The lexical field of an entry: what the customer said plus its tags. */
export function entryTerms(entry: { question: string; tags?: readonly string[] }): string[] {
  return lexicalTerms(`${entry.question} ${(entry.tags ?? []).join(' ')}`);
}

export interface UpsertResult {
  id: string;
  inserted: boolean;
}

/**
 * Stores entries (insert, or update by externalId) with their lexical terms and
 * vectors, in batches of one statement each, inside the caller's transaction.
 * Approved entries get a fresh verification deadline.
 */
export async function upsertEntries(
  tx: Queryable,
  tenantId: string,
  entries: readonly EntryData[],
  embedder: Embedder,
  verifyDays: number,
): Promise<UpsertResult[]> {
  if (entries.length === 0) return [];
  const vectors = await embedder.embeddings.embedDocuments(entries.map((entry) => embeddingText(entry)));
  const terms = entries.map(entryTerms);
  const result = await tx.query<{ id: string; inserted: boolean }>(
    `INSERT INTO knowledge_entries AS k (id, tenant_id, external_id, question, answer, evidence, tags, industry, product, status,
        author_rep_id, author_name, verified_until, lexical_terms)
     SELECT u.id, $1, u.external_id, u.question, u.answer, u.evidence::jsonb,
            ARRAY(SELECT jsonb_array_elements_text(u.tags::jsonb)), u.industry, u.product, u.status,
            u.author_rep_id, u.author_name,
            CASE WHEN u.status = 'approved' THEN now() + make_interval(days => $2) END,
            ARRAY(SELECT jsonb_array_elements_text(u.terms::jsonb))
     FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                 $12::text[], $13::text[], $14::text[])
       AS u(id, external_id, question, answer, evidence, tags, industry, product, status, author_rep_id, author_name, terms)
     ON CONFLICT (tenant_id, external_id) DO UPDATE SET
       question = EXCLUDED.question, answer = EXCLUDED.answer, evidence = EXCLUDED.evidence, tags = EXCLUDED.tags,
       industry = EXCLUDED.industry, product = EXCLUDED.product, status = EXCLUDED.status,
       verified_until = CASE WHEN EXCLUDED.status = 'approved' THEN EXCLUDED.verified_until ELSE k.verified_until END,
       lexical_terms = EXCLUDED.lexical_terms, updated_at = now()
     WHERE k.tenant_id = $1
     RETURNING k.id, (xmax = 0) AS inserted`,
    [
      tenantId,
      verifyDays,
      entries.map(() => randomUUID()),
      entries.map((entry) => entry.externalId ?? null),
      entries.map((entry) => entry.question),
      entries.map((entry) => entry.answer),
      entries.map((entry) => JSON.stringify(entry.evidence)),
      entries.map((entry) => JSON.stringify(entry.tags ?? [])),
      entries.map((entry) => entry.industry ?? null),
      entries.map((entry) => entry.product ?? null),
      entries.map((entry) => entry.status),
      entries.map((entry) => entry.authorRepId ?? null),
      entries.map((entry) => entry.authorName ?? null),
      terms.map((list) => JSON.stringify(list)),
    ],
  );
  const rows = result.rows;
  await storeVectors(
    tx,
    tenantId,
    rows.map((row) => row.id),
    vectors,
    embedder.model,
  );
  return rows.map((row) => ({ id: row.id, inserted: row.inserted }));
}

export async function storeVectors(tx: Queryable, tenantId: string, ids: readonly string[], vectors: readonly number[][], model: string): Promise<void> {
  if (ids.length === 0) return;
  await tx.query(
    `INSERT INTO knowledge_embeddings (entry_id, tenant_id, model, dim, approved, embedding)
     SELECT u.id, $1, $2, $3, e.status = 'approved', u.v::vector
     FROM unnest($4::text[], $5::text[]) AS u(id, v) JOIN knowledge_entries e ON e.tenant_id = $1 AND e.id = u.id
     ON CONFLICT (entry_id) DO UPDATE SET model = EXCLUDED.model, dim = EXCLUDED.dim, approved = EXCLUDED.approved, embedding = EXCLUDED.embedding
     WHERE knowledge_embeddings.tenant_id = $1`,
    [tenantId, model, vectors[0]!.length, ids, vectors.map(toSql)],
  );
}

export async function getEntry(db: Queryable, tenantId: string, id: string): Promise<KnowledgeEntry> {
  const result = await db.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM knowledge_entries WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  if (!result.rows[0]) throw new HuashuError('not_found', `knowledge entry ${id} not found`);
  return toEntry(result.rows[0]);
}

export interface ListFilter {
  status?: KnowledgeStatus;
  /** Approved entries whose verification has expired. */
  stale?: boolean;
  limit: number;
  offset: number;
}

export async function listEntries(db: Queryable, tenantId: string, filter: ListFilter): Promise<{ entries: KnowledgeEntry[]; total: number }> {
  const conditions: string[] = [];
  const params: unknown[] = [tenantId];
  if (filter.status) {
    params.push(filter.status);
    conditions.push(`AND status = $${params.length}`);
  }
  if (filter.stale) conditions.push(`AND status = 'approved' AND verified_until < now()`);
  const more = conditions.join(' ');
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM knowledge_entries WHERE tenant_id = $1 ${more}`, params);
  const rows = await db.query<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM knowledge_entries WHERE tenant_id = $1 ${more} ORDER BY created_at, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, filter.limit, filter.offset],
  );
  return { entries: rows.rows.map((row) => toEntry(row)), total: total.rows[0]!.n };
}

export async function reviewEntry(
  db: Queryable,
  tenantId: string,
  id: string,
  review: { decision: 'approve' | 'reject'; note?: string; reviewer: string },
  verifyDays: number,
): Promise<KnowledgeEntry> {
  const current = await getEntry(db, tenantId, id);
  if (current.status === 'archived') throw new HuashuError('conflict', 'an archived entry cannot be reviewed');
  const status = review.decision === 'approve' ? 'approved' : 'rejected';
  const result = await db.query<EntryRow>(
    `UPDATE knowledge_entries SET status = $3, review_note = $4, reviewed_by = $5, reviewed_at = now(), updated_at = now(),
       verified_until = CASE WHEN $3 = 'approved' THEN now() + make_interval(days => $6) ELSE verified_until END
     WHERE tenant_id = $1 AND id = $2 RETURNING ${ENTRY_COLUMNS}`,
    [tenantId, id, status, review.note ?? null, review.reviewer, verifyDays],
  );
  return toEntry(result.rows[0]!);
}

export async function recordOutcome(
  db: Queryable,
  tenantId: string,
  outcome: { entryId: string; outcome: 'success' | 'failure'; leadId?: string; repId?: string },
): Promise<void> {
  // One statement: the entry must exist in this tenant, or nothing is written.
  const inserted = await db.query(
    `INSERT INTO knowledge_outcomes (id, tenant_id, entry_id, outcome, rep_id, lead_id)
     SELECT $1, $2, e.id, $4, $5, $6 FROM knowledge_entries e WHERE e.tenant_id = $2 AND e.id = $3`,
    [randomUUID(), tenantId, outcome.entryId, outcome.outcome, outcome.repId ?? null, outcome.leadId ?? null],
  );
  if (inserted.rowCount === 0) throw new HuashuError('not_found', `knowledge entry ${outcome.entryId} not found`);
}

/** Days of outcomes that count towards an entry's success rate: recent enough to reflect today's market. */
export const SUCCESS_WINDOW_DAYS = 90;

export async function outcomesFor(db: Queryable, tenantId: string, entryIds: readonly string[]): Promise<Map<string, { uses: number; successes: number }>> {
  const result = await db.query<{ entry_id: string; uses: number; successes: number }>(
    `SELECT entry_id, count(*)::int AS uses, (count(*) FILTER (WHERE outcome = 'success'))::int AS successes
     FROM knowledge_outcomes
     WHERE tenant_id = $1 AND entry_id = ANY($2::text[]) AND created_at > now() - make_interval(days => $3)
     GROUP BY entry_id`,
    [tenantId, entryIds, SUCCESS_WINDOW_DAYS],
  );
  return new Map(result.rows.map((row) => [row.entry_id, { uses: row.uses, successes: row.successes }]));
}
