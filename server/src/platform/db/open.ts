import { migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import type { Database } from './types.js';

export interface OpenDatabaseOptions {
  /** Postgres connection string; absent → embedded PGlite. */
  databaseUrl?: string;
  /** PGlite data directory; absent → in memory. */
  dataDir?: string;
  /** Errors of idle Postgres connections, for the log (they are otherwise harmless). */
  onIdleError?: (error: Error) => void;
}

/** Opens the configured engine and brings its schema up to date. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const db = options.databaseUrl ? await openPostgres(options.databaseUrl, { onIdleError: options.onIdleError }) : await openPglite(options.dataDir);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
