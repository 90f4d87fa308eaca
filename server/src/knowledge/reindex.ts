import type { Database } from '../platform/db/types.js';
import { embeddingText, type Embedder } from '../retrieval/embedder.js';
import { countEntries, entriesAfter, entryTerms, storeVectors, updateLexicalTerms, WRITE_CHUNK } from './knowledge.store.js';
import { ensureVectorIndexes } from './vector-index.js';

/**
 * Re-embeds (and re-segments) every entry of a tenant with the current embedder:
 * after switching embedder, or after a change to segmentation. Batches are
 * their own transactions, so a stopped reindex resumes where it left off.
 */
export async function reindexTenant(db: Database, tenantId: string, embedder: Embedder, onProgress?: (done: number, total: number) => void): Promise<number> {
  const total = await countEntries(db, tenantId);
  let done = 0;
  let after = '';
  for (;;) {
    const batch = await entriesAfter(db, tenantId, after, WRITE_CHUNK);
    if (batch.length === 0) break;
    const vectors = await embedder.embeddings.embedDocuments(batch.map((row) => embeddingText(row)));
    await db.transaction(async (tx) => {
      await updateLexicalTerms(tx, tenantId, batch.map((row) => ({ id: row.id, terms: entryTerms(row) })));
      await storeVectors(tx, tenantId, batch.map((row) => row.id), vectors, embedder.model);
    });
    done += batch.length;
    after = batch.at(-1)!.id;
    onProgress?.(done, total);
  }
  await ensureVectorIndexes(db, tenantId);
  return done;
}
