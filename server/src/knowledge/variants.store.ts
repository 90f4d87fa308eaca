import { randomUUID } from 'node:crypto';
import { HuashuError, type KnowledgeVariant, type VariantSource, type VariantStatus } from '@huashu/core';
import type { Queryable } from '../platform/db/types.js';
import { toSql } from '../platform/db/vector.js';
import type { Embedder } from '../retrieval/embedder.js';
import { normalizeText } from '../retrieval/normalize.js';
import { lexicalTerms, anyTermQuery } from '../retrieval/terms.js';

/**
 * All SQL of knowledge_variants: other customer phrasings of an entry, each
 * indexed like an entry. Callers invalidate the corpus caches
 * (`changedCorpus`) after writing: this module sits below knowledge.store.
 */

interface VariantRow {
  id: string;
  entry_id: string;
  entry_question: string;
  text: string;
  status: VariantStatus;
  source: VariantSource;
  successes: number;
  failures: number;
  reporters: number;
  created_at: Date;
  updated_at: Date;
}

const iso = (value: Date | string) => new Date(value).toISOString();

function toVariant(row: VariantRow): KnowledgeVariant {
  return {
    id: row.id,
    entryId: row.entry_id,
    entryQuestion: row.entry_question,
    text: row.text,
    status: row.status,
    source: row.source,
    successes: row.successes,
    failures: row.failures,
    reporters: row.reporters,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

// The evidence behind a learned variant, from the learning events of its question and entry.
const VARIANT_SELECT = `
  SELECT v.id, v.entry_id, e.question AS entry_question, v.text, v.status, v.source, v.created_at, v.updated_at,
         coalesce(ev.successes, 0)::int AS successes, coalesce(ev.failures, 0)::int AS failures, coalesce(ev.reporters, 0)::int AS reporters
  FROM knowledge_variants v
  JOIN knowledge_entries e ON e.tenant_id = v.tenant_id AND e.id = v.entry_id
  LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE l.outcome = 'success') AS successes, count(*) FILTER (WHERE l.outcome = 'failure') AS failures,
           count(DISTINCT l.reporter) FILTER (WHERE l.outcome = 'success') AS reporters
    FROM knowledge_learning_events l
    WHERE l.tenant_id = v.tenant_id AND l.entry_id = v.entry_id AND l.normalized = v.normalized
  ) ev ON true`;

export interface VariantInput {
  entryId: string;
  text: string;
  status: VariantStatus;
  source: VariantSource;
}

/**
 * Stores variants (insert, or for the same entry and normalised text update
 * status and source) with their lexical terms and vectors, in the caller's
 * transaction. A variant equal to its entry's own question is skipped.
 */
export async function upsertVariants(tx: Queryable, tenantId: string, variants: readonly VariantInput[], embedder: Embedder): Promise<string[]> {
  if (variants.length === 0) return [];
  const vectors = await embedder.embeddings.embedDocuments(variants.map((variant) => variant.text));
  const result = await tx.query<{ id: string }>(
    `INSERT INTO knowledge_variants AS k (id, tenant_id, entry_id, text, normalized, status, source, lexical_terms, model, dim, embedding)
     SELECT u.id, $1, u.entry_id, u.text, u.normalized, u.status, u.source, ARRAY(SELECT jsonb_array_elements_text(u.terms::jsonb)), $2, $3, u.v::vector
     FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
       AS u(id, entry_id, text, normalized, status, source, terms, v)
     JOIN knowledge_entries e ON e.tenant_id = $1 AND e.id = u.entry_id
     WHERE e.question <> u.text
     ON CONFLICT (tenant_id, entry_id, normalized) DO UPDATE SET
       text = EXCLUDED.text, status = EXCLUDED.status,
       source = CASE WHEN k.source = 'learned' THEN k.source ELSE EXCLUDED.source END,
       lexical_terms = EXCLUDED.lexical_terms, model = EXCLUDED.model, dim = EXCLUDED.dim, embedding = EXCLUDED.embedding
     WHERE k.tenant_id = $1
     RETURNING k.id`,
    [
      tenantId,
      embedder.model,
      vectors[0]!.length,
      variants.map(() => randomUUID()),
      variants.map((variant) => variant.entryId),
      variants.map((variant) => variant.text),
      variants.map((variant) => normalizeText(variant.text)),
      variants.map((variant) => variant.status),
      variants.map((variant) => variant.source),
      variants.map((variant) => JSON.stringify(lexicalTerms(variant.text))),
      vectors.map(toSql),
    ],
  );
  return result.rows.map((row) => row.id);
}

/**
 * An entry write that lists `variants` defines its imported/edited phrasings:
 * those not listed any more go; learned variants stay (reviewers decide on them).
 */
export async function removeUnlistedVariants(tx: Queryable, tenantId: string, lists: ReadonlyArray<{ entryId: string; texts: readonly string[] }>): Promise<void> {
  if (lists.length === 0) return;
  await tx.query(
    `DELETE FROM knowledge_variants v
     USING unnest($2::text[], $3::text[]) AS u(entry_id, keep)
     WHERE v.tenant_id = $1 AND v.entry_id = u.entry_id AND v.source <> 'learned'
       AND NOT (v.normalized = ANY(ARRAY(SELECT jsonb_array_elements_text(u.keep::jsonb))))`,
    [tenantId, lists.map((list) => list.entryId), lists.map((list) => JSON.stringify(list.texts.map(normalizeText)))],
  );
}

export interface VariantFilter {
  status?: VariantStatus | undefined;
  entryId?: string | undefined;
  limit: number;
  offset: number;
}

export async function listVariants(db: Queryable, tenantId: string, filter: VariantFilter): Promise<{ variants: KnowledgeVariant[]; total: number }> {
  const params: unknown[] = [tenantId, filter.status ?? null, filter.entryId ?? null];
  const total = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM knowledge_variants v WHERE v.tenant_id = $1 AND ($2::text IS NULL OR v.status = $2) AND ($3::text IS NULL OR v.entry_id = $3)`,
    params,
  );
  const rows = await db.query<VariantRow>(
    `${VARIANT_SELECT} WHERE v.tenant_id = $1 AND ($2::text IS NULL OR v.status = $2) AND ($3::text IS NULL OR v.entry_id = $3) ORDER BY v.created_at, v.id LIMIT $4 OFFSET $5`,
    [...params, filter.limit, filter.offset],
  );
  return { variants: rows.rows.map(toVariant), total: total.rows[0]!.n };
}

export async function getVariant(db: Queryable, tenantId: string, id: string): Promise<KnowledgeVariant> {
  const rows = await db.query<VariantRow>(`${VARIANT_SELECT} WHERE v.tenant_id = $1 AND v.id = $2`, [tenantId, id]);
  if (!rows.rows[0]) throw new HuashuError('not_found', `variant ${id} not found`);
  return toVariant(rows.rows[0]);
}

/** The variant of an entry with this normalised text, if any. */
export async function findVariant(db: Queryable, tenantId: string, entryId: string, normalized: string): Promise<{ id: string; status: VariantStatus } | undefined> {
  const rows = await db.query<{ id: string; status: VariantStatus }>(
    `SELECT id, status FROM knowledge_variants WHERE tenant_id = $1 AND entry_id = $2 AND normalized = $3`,
    [tenantId, entryId, normalized],
  );
  return rows.rows[0];
}

export async function setVariantStatus(db: Queryable, tenantId: string, id: string, status: VariantStatus, reviewer: string): Promise<void> {
  const result = await db.query(`UPDATE knowledge_variants SET status = $3, reviewed_by = $4, reviewed_at = now() WHERE tenant_id = $1 AND id = $2`, [tenantId, id, status, reviewer]);
  if (result.rowCount === 0) throw new HuashuError('not_found', `variant ${id} not found`);
}

export async function deleteVariant(db: Queryable, tenantId: string, entryId: string, id: string): Promise<void> {
  const result = await db.query(`DELETE FROM knowledge_variants WHERE tenant_id = $1 AND entry_id = $2 AND id = $3`, [tenantId, entryId, id]);
  if (result.rowCount === 0) throw new HuashuError('not_found', `variant ${id} not found`);
}

/**
 * Approves the pending learned variants of a tenant whose question was
 * reported a success by at least `approvals` different reporters, with more
 * successes than failures. Returns how many it approved.
 */
export async function approveLearnedVariants(
  db: Queryable,
  tenantId: string,
  approvals: number,
  only?: { entryId: string; normalized: string },
): Promise<number> {
  // With `only`, one phrasing (an outcome report's): the whole tenant's events
  // grouped on every report made each report slower than the last.
  const scope = only ? 'AND l.entry_id = $3 AND l.normalized = $4' : '';
  const result = await db.query(
    `UPDATE knowledge_variants v SET status = 'approved', reviewed_by = 'learned', reviewed_at = now()
     FROM (
       SELECT l.entry_id, l.normalized
       FROM knowledge_learning_events l
       WHERE l.tenant_id = $1 ${scope}
       GROUP BY l.entry_id, l.normalized
       HAVING count(DISTINCT l.reporter) FILTER (WHERE l.outcome = 'success') >= $2
          AND count(*) FILTER (WHERE l.outcome = 'success') > count(*) FILTER (WHERE l.outcome = 'failure')
     ) ev
     WHERE v.tenant_id = $1 AND v.status = 'pending' AND v.source = 'learned' AND v.entry_id = ev.entry_id AND v.normalized = ev.normalized`,
    only ? [tenantId, approvals, only.entryId, only.normalized] : [tenantId, approvals],
  );
  return result.rowCount ?? 0;
}

/** Ids of entries with an approved variant holding any of `terms`, best ts_rank first. */
export async function lexicalVariantCandidates(db: Queryable, tenantId: string, terms: readonly string[], limit: number): Promise<string[]> {
  if (terms.length === 0) return [];
  const rows = await db.query<{ id: string }>(
    `SELECT v.entry_id AS id FROM knowledge_variants v
     WHERE v.tenant_id = $1 AND v.approved AND v.search_tsv @@ $2::tsquery
     ORDER BY ts_rank(v.search_tsv, $2::tsquery) DESC, v.id
     LIMIT $3`,
    [tenantId, anyTermQuery(terms), limit],
  );
  return rows.rows.map((row) => row.id);
}

/** Ids of entries whose approved variants are nearest to `vector` (exact cosine: variants are few beside entries). */
export async function denseVariantCandidates(db: Queryable, tenantId: string, vector: readonly number[], model: string, limit: number): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT v.entry_id AS id FROM knowledge_variants v
     WHERE v.tenant_id = $1 AND v.approved AND v.model = $3 AND v.dim = $4
     ORDER BY v.embedding <=> $2::vector LIMIT $5`,
    [tenantId, toSql(vector), model, vector.length, limit],
  );
  return rows.rows.map((row) => row.id);
}

/** Whether a tenant has any approved variant, so searches without one skip the variant queries. */
export async function hasApprovedVariants(db: Queryable, tenantId: string): Promise<boolean> {
  const rows = await db.query(`SELECT 1 FROM knowledge_variants WHERE tenant_id = $1 AND approved LIMIT 1`, [tenantId]);
  return rows.rows.length > 0;
}

export interface VariantFeatures {
  entry_id: string;
  text: string;
  lexical_terms: string[];
  dense: number | null;
}

/** The approved variants of `entryIds` with what scoring needs. */
export async function variantFeatures(db: Queryable, tenantId: string, entryIds: readonly string[], vector: readonly number[] | undefined, model: string): Promise<VariantFeatures[]> {
  if (entryIds.length === 0) return [];
  const rows = await db.query<VariantFeatures>(
    `SELECT v.entry_id, v.text, v.lexical_terms, CASE WHEN v.model = $4 AND v.dim = $5 THEN 1 - (v.embedding <=> $3::vector) END AS dense
     FROM knowledge_variants v
     WHERE v.tenant_id = $1 AND v.approved AND v.entry_id = ANY($2::text[])`,
    [tenantId, [...entryIds], vector ? toSql(vector) : null, model, vector?.length ?? 0],
  );
  return rows.rows;
}

/** Approved variant texts of a tenant, for the domain gate. */
export async function approvedVariantTexts(db: Queryable, tenantId: string): Promise<string[]> {
  const rows = await db.query<{ normalized: string }>(`SELECT normalized FROM knowledge_variants WHERE tenant_id = $1 AND approved`, [tenantId]);
  return rows.rows.map((row) => row.normalized);
}
