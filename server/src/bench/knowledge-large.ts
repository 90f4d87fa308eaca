import { nearestClause } from '../knowledge/vector-index.js';
import { loadConfig } from '../platform/config.js';
import { openDatabase } from '../platform/db/open.js';
import { HNSW_EF_SEARCH } from '../platform/db/vector-settings.js';
import { toSql } from '../platform/db/vector.js';
import { createLogger } from '../platform/logger.js';
import { createContext } from '../server.js';
import { scratchDatabase } from './child.js';
import { syntheticQueries } from './corpus.js';
import { benchKnowledge } from './knowledge.js';
import { percentile, table } from './stats.js';

/**
 * Knowledge at 100k entries on Postgres: import rate, HNSW build time, ask
 * latency beside PGVectorStore, and recall@10 of the HNSW index against an
 * exact scan of the same vectors for several `hnsw.ef_search` values, with
 * and without pgvector's iterative scans — the figures HNSW_EF_SEARCH is set from.
 */
export const LARGE_ENTRIES = Number(process.env['BENCH_KNOWLEDGE_LARGE'] ?? 100_000);
const RECALL_QUERIES = Number(process.env['BENCH_RECALL_QUERIES'] ?? 200);
const K = 10;
const EF_VALUES = [...new Set([40, 100, HNSW_EF_SEARCH, 200, 400])].sort((a, b) => a - b);
const ITERATIVE = ['off', 'relaxed_order'] as const;
/** Distances within this are the same distance (float4 vectors, float8 arithmetic). */
const TIE_EPSILON = 1e-6;

export interface RecallRow {
  efSearch: number;
  iterative: string;
  /** Share of returned neighbours at most as far as the exact 10th (ties count). */
  recall: number;
  /** Share of the exact scan's own ids returned (ties broken differently count as misses). */
  sameIds: number;
  p50: number;
  p95: number;
}

export async function runKnowledgeLarge(serverUrl: string, progress: (message: string) => void): Promise<void> {
  const scratch = await scratchDatabase(serverUrl);
  const db = await openDatabase({ databaseUrl: scratch.url });
  try {
    const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', HUASHU_EMBEDDER: 'local' });
    const ctx = await createContext(config, db, createLogger('silent'));
    const row = await benchKnowledge(ctx, 'postgres', LARGE_ENTRIES, progress, { baselineHnsw: true });

    const probe = await ctx.embedder.embeddings.embedQuery('价格太贵');
    const dim = probe.length;
    progress(`knowledge ${LARGE_ENTRIES}: rebuilding the HNSW index once, timed`);
    const buildStarted = performance.now();
    await db.exec(`REINDEX INDEX knowledge_embeddings_hnsw_${dim}`);
    const buildMs = performance.now() - buildStarted;

    const nearest = nearestClause(dim, '$2');
    const sql = `SELECT v.entry_id AS id, ${nearest.orderBy} AS distance FROM knowledge_embeddings v WHERE v.tenant_id = $1 AND v.model = $3 AND ${nearest.where} ORDER BY ${nearest.orderBy} LIMIT ${K}`;
    const questions = syntheticQueries(RECALL_QUERIES, 99);
    const vectors = await Promise.all(questions.map((question) => ctx.embedder.embeddings.embedQuery(question)));
    const search = async (vector: number[], settings: string[]) =>
      db.transaction(async (tx) => {
        for (const setting of settings) await tx.query(setting);
        const started = performance.now();
        const result = await tx.query<{ id: string; distance: number }>(sql, [row.tenantId, toSql(vector), ctx.embedder.model]);
        return { ids: result.rows.map((r) => r.id), distances: result.rows.map((r) => Number(r.distance)), ms: performance.now() - started };
      });

    progress(`knowledge ${LARGE_ENTRIES}: exact top-${K} of ${RECALL_QUERIES} queries`);
    const exact: Array<{ ids: string[]; kth: number }> = [];
    const exactTimes: number[] = [];
    for (const vector of vectors) {
      const { ids, distances, ms } = await search(vector, ['SET LOCAL enable_indexscan = off', 'SET LOCAL enable_bitmapscan = off']);
      exact.push({ ids, kth: distances.at(-1) ?? Number.POSITIVE_INFINITY });
      exactTimes.push(ms);
    }
    const recallRows: RecallRow[] = [];
    for (const iterative of ITERATIVE) {
      for (const ef of EF_VALUES) {
        progress(`knowledge ${LARGE_ENTRIES}: HNSW ef_search=${ef} iterative_scan=${iterative}`);
        let hits = 0;
        let sameIds = 0;
        const times: number[] = [];
        for (const [index, vector] of vectors.entries()) {
          const { ids, distances, ms } = await search(vector, [`SET LOCAL hnsw.ef_search = ${ef}`, `SET LOCAL hnsw.iterative_scan = ${iterative}`]);
          const truth = exact[index]!;
          const ids_ = new Set(truth.ids);
          sameIds += ids.filter((id) => ids_.has(id)).length;
          // Synthetic entries repeat texts, so many share the 10th distance exactly: any of them is a correct 10th neighbour.
          hits += distances.filter((distance) => distance <= truth.kth + TIE_EPSILON).length;
          times.push(ms);
        }
        recallRows.push({ efSearch: ef, iterative, recall: hits / (K * vectors.length), sameIds: sameIds / (K * vectors.length), p50: percentile(times, 50), p95: percentile(times, 95) });
      }
    }

    process.stdout.write(`\n## Knowledge at ${LARGE_ENTRIES.toLocaleString('en')} entries on Postgres — local embedder (${dim}-d), one client\n\n`);
    process.stdout.write(
      table(
        ['import entries/s', 'HNSW build s', 'ask p50', 'ask p95', 'PGVectorStore p50', 'PGVectorStore p95', 'p95 ratio', 'PGVectorStore search uses its HNSW index'],
        [[row.importPerSecond, buildMs / 1000, row.askP50, row.askP95, row.baselineP50, row.baselineP95, `${(row.askP95 / row.baselineP95).toFixed(2)}×`, row.baselineUsesIndex ? 'yes' : 'no (its index is on embedding::vector(n), its query orders by embedding)']],
      ),
    );
    process.stdout.write(`\n\n### recall@${K} of the HNSW index against an exact scan (${RECALL_QUERIES} queries; exact scan p50 ${percentile(exactTimes, 50).toFixed(1)} ms, p95 ${percentile(exactTimes, 95).toFixed(1)} ms)\n\n`);
    process.stdout.write(
      table(
        ['hnsw.ef_search', 'hnsw.iterative_scan', `recall@${K} (ties count)`, 'same ids as exact', 'dense query p50 ms', 'p95 ms', 'vs exact p50'],
        recallRows.map((r) => [`${r.efSearch}${r.efSearch === HNSW_EF_SEARCH ? ' (HNSW_EF_SEARCH)' : ''}`, r.iterative, r.recall.toFixed(3), r.sameIds.toFixed(3), r.p50, r.p95, `${((100 * r.p50) / percentile(exactTimes, 50)).toFixed(0)} %`]),
      ),
    );
    process.stdout.write(`\n\nTargets: ask p95 ≤ 20 ms at 100k entries on Postgres; recall@${K} ≥ 0.95 at the server's setting (HNSW_EF_SEARCH = ${HNSW_EF_SEARCH}, iterative_scan relaxed_order).\n`);
  } finally {
    await db.close();
    await scratch.drop();
  }
}
