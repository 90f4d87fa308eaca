import './args.js';
import type { PGlite } from '@electric-sql/pglite';
import { loadConfig } from '../platform/config.js';
import type { Database } from '../platform/db/types.js';
import { createLogger } from '../platform/logger.js';
import { createContext } from '../server.js';
import { freshPglite, freshPostgres } from '../testing/engines.js';
import { benchEvents, type EventsBenchRow } from './events.js';
import { benchKnowledge, type KnowledgeBenchRow } from './knowledge.js';
import { table } from './stats.js';

/**
 * `npm run bench`: figures, not assertions. Every Huashu figure is printed beside
 * a baseline measured in the same run on the same data, so the ratio means
 * something on any machine.
 */
const SIZES = (process.env['BENCH_SIZES'] ?? '1000,10000').split(',').map(Number);
const EVENTS = { pglite: Number(process.env['BENCH_EVENTS_PGLITE'] ?? 20_000), postgres: Number(process.env['BENCH_EVENTS_POSTGRES'] ?? 100_000) };

const progress = (message: string) => process.stderr.write(`… ${message}\n`);

interface EngineHandle {
  name: 'pglite' | 'postgres';
  open(): Promise<{ db: Database; pglite?: PGlite; url?: string }>;
}

const engines: EngineHandle[] = [{ name: 'pglite', open: () => freshPglite() }];
const serverUrl = process.env['DATABASE_URL'];
if (serverUrl) engines.push({ name: 'postgres', open: () => freshPostgres(serverUrl) });
else process.stderr.write('DATABASE_URL is not set: measuring PGlite only (set it to a Postgres with pgvector to add that engine).\n');

const config = loadConfig({ ...process.env, DATABASE_URL: undefined, PORT: '0', LOG_LEVEL: 'silent', HUASHU_EMBEDDER: 'local' });
const knowledgeRows: KnowledgeBenchRow[] = [];
const eventRows: EventsBenchRow[] = [];

const ONLY = process.env['BENCH_ONLY'];
const CORE = !ONLY || ONLY === 'knowledge' || ONLY === 'events';
for (const engine of CORE ? engines : []) {
  for (const size of ONLY === 'events' ? [] : SIZES) {
    const handle = await engine.open();
    const ctx = await createContext(config, handle.db, createLogger('silent'));
    knowledgeRows.push(await benchKnowledge(ctx, engine.name, size, progress));
    await handle.db.close();
  }
  if (ONLY === 'knowledge') continue;
  const handle = await engine.open();
  const ctx = await createContext(config, handle.db, createLogger('silent'));
  eventRows.push(await benchEvents(ctx, engine.name, EVENTS[engine.name], handle, progress));
  await handle.db.close();
}

if (CORE) {
process.stdout.write('\n## Assistant: ask latency (ms) and import throughput — local embedder, 300 questions after 20 warm-up\n\n');
process.stdout.write(
  table(
    ['engine', 'entries', 'ask p50', 'ask p95', 'PGVectorStore p50', 'PGVectorStore p95', 'p95 ratio (ask / baseline)', 'import entries/s'],
    knowledgeRows.map((row) => [row.engine, row.entries, row.askP50, row.askP95, row.baselineP50, row.baselineP95, `${(row.askP95 / row.baselineP95).toFixed(2)}×`, row.importPerSecond]),
  ),
);
process.stdout.write('\n\nTargets: ask p95 ≤ 50 ms at 10k entries on PGlite, ≤ 20 ms on Postgres; import ≥ 300 entries/s.\n');
process.stdout.write('PGVectorStore is the vector-only baseline: one embedding + one cosine scan; Huashu adds BM25 candidates, fusion, success rates and the abstention floor.\n');

process.stdout.write('\n## Event ingestion — POST /v1/events/batch (500 events a batch, 4 in flight) against a raw COPY of the same rows\n\n');
process.stdout.write(
  table(
    ['engine', 'events', 'API events/s', 'COPY events/s', 'API / COPY'],
    eventRows.map((row) => [row.engine, row.events, row.apiPerSecond, row.copyPerSecond, `${((100 * row.apiPerSecond) / row.copyPerSecond).toFixed(0)} %`]),
  ),
);
process.stdout.write('\n\nTarget on Postgres: ≥ 20,000 events/s and ≥ 50 % of COPY.\n');
}
await (await import('./leads.js')).runLeadsBench(engines, progress);
await (await import('./pipeline.js')).runPipelineBench(engines, progress);
await (await import('./reports.js')).runReportsBench(engines, progress);
// signals.ts does not read BENCH_ONLY itself.
if (!ONLY || ONLY === 'signals') await (await import('./signals.js')).runSignalsBench(engines, progress);
await (await import('./scale-parts.js')).runScaleParts(serverUrl, progress);
