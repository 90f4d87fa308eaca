import type { Database } from '../platform/db/types.js';
import { embeddingText, type Embedder } from '../retrieval/embedder.js';
import { invalidateCorpusStats } from './knowledge.search.js';
import { entryTerms, storeVectors } from './knowledge.store.js';
import { ensureVectorIndexes } from './vector-index.js';

const BATCH = 500;

/**
 * Re-embeds (and re-segments) every entry of a tenant with the current embedder:
 * after switching embedder, or after a change to segmentation. Batches are
 * their own transactions, so a stopped reindex resumes where it left off.
 */
export async function reindexTenant(db: Database, tenantId: string, embedder: Embedder, onProgress?: (done: number, total: number) => void): Promise<number> {
  const total = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM knowledge_entries WHERE tenant_id = $1`, [tenantId])).rows[0]!.n;
  let done = 0;
  let after = '';
  for (;;) {
    const batch = await db.query<{ id: string; question: string; tags: string[] }>(
      `SELECT id, question, tags FROM knowledge_entries WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [tenantId, after, BATCH],
    );
    if (batch.rows.length === 0) break;
    const vectors = await embedder.embeddings.embedDocuments(batch.rows.map((row) => embeddingText(row)));
    await db.transaction(async (tx) => {
      await tx.query(
        `UPDATE knowledge_entries e SET lexical_terms = ARRAY(SELECT jsonb_array_elements_text(u.terms::jsonb))
         FROM unnest($2::text[], $3::text[]) AS u(id, terms)
         WHERE e.tenant_id = $1 AND e.id = u.id`,
        [tenantId, batch.rows.map((row) => row.id), batch.rows.map((row) => JSON.stringify(entryTerms(row)))],
      );
      await storeVectors(tx, tenantId, batch.rows.map((row) => row.id), vectors, embedder.model);
    });
    done += batch.rows.length;
    after = batch.rows.at(-1)!.id;
    onProgress?.(done, total);
  }
  await ensureVectorIndexes(db, tenantId);
  invalidateCorpusStats(tenantId);
  return done;
}

/** Models of the stored vectors that differ from the configured embedder's, per tenant. */
export async function staleEmbeddingModels(db: Database, model: string): Promise<Array<{ tenant_id: string; model: string; n: number }>> {
  const result = await db.query<{ tenant_id: string; model: string; n: number }>(
    // Across tenants on purpose: a start-up check of the whole database, nothing returned to a caller.
    `SELECT tenant_id, model, count(*)::int AS n FROM knowledge_embeddings WHERE model <> $1 AND tenant_id IS NOT NULL GROUP BY tenant_id, model`,
    [model],
  );
  return result.rows;
}
