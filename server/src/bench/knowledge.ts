import { PGVectorStore } from '@langchain/community/vectorstores/pgvector';
import { Document } from '@langchain/core/documents';
import type pg from 'pg';
import { ask } from '../assistant/assistant.service.js';
import type { AppContext } from '../platform/context.js';
import type { Database } from '../platform/db/types.js';
import { importEntries } from '../knowledge/knowledge.service.js';
import { createTenant } from '../platform/auth/key-store.js';
import { syntheticCorpus, syntheticQueries } from './corpus.js';
import { percentile, timeEach } from './stats.js';

export interface KnowledgeBenchRow {
  engine: string;
  entries: number;
  importPerSecond: number;
  askP50: number;
  askP95: number;
  baselineP50: number;
  baselineP95: number;
  tenantId: string;
  /** With `baselineHnsw`: the plan of PGVectorStore's own search once its HNSW index exists. */
  baselineUsesIndex?: boolean;
}

export interface KnowledgeBenchOptions {
  /**
   * Give PGVectorStore the HNSW index its `createHnswIndex` makes, as a team
   * would at this size, and record whether its search then uses it.
   */
  baselineHnsw?: boolean;
}

/**
 * PGVectorStore wants a `pg.Pool`; over PGlite (one connection) a pool is a thin
 * shim whose clients share that connection — what TOOLING.md found to work.
 */
function poolFor(db: Database): pg.Pool {
  const client = { query: (text: string, params?: unknown[]) => db.query(text, params), release: () => undefined };
  return { query: client.query, connect: async () => client, end: async () => undefined } as unknown as pg.Pool;
}

const QUERIES = 300;
const WARM_UP = 20;

/**
 * Import throughput and ask latency at one corpus size, beside LangChain's
 * PGVectorStore doing a plain vector-only similaritySearch over the same
 * entries with the same embedder, in the same database and run.
 */
export async function benchKnowledge(ctx: AppContext, engine: string, size: number, progress: (message: string) => void, options: KnowledgeBenchOptions = {}): Promise<KnowledgeBenchRow> {
  const tenant = await createTenant(ctx.db, { name: `bench ${size}`, slug: `bench-${size}-${Date.now() % 1_000_000}` });
  const corpus = syntheticCorpus(size);
  progress(`${engine} ${size}: importing`);
  const importStarted = performance.now();
  await importEntries(ctx, { kind: 'secret', tenantId: tenant.id, keyId: 'bench' }, corpus);
  const importPerSecond = size / ((performance.now() - importStarted) / 1000);

  const queries = syntheticQueries(QUERIES + WARM_UP);
  progress(`${engine} ${size}: asking ${QUERIES} questions`);
  for (const question of queries.slice(0, WARM_UP)) await ask(ctx, tenant.id, { question });
  const askTimes = await timeEach(queries.slice(WARM_UP), (question) => ask(ctx, tenant.id, { question }));

  progress(`${engine} ${size}: PGVectorStore baseline`);
  const store = await PGVectorStore.initialize(ctx.embedder.embeddings, {
    pool: poolFor(ctx.db),
    tableName: `bench_pgvectorstore_${size}`,
    columns: { idColumnName: 'id', vectorColumnName: 'embedding', contentColumnName: 'content', metadataColumnName: 'metadata' },
    distanceStrategy: 'cosine',
  });
  const texts = corpus.map((entry) => entry.question);
  const vectors = await ctx.embedder.embeddings.embedDocuments(texts);
  for (let start = 0; start < texts.length; start += 500) {
    await store.addVectors(
      vectors.slice(start, start + 500),
      texts.slice(start, start + 500).map((text, offset) => new Document({ pageContent: text, metadata: { index: start + offset } })),
    );
  }
  let baselineUsesIndex: boolean | undefined;
  if (options.baselineHnsw) {
    progress(`${engine} ${size}: PGVectorStore createHnswIndex`);
    await store.createHnswIndex({ dimensions: vectors[0]!.length });
    await ctx.db.query(`ANALYZE bench_pgvectorstore_${size}`);
    // The statement PGVectorStore sends (pgvector.js, similaritySearchVectorWithScore), explained.
    const baselineTable = `bench_pgvectorstore_${size}`;
    const plan = await ctx.db.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT *, "embedding" <=> $1 as "_distance" FROM ${baselineTable} ORDER BY "_distance" ASC LIMIT 3`,
      [`[${vectors[0]!.join(',')}]`],
    );
    baselineUsesIndex = plan.rows.some((row) => /hnsw/i.test(row['QUERY PLAN']));
  }
  for (const question of queries.slice(0, WARM_UP)) await store.similaritySearch(question, 3);
  const baselineTimes = await timeEach(queries.slice(WARM_UP), (question) => store.similaritySearch(question, 3));
  await ctx.db.query(`DROP TABLE IF EXISTS bench_pgvectorstore_${size}`);

  return {
    engine,
    entries: size,
    importPerSecond,
    askP50: percentile(askTimes, 50),
    askP95: percentile(askTimes, 95),
    baselineP50: percentile(baselineTimes, 50),
    baselineP95: percentile(baselineTimes, 95),
    tenantId: tenant.id,
    ...(baselineUsesIndex === undefined ? {} : { baselineUsesIndex }),
  };
}
