import autocannon from 'autocannon';
import pg from 'pg';
import { startServerChild, scratchDatabase, type ServerChild } from './child.js';
import { syntheticQueries } from './corpus.js';
import { percentile, table } from './stats.js';

/**
 * HTTP load on loopback: a maintained load generator (autocannon) against a
 * server in its own process, route by route at 1 / 16 / 64 connections, with
 * `GET /healthz` (no database, no auth) measured in the same run as the
 * framework's ceiling. Latency percentiles are computed from every response's
 * own time, not from autocannon's histogram buckets (it has no p95).
 */

export interface LoadEngine {
  name: 'pglite' | 'postgres';
  /** Postgres server URL: each engine run gets a scratch database on it. */
  serverUrl?: string;
}

export const LOAD_SECONDS = Number(process.env['BENCH_LOAD_SECONDS'] ?? 3);
export const LOAD_CONCURRENCY = (process.env['BENCH_LOAD_CONCURRENCY'] ?? '1,16,64').split(',').map(Number);
/** Knowledge entries behind the ask route (the 100k case is knowledge.ts's). */
const LOAD_ENTRIES = Number(process.env['BENCH_LOAD_ENTRIES'] ?? 2_000);
/** The SDK's tracking queue flushes in batches of about this many events. */
export const EVENTS_PER_BATCH = 20;
/** Requests per route before measuring: JIT, plan caches, pool connections. */
const WARM_UP_REQUESTS = 50;
/** A request slower than this counts as an error (autocannon's timeout, seconds). */
const REQUEST_TIMEOUT_S = 10;

export interface LoadRoute {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  key: 'secret' | 'publishable' | 'none';
  /** A fresh body per request (unique message ids and phones: no request is a cheap replay). */
  body?: () => unknown;
}

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  /** Socket errors and timeouts plus non-2xx answers. */
  errors: number;
  serverErrors: number;
  statuses: Record<string, number>;
}

/** Per run of the bench, so two runs against one database never collide. */
const RUN = Date.now().toString(36);

export function loadRoutes(): LoadRoute[] {
  const questions = syntheticQueries(500);
  let asked = 0;
  let eventSeq = 0;
  let leadSeq = 0;
  return [
    { name: 'GET /healthz', method: 'GET', path: '/healthz', key: 'none' },
    { name: 'POST /v1/assistant/ask', method: 'POST', path: '/v1/assistant/ask', key: 'secret', body: () => ({ question: questions[asked++ % questions.length] }) },
    {
      name: `POST /v1/events/batch (${EVENTS_PER_BATCH} events)`,
      method: 'POST',
      path: '/v1/events/batch',
      key: 'publishable',
      body: () => {
        const now = new Date().toISOString();
        const visitor = `anon-${RUN}-${eventSeq % 5_000}`;
        return {
          sentAt: now,
          batch: Array.from({ length: EVENTS_PER_BATCH }, (_, i) => ({
            messageId: `load-${RUN}-${eventSeq++}`,
            type: i === 0 ? 'page' : 'track',
            event: i === 0 ? undefined : i % 2 ? 'page_dwell' : 'document_download',
            anonymousId: visitor,
            properties: i % 2 ? { pageType: 'pricing', activeSeconds: 30 } : { documentId: `doc-${i}` },
            timestamp: now,
          })),
        };
      },
    },
    {
      name: 'POST /v1/leads',
      method: 'POST',
      path: '/v1/leads',
      key: 'publishable',
      // A new person each time (mainland mobile numbers libphonenumber accepts), so every request de-duplicates, assigns and emits.
      body: () => ({ name: `访客${leadSeq}`, phone: `139${String(70_000_000 + (leadSeq++ % 29_000_000))}`, company: '压测公司', source: 'website', campaign: `load-${RUN}` }),
    },
    { name: 'GET /v1/reports/daily', method: 'GET', path: '/v1/reports/daily?format=json', key: 'secret' },
  ];
}

