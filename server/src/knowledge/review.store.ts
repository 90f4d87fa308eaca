import type { KnowledgeEntry } from '@huashu/core';
import type { Queryable } from '../platform/db/types.js';
import { toSql } from '../platform/db/vector.js';
import { ENTRY_COLUMNS, toEntry, type EntryRow } from './knowledge.store.js';
import { nearestClause } from './vector-index.js';

export interface Neighbour {
  id: string;
  /** 1 − cosine distance. */
  similarity: number;
}

/**
 * For each of `entryIds`, the `limit` approved entries whose vectors are
 * nearest to its own (same embedder), nearest first. One statement per vector
 * dimension in use, written so the partial HNSW index of that dimension applies.
 */
export async function approvedNeighbours(db: Queryable, tenantId: string, entryIds: readonly string[], limit: number): Promise<Map<string, Neighbour[]>> {
  const found = new Map<string, Neighbour[]>(entryIds.map((id) => [id, []]));
  if (entryIds.length === 0) return found;
  const dims = await db.query<{ dim: number }>(`SELECT DISTINCT dim FROM knowledge_embeddings WHERE tenant_id = $1 AND entry_id = ANY($2::text[])`, [tenantId, [...entryIds]]);
  for (const { dim } of dims.rows) {
    const nearest = nearestClause(dim, 'p.embedding');
    const rows = await db.query<{ pending_id: string; id: string; similarity: number }>(
      `SELECT p.entry_id AS pending_id, s.id, s.similarity
       FROM knowledge_embeddings p
       CROSS JOIN LATERAL (
         SELECT v.entry_id AS id, 1 - (v.embedding <=> p.embedding) AS similarity
         FROM knowledge_embeddings v
         WHERE v.tenant_id = $1 AND v.model = p.model AND ${nearest.where} AND v.entry_id <> p.entry_id
         ORDER BY ${nearest.orderBy}
         LIMIT $3
       ) s
       WHERE p.tenant_id = $1 AND p.entry_id = ANY($2::text[]) AND p.dim = $4
       ORDER BY p.entry_id, s.similarity DESC`,
      [tenantId, [...entryIds], limit, dim],
    );
    for (const row of rows.rows) found.get(row.pending_id)?.push({ id: row.id, similarity: row.similarity });
  }
  return found;
}

/** The approved entries nearest to `vector` (vectors of `model`), nearest first. */
export async function approvedNearVector(db: Queryable, tenantId: string, vector: readonly number[], model: string, limit: number): Promise<Neighbour[]> {
  const nearest = nearestClause(vector.length, '$2');
  const rows = await db.query<Neighbour>(
    `SELECT v.entry_id AS id, 1 - (v.embedding <=> $2::vector) AS similarity
     FROM knowledge_embeddings v
     WHERE v.tenant_id = $1 AND v.model = $3 AND ${nearest.where}
     ORDER BY ${nearest.orderBy}
     LIMIT $4`,
    [tenantId, toSql(vector), model, limit],
  );
  return rows.rows;
}

export interface ReviewRecord {
  reviewer: string;
  note: string | null;
  at: string;
}

/** The last recorded decision on each entry that has one. */
export async function lastReviews(db: Queryable, tenantId: string, entryIds: readonly string[]): Promise<Map<string, ReviewRecord>> {
  if (entryIds.length === 0) return new Map();
  const rows = await db.query<{ id: string; reviewed_by: string; review_note: string | null; reviewed_at: Date | string }>(
    `SELECT id, reviewed_by, review_note, reviewed_at FROM knowledge_entries
     WHERE tenant_id = $1 AND id = ANY($2::text[]) AND reviewed_by IS NOT NULL AND reviewed_at IS NOT NULL`,
    [tenantId, [...entryIds]],
  );
  return new Map(rows.rows.map((row) => [row.id, { reviewer: row.reviewed_by, note: row.review_note, at: new Date(row.reviewed_at).toISOString() }]));
}

/** Who wrote an entry (null for imported entries); undefined when there is no such entry. */
export async function entryAuthor(q: Queryable, tenantId: string, entryId: string): Promise<string | null | undefined> {
  const rows = await q.query<{ author_rep_id: string | null }>(`SELECT author_rep_id FROM knowledge_entries WHERE tenant_id = $1 AND id = $2`, [tenantId, entryId]);
  return rows.rows[0] ? rows.rows[0].author_rep_id : undefined;
}

/** Approved entries of an industry and/or carrying any of `tags`, most recently updated first. */
export async function approvedMatching(
  db: Queryable,
  tenantId: string,
  filter: { industry?: string | undefined; tags?: readonly string[] | undefined; limit: number },
): Promise<KnowledgeEntry[]> {
  const rows = await db.query<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM knowledge_entries
     WHERE tenant_id = $1 AND status = 'approved' AND ($2::text IS NULL OR industry = $2) AND ($3::text[] IS NULL OR tags && $3::text[])
     ORDER BY updated_at DESC, id
     LIMIT $4`,
    [tenantId, filter.industry ?? null, filter.tags?.length ? [...filter.tags] : null, filter.limit],
  );
  return rows.rows.map((row) => toEntry(row));
}

/** Approved entries among `ids`, by id. */
export async function approvedByIds(db: Queryable, tenantId: string, ids: readonly string[]): Promise<Map<string, KnowledgeEntry>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM knowledge_entries WHERE tenant_id = $1 AND id = ANY($2::text[]) AND status = 'approved'`, [
    tenantId,
    [...ids],
  ]);
  return new Map(rows.rows.map((row) => [row.id, toEntry(row)]));
}
