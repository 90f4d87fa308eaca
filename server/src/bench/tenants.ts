import { ask } from '../assistant/assistant.service.js';
import { importEntries } from '../knowledge/knowledge.service.js';
import { nearestClause } from '../knowledge/vector-index.js';
import { createTenant } from '../platform/auth/key-store.js';
import { loadConfig } from '../platform/config.js';
import type { AppContext } from '../platform/context.js';
import { openDatabase } from '../platform/db/open.js';
import type { Database } from '../platform/db/types.js';
import { toSql } from '../platform/db/vector.js';
import { createLogger } from '../platform/logger.js';
import { createContext } from '../server.js';
import { scratchDatabase } from './child.js';
import { syntheticCorpus, syntheticQueries } from './corpus.js';
import { percentile, table, timeEach } from './stats.js';

/**
 * Many tenants on one Postgres: ask latency of one tenant alone, then the
 * same tenant and a small one after BENCH_TENANTS − 1 other tenants of the
 * same size share its tables and its (shared, partial) HNSW index; plus the
 * plans of the dense and lexical queries, to see whether filtering by tenant
 * reads other tenants' rows, and the storage each tenant costs.
 *
 * The other tenants are copies of the first made in SQL (the importer would
 * take hours at a million entries on this machine), each vector moved by a
 * little noise so the index holds distinct points, as different tenants'
 * similar-but-not-equal scripts would give it.
 */
export const TENANTS = Number(process.env['BENCH_TENANTS'] ?? 1_000);
export const TENANT_ENTRIES = Number(process.env['BENCH_TENANT_ENTRIES'] ?? 1_000);
const SMALL_ENTRIES = 50;
const QUERIES = 200;
const WARM_UP = 20;
/** Tenants copied per statement: bounded transactions, progress to watch. */
const COPY_CHUNK = 25;
/** Size of each vector component's noise in the copies (components are around ±0.05 in a unit 512-d vector). */
const NOISE = 0.02;
/** For the one HNSW build over all tenants' vectors (a session setting; the default 64 MB spills to disk). */
const BUILD_MEMORY = '1GB';

async function askTimes(ctx: AppContext, tenantId: string): Promise<number[]> {
  const questions = syntheticQueries(QUERIES + WARM_UP, 11);
  for (const question of questions.slice(0, WARM_UP)) await ask(ctx, tenantId, { question });
  return timeEach(questions.slice(WARM_UP), (question) => ask(ctx, tenantId, { question }));
}