function headersFor(route: LoadRoute, keys: { secret: string; publishable?: string }): Record<string, string> {
  const key = route.key === 'secret' ? keys.secret : route.key === 'publishable' ? (keys.publishable ?? keys.secret) : undefined;
  return { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(route.body ? { 'content-type': 'application/json' } : {}) };
}

/** One autocannon run: `connections` clients for `seconds` (or `amount` requests). */
export async function hammer(
  url: string,
  route: LoadRoute,
  keys: { secret: string; publishable?: string },
  options: { connections: number; seconds?: number; amount?: number },
): Promise<LoadResult> {
  const times: number[] = [];
  const statuses: Record<string, number> = {};
  const headers = headersFor(route, keys);
  let instance!: autocannon.Instance;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon({
    url: `${url}${route.path}`,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.seconds ?? LOAD_SECONDS }),
    timeout: REQUEST_TIMEOUT_S,
    requests: [
      {
        method: route.method,
        headers,
        ...(route.body ? { setupRequest: (request: autocannon.Request) => ({ ...request, body: JSON.stringify(route.body!()) }) } : {}),
      },
    ],
  }, (error, result) => (error ? reject(error) : resolve(result)));
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    times.push(responseTime);
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  });
  const result = await finished;
  const nonOk = Object.entries(statuses).reduce((sum, [status, count]) => (Number(status) >= 300 ? sum + count : sum), 0);
  const serverErrors = Object.entries(statuses).reduce((sum, [status, count]) => (Number(status) >= 500 ? sum + count : sum), 0);
  return {
    requests: times.length,
    perSecond: times.length / result.duration,
    p50: percentile(times, 50),
    p95: percentile(times, 95),
    p99: percentile(times, 99),
    errors: result.errors + nonOk,
    serverErrors,
    statuses,
  };
}

/** Whether a route exists on this server (reports/daily is being built alongside this bench). */
async function routeExists(url: string, route: LoadRoute, keys: { secret: string; publishable?: string }): Promise<boolean> {
  const res = await fetch(`${url}${route.path}`, { method: route.method, headers: headersFor(route, keys), body: route.body ? JSON.stringify(route.body()) : undefined });
  await res.arrayBuffer();
  return res.status !== 404;
}

/** Bytes a stored row costs per table (heap, indexes and TOAST; partitions summed), after a load run. */
export interface StorageRow {
  table: string;
  rows: number;
  bytesPerRow: number;
}

const STORAGE_TABLES = ['events', 'event_message_ids', 'leads', 'lead_touchpoints', 'lead_identities', 'outbox_events', 'knowledge_entries', 'knowledge_lexicon', 'knowledge_embeddings'];

async function storagePerRow(databaseUrl: string): Promise<StorageRow[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const rows: StorageRow[] = [];
    for (const name of STORAGE_TABLES) {
      const size = await client.query<{ bytes: string }>(`SELECT coalesce((SELECT sum(pg_total_relation_size(r.relid)) FROM pg_partition_tree($1::regclass) r), pg_total_relation_size($1::regclass))::bigint AS bytes`, [name]);
      // pg_partition_tree lists nothing for a plain table. Every tenant's rows: this scratch database holds the bench's tenant only.
      const counted = await client.query<{ rows: string }>(`SELECT count(tenant_id)::bigint AS rows FROM ${name}`);
      const bytes = size.rows[0]!.bytes;
      const count = counted.rows[0]!.rows;
      rows.push({ table: name, rows: Number(count), bytesPerRow: Number(count) > 0 ? Number(bytes) / Number(count) : Number.NaN });
    }
    return rows;
  } finally {
    await client.end();
  }
}

export interface LoadRow extends LoadResult {
  engine: string;
  route: string;
  connections: number;
  ceiling: number;
  rssBefore: number;
  rssAfter: number;
}

