import type { Queryable } from '../platform/db/types.js';

/** pgvector's HNSW indexes `vector` columns of at most 2,000 dimensions. */
const MAX_INDEXED_DIMENSIONS = 2000;

// Per database handle: tests and benchmarks open several databases in one process.
const ensured = new WeakMap<Queryable, Set<number>>();

function checkedDimension(dim: number): number {
  // Interpolated into DDL and casts (types cannot be parameters), so it must be a
  // plain integer; 16,000 is pgvector's ceiling for the `vector` type itself
  // (HNSW stops at MAX_INDEXED_DIMENSIONS; larger vectors are scanned exactly).
  if (!Number.isInteger(dim) || dim < 1 || dim > 16_000) throw new RangeError(`invalid vector dimension ${dim}`);
  return dim;
}

/**
 * One partial HNSW index per vector dimension (cosine), over approved entries:
 * the column holds vectors of whichever embedder a tenant uses, so the index is
 * on the expression cast to that dimension. Exact scans cost ~50 ms at 10k
 * entries on PGlite; the index answers in a few ms.
 */
export async function ensureVectorIndex(db: Queryable, dim: number): Promise<void> {
  const d = checkedDimension(dim);
  const done = ensured.get(db) ?? new Set<number>();
  ensured.set(db, done);
  if (d > MAX_INDEXED_DIMENSIONS || done.has(d)) return;
  await db.exec(
    `CREATE INDEX IF NOT EXISTS knowledge_embeddings_hnsw_${d} ON knowledge_embeddings
       USING hnsw ((embedding::vector(${d})) vector_cosine_ops) WHERE dim = ${d} AND approved`,
  );
  done.add(d);
}

/**
 * Indexes every dimension a tenant's vectors use. Called after vectors are
 * written, not before: on a first import the index is then built in one pass
 * over the finished table, several times faster than maintaining it row by row.
 */
export async function ensureVectorIndexes(db: Queryable, tenantId: string): Promise<void> {
  const dims = await db.query<{ dim: number }>(`SELECT DISTINCT dim FROM knowledge_embeddings WHERE tenant_id = $1`, [tenantId]);
  for (const { dim } of dims.rows) await ensureVectorIndex(db, dim);
}

/**
 * The WHERE and ORDER BY of a nearest-neighbour query written so the planner can
 * use that index (the predicate must repeat the partial index's literally).
 * `$param` is the query vector's placeholder.
 */
export function nearestClause(dim: number, param: string): { where: string; orderBy: string } {
  const d = checkedDimension(dim);
  return d > MAX_INDEXED_DIMENSIONS
    ? { where: `v.dim = ${d} AND v.approved`, orderBy: `v.embedding <=> ${param}::vector` }
    : { where: `v.dim = ${d} AND v.approved`, orderBy: `v.embedding::vector(${d}) <=> ${param}::vector(${d})` };
}