async function copyTenants(db: Database, templateId: string, count: number, progress: (message: string) => void): Promise<void> {
  const ids: string[] = [];
  for (let n = 1; n <= count; n++) ids.push((await createTenant(db, { name: `tenant ${n}`, slug: `bench-t-${n}` })).id);
  for (let first = 0; first < ids.length; first += COPY_CHUNK) {
    const chunk = ids.slice(first, first + COPY_CHUNK);
    if (first % (COPY_CHUNK * 8) === 0) progress(`tenants: copying tenants ${first + 1}–${count}`);
    await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO knowledge_entries (id, tenant_id, external_id, question, answer, evidence, tags, industry, product, status, lexical_terms)
         SELECT t.tenant_id || '-' || e.id, t.tenant_id, e.external_id, e.question, e.answer, e.evidence, e.tags, e.industry, e.product, e.status, e.lexical_terms
         FROM knowledge_entries e CROSS JOIN unnest($2::text[]) AS t(tenant_id) WHERE e.tenant_id = $1`,
        [templateId, chunk],
      );
      await tx.query(
        `INSERT INTO knowledge_embeddings (entry_id, tenant_id, model, dim, approved, embedding)
         SELECT t.tenant_id || '-' || v.entry_id, t.tenant_id, v.model, v.dim, v.approved,
                (SELECT array_agg(x + (random() - 0.5) * $3 ORDER BY i) FROM unnest(v.embedding::real[]) WITH ORDINALITY AS c(x, i))::vector
         FROM knowledge_embeddings v CROSS JOIN unnest($2::text[]) AS t(tenant_id) WHERE v.tenant_id = $1`,
        [templateId, chunk, NOISE],
      );
    });
  }
}

/** The plan of `sql`, and how many rows its scans read and threw away. */
async function explain(db: Database, sql: string, params: unknown[]): Promise<{ plan: string[]; removed: number; nodes: string[] }> {
  const result = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, params);
  // The query vector's 512 numbers say nothing about the plan.
  const plan = result.rows.map((row) => row['QUERY PLAN'].replace(/'\[[^\]]{40,}\]'/g, "'[…]'"));
  const removed = plan.reduce((sum, line) => sum + Number(/Rows Removed by (?:Filter|Index Recheck): (\d+)/.exec(line)?.[1] ?? 0), 0);
  // Each scan with the rows it produced (index entries for an index scan, whichever tenant they belong to).
  const nodes = plan
    .map((line) => {
      const node = /((?:Parallel )?(?:Index Only Scan|Index Scan|Bitmap Index Scan|Bitmap Heap Scan|Seq Scan) (?:using \S+ )?on \S+)/.exec(line)?.[1];
      const rows = /actual time=\S+ rows=(\d+) loops=(\d+)/.exec(line);
      return node ? `${node} (${rows ? Number(rows[1]) * Number(rows[2]) : '?'} rows)` : undefined;
    })
    .filter((node): node is string => Boolean(node));
  return { plan, removed, nodes };
}

export async function runTenantsBench(serverUrl: string, progress: (message: string) => void): Promise<void> {
  const scratch = await scratchDatabase(serverUrl);
  const db = await openDatabase({ databaseUrl: scratch.url });
  try {
    const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', HUASHU_EMBEDDER: 'local' });
    const ctx = await createContext(config, db, createLogger('silent'));
    const principal = (tenantId: string) => ({ kind: 'secret' as const, tenantId, keyId: 'bench' });
    progress(`tenants: importing the first tenant (${TENANT_ENTRIES} entries) and a small one (${SMALL_ENTRIES})`);
    const large = await createTenant(db, { name: 'large', slug: 'large' });
    await importEntries(ctx, principal(large.id), syntheticCorpus(TENANT_ENTRIES, 1));
    const small = await createTenant(db, { name: 'small', slug: 'small' });
    await importEntries(ctx, principal(small.id), syntheticCorpus(SMALL_ENTRIES, 2));
    await db.query(`ANALYZE`);
    progress('tenants: ask, alone');
    const aloneLarge = await askTimes(ctx, large.id);
    const aloneSmall = await askTimes(ctx, small.id);

    const dim = (await ctx.embedder.embeddings.embedQuery('价格')).length;
    const index = `knowledge_embeddings_hnsw_${dim}`;
    // One build over the finished table is far faster than growing the graph row by row.
    await db.exec(`DROP INDEX IF EXISTS ${index}`);
    const copyStarted = performance.now();
    await copyTenants(db, large.id, TENANTS - 1, progress);
    const copyMs = performance.now() - copyStarted;
    progress(`tenants: HNSW build over ${((TENANTS * TENANT_ENTRIES + SMALL_ENTRIES) / 1000).toFixed(0)}k vectors`);
    const buildStarted = performance.now();
    const nearest = nearestClause(dim, '$2');
    await db.transaction(async (tx) => {
      await tx.query(`SET LOCAL maintenance_work_mem = '${BUILD_MEMORY}'`);
      await tx.exec(`CREATE INDEX ${index} ON knowledge_embeddings USING hnsw ((embedding::vector(${dim})) vector_cosine_ops) WHERE dim = ${dim} AND approved`);
    });
    const buildMs = performance.now() - buildStarted;
    await db.query(`ANALYZE`);

    progress(`tenants: ask among ${TENANTS} tenants`);
    const sharedLarge = await askTimes(ctx, large.id);
    const sharedSmall = await askTimes(ctx, small.id);

    const vector = toSql(await ctx.embedder.embeddings.embedQuery('客户说价格太贵了'));
    const denseSql = `SELECT v.entry_id FROM knowledge_embeddings v WHERE v.tenant_id = $1 AND v.model = $3 AND ${nearest.where} ORDER BY ${nearest.orderBy} LIMIT 60`;
    const lexicalSql = `SELECT l.entry_id FROM knowledge_lexicon l WHERE l.tenant_id = $1 AND l.approved AND l.search_tsv @@ $2::tsquery ORDER BY ts_rank(l.search_tsv, $2::tsquery) DESC LIMIT 60`;
    const plans = {
      denseSmall: await explain(db, denseSql, [small.id, vector, ctx.embedder.model]),
      denseLarge: await explain(db, denseSql, [large.id, vector, ctx.embedder.model]),
      lexicalSmall: await explain(db, lexicalSql, [small.id, '价格 | 贵']),
      lexicalLarge: await explain(db, lexicalSql, [large.id, '价格 | 贵']),
    };
    const sizes = await db.query<{ name: string; bytes: number }>(
      `SELECT c.relname AS name, pg_total_relation_size(c.oid)::bigint AS bytes FROM pg_class c
       WHERE c.relname IN ('knowledge_entries', 'knowledge_lexicon', 'knowledge_embeddings') ORDER BY c.relname`,
    );
    const totalBytes = sizes.rows.reduce((sum, row) => sum + row.bytes, 0);
    const entries = TENANTS * TENANT_ENTRIES + SMALL_ENTRIES;

    process.stdout.write(`\n## ${TENANTS.toLocaleString('en')} tenants × ${TENANT_ENTRIES.toLocaleString('en')} entries on one Postgres (+ one tenant of ${SMALL_ENTRIES}) — one client, ${QUERIES} questions each\n\n`);
    process.stdout.write(
      table(
        ['tenant', 'entries', 'alone p50', 'alone p95', `among ${TENANTS} p50`, `among ${TENANTS} p95`, 'p95 ratio (shared / alone)'],
        [
          ['large', String(TENANT_ENTRIES), percentile(aloneLarge, 50), percentile(aloneLarge, 95), percentile(sharedLarge, 50), percentile(sharedLarge, 95), `${(percentile(sharedLarge, 95) / percentile(aloneLarge, 95)).toFixed(2)}×`],
          ['small', String(SMALL_ENTRIES), percentile(aloneSmall, 50), percentile(aloneSmall, 95), percentile(sharedSmall, 50), percentile(sharedSmall, 95), `${(percentile(sharedSmall, 95) / percentile(aloneSmall, 95)).toFixed(2)}×`],
        ],
      ),
    );
    process.stdout.write(`\n\nCopying ${TENANTS - 1} tenants in SQL: ${(copyMs / 1000).toFixed(0)} s; one HNSW build over ${entries.toLocaleString('en')} vectors: ${(buildMs / 1000).toFixed(0)} s.\n`);
    process.stdout.write(`\n### What the tenant filter reads (EXPLAIN ANALYZE)\n\n`);
    process.stdout.write(
      table(
        ['query', 'tenant', 'scans (rows each produced)', 'rows discarded by filter or recheck'],
        Object.entries(plans).map(([name, plan]) => [name.startsWith('dense') ? 'dense (60 nearest)' : 'lexical (60 best)', name.endsWith('Small') ? 'small' : 'large', plan.nodes.join(' → ') || '(none)', String(plan.removed)]),
      ),
    );
    process.stdout.write(`\n\nStorage of the knowledge tables: ${(totalBytes / 1024 ** 2).toFixed(0)} MB for ${entries.toLocaleString('en')} entries = ${(totalBytes / entries / 1024).toFixed(1)} KB an entry (${sizes.rows.map((row) => `${row.name} ${(row.bytes / 1024 ** 2).toFixed(0)} MB`).join(', ')}).\n`);
    if (process.env['BENCH_SHOW_PLANS'] === '1') for (const [name, plan] of Object.entries(plans)) process.stdout.write(`\n${name}:\n${plan.plan.join('\n')}\n`);
  } finally {
    await db.close();
    await scratch.drop();
  }
}