/** Starts a server child for `engine` (scratch database on Postgres) seeded with `entries` knowledge entries. */
export async function serverFor(engine: LoadEngine, entries: number, env: Record<string, string> = {}): Promise<{ child: ServerChild; databaseUrl?: string; drop(): Promise<void> }> {
  const scratch = engine.serverUrl ? await scratchDatabase(engine.serverUrl) : undefined;
  const child = await startServerChild({ BENCH_CHILD_DATABASE_URL: scratch?.url, BENCH_CHILD_ENTRIES: String(entries), ...env });
  return { child, databaseUrl: scratch?.url, drop: async () => scratch?.drop() };
}

async function benchEngine(engine: LoadEngine, progress: (message: string) => void, skipped: Set<string>, storage: StorageRow[]): Promise<LoadRow[]> {
  progress(`load ${engine.name}: starting a server with ${LOAD_ENTRIES} knowledge entries`);
  const { child, databaseUrl, drop } = await serverFor(engine, LOAD_ENTRIES);
  const { url, ...keys } = child.ready;
  const rows: LoadRow[] = [];
  try {
    const routes: LoadRoute[] = [];
    for (const route of loadRoutes()) {
      if (await routeExists(url, route, keys)) routes.push(route);
      else skipped.add(route.name);
    }
    const ceilings = new Map<number, number>();
    for (const route of routes) {
      await hammer(url, route, keys, { connections: 1, amount: WARM_UP_REQUESTS });
      for (const connections of LOAD_CONCURRENCY) {
        progress(`load ${engine.name}: ${route.name} × ${connections}`);
        const rssBefore = child.rssMb();
        const result = await hammer(url, route, keys, { connections, seconds: LOAD_SECONDS });
        if (route.path === '/healthz') ceilings.set(connections, result.perSecond);
        rows.push({ ...result, engine: engine.name, route: route.name, connections, ceiling: ceilings.get(connections) ?? Number.NaN, rssBefore, rssAfter: child.rssMb() });
      }
    }
    if (databaseUrl) storage.push(...(await storagePerRow(databaseUrl)));
  } finally {
    await child.stop();
    await drop();
  }
  return rows;
}

export async function runLoadBench(engines: readonly LoadEngine[], progress: (message: string) => void): Promise<LoadRow[]> {
  const skipped = new Set<string>();
  const rows: LoadRow[] = [];
  const storage: StorageRow[] = [];
  for (const engine of engines) rows.push(...(await benchEngine(engine, progress, skipped, storage)));
  process.stdout.write(
    `\n## HTTP load — autocannon on loopback, ${LOAD_SECONDS} s per cell, server in its own process, rate limits off (${LOAD_ENTRIES.toLocaleString('en')} entries behind ask)\n\n`,
  );
  process.stdout.write(
    table(
      ['engine', 'route', 'conns', 'req/s', '/ healthz', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', '5xx', 'RSS MB before → after'],
      rows.map((row) => [
        row.engine,
        row.route,
        String(row.connections),
        row.perSecond,
        row.route === 'GET /healthz' ? '1 (ceiling)' : `${((100 * row.perSecond) / row.ceiling).toFixed(1)} %`,
        row.p50,
        row.p95,
        row.p99,
        String(row.errors),
        String(row.serverErrors),
        `${row.rssBefore.toFixed(0)} → ${row.rssAfter.toFixed(0)}`,
      ]),
    ),
  );
  process.stdout.write(`\n\nEvents/s = req/s × ${EVENTS_PER_BATCH}. Target on Postgres: ask p99 ≤ 100 ms at 64 connections; no 5xx under load.\n`);
  for (const name of skipped) process.stdout.write(`${name}: skipped — the route answers 404 on this build.\n`);
  if (storage.length > 0) {
    process.stdout.write(`\n### Storage per row on Postgres after the load (heap + indexes + TOAST, partitions summed; the Citus plan in docs/scaling.md extrapolates from these)\n\n`);
    process.stdout.write(table(['table', 'rows', 'bytes a row'], storage.map((row) => [row.table, String(row.rows), row.bytesPerRow])));
    process.stdout.write('\n');
  }
  return rows;
}
