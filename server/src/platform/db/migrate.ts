import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from './types.js';

/** Plain-SQL migrations shared by both engines, in `server/migrations`, applied in name order. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));

export interface Migration {
  version: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((name) => /^\d{4}_[a-z0-9_]+\.sql$/.test(name))
    .sort()
    .map((name) => ({ version: name.replace(/\.sql$/, ''), sql: readFileSync(new URL(name, `file://${dir}/`), 'utf8') }));
}

/**
 * Applies the migrations not yet recorded. Each runs in its own transaction
 * under an advisory lock, so replicas starting together against one Postgres
 * apply every migration exactly once. Returns the versions applied now.
 */
/**
 * Advisory-lock key that serialises migrations across replicas: any constant
 * works as long as nothing else in the database uses it; this one spells
 * "hs" (0x6873) followed by the schema's generation 1.
 */
const MIGRATION_LOCK_KEY = 0x6873_0001;

export async function migrate(db: Database, migrations = loadMigrations()): Promise<string[]> {
  // Under the lock too: two replicas racing on CREATE TABLE IF NOT EXISTS can
  // both pass the existence check and one fails on the catalog's unique index.
  await db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock($1)`, [MIGRATION_LOCK_KEY]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  });
  const applied: string[] = [];
  for (const migration of migrations) {
    const ran = await db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock($1)`, [MIGRATION_LOCK_KEY]);
      const done = await tx.query(`SELECT 1 FROM schema_migrations WHERE version = $1`, [migration.version]);
      if (done.rows.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query(`INSERT INTO schema_migrations (version) VALUES ($1)`, [migration.version]);
      return true;
    });
    if (ran) applied.push(migration.version);
  }
  return applied;
}
