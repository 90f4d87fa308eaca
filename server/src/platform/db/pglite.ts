import { mkdirSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { withCommitHooks } from './after-commit.js';
import type { Database, Queryable, QueryResult } from './types.js';
import { VECTOR_SEARCH_SETTINGS } from './vector-settings.js';

function adapt(target: PGlite | Transaction): Queryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const result = await target.query<R>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    afterCommit: (callback) => callback(),
    async exec(sql: string): Promise<void> {
      await target.exec(sql);
    },
  };
}

/** Embedded Postgres (WASM). `dataDir` undefined keeps everything in memory (tests). */
export async function openPglite(dataDir?: string): Promise<Database> {
  return wrapPglite(await startPglite(dataDir));
}

/** The raw PGlite instance with pgvector, started and set up (benchmarks also need it for COPY). */
export async function startPglite(dataDir?: string): Promise<PGlite> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  return ready(dataDir ? new PGlite(dataDir, { extensions: { vector } }) : new PGlite({ extensions: { vector } }));
}

/** Waits for start-up and applies the session settings every connection gets. */
async function ready(pg: PGlite): Promise<PGlite> {
  await pg.waitReady;
  await pg.exec(VECTOR_SEARCH_SETTINGS);
  return pg;
}

/** The query interface over an existing PGlite instance (benchmarks also need the raw instance for COPY). */
export function wrapPglite(pg: PGlite): Database {
  const base = adapt(pg);
  return {
    engine: 'pglite',
    ...base,
    async transaction(fn) {
      const hooks: { committed?: () => void } = {};
      const result = await pg.transaction((raw) => {
        const { tx, committed } = withCommitHooks(adapt(raw));
        hooks.committed = committed;
        return fn(tx);
      });
      hooks.committed?.();
      return result;
    },
    close: () => pg.close(),
  };
}
