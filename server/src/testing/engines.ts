import { randomBytes } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { migrate } from '../platform/db/migrate.js';
import { startPglite, wrapPglite } from '../platform/db/pglite.js';
import { openPostgres } from '../platform/db/postgres.js';
import type { Database, Engine } from '../platform/db/types.js';

export interface TestEngine {
  name: Engine;
  /** A fresh, migrated database of this engine. */
  open(): Promise<Database>;
}

/** A fresh PGlite (in memory, or on `dataDir`), migrated; the raw instance too (benchmarks use COPY). */
export async function freshPglite(dataDir?: string): Promise<{ db: Database; pglite: PGlite }> {
  const pglite = await startPglite(dataDir);
  const db = wrapPglite(pglite);
  await migrate(db);
  return { db, pglite };
}

/**
 * A throw-away database on the Postgres server at `serverUrl`, migrated, so
 * suites and benchmarks never see each other's rows; closing drops it.
 */
export async function freshPostgres(serverUrl: string): Promise<{ db: Database; url: string }> {
  const name = `huashu_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const target = new URL(serverUrl);
  target.pathname = `/${name}`;
  const url = target.toString();
  const db = await openPostgres(url, { max: 5 });
  await migrate(db);
  const close = db.close;
  return {
    url,
    db: {
      ...db,
      async close() {
        await close();
        const cleanup = new pg.Client({ connectionString: serverUrl });
        await cleanup.connect();
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await cleanup.end();
      },
    },
  };
}

/**
 * The engines a suite runs against: PGlite always; a real PostgreSQL too when
 * DATABASE_URL is set (CI sets it).
 */
export function testEngines(): TestEngine[] {
  const engines: TestEngine[] = [{ name: 'pglite', open: async () => (await freshPglite()).db }];
  const url = process.env['DATABASE_URL'];
  if (url) engines.push({ name: 'postgres', open: async () => (await freshPostgres(url)).db });
  return engines;
}
