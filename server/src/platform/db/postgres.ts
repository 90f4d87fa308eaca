import { createHash } from 'node:crypto';
import pg from 'pg';
import { withCommitHooks } from './after-commit.js';
import type { Database, Queryable, QueryOptions, QueryResult } from './types.js';
import { classifyDatabaseError, DatabaseUnavailable } from './unavailable.js';
import { VECTOR_SEARCH_OPTIONS } from './vector-settings.js';

/**
 * How long a request waits for a pooled connection (a new one to a server that
 * does not answer, or a free one when all are busy) before it fails as
 * unavailable; without it `pg` waits forever and requests pile up while the
 * database is unreachable.
 */
export const CONNECT_TIMEOUT_MS = 5_000;

// int8 (count(*), sums) as JS numbers: our counters stay far below 2^53, and
// PGlite returns numbers too, so both engines give the same shapes.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

/**
 * Statement texts this process prepares (`QueryOptions.prepare`), by name. Each
 * stays prepared on every connection that ran it for the connection's life, so
 * the set is capped: texts beyond it run unprepared rather than pile up on the server.
 */
const preparedNames = new Map<string, string>();
const MAX_PREPARED_STATEMENTS = 200;

function statementName(sql: string): string | undefined {
  const known = preparedNames.get(sql);
  if (known !== undefined || preparedNames.size >= MAX_PREPARED_STATEMENTS) return known;
  const name = `hs_${createHash('sha1').update(sql).digest('hex')}`;
  preparedNames.set(sql, name);
  return name;
}

function adapt(target: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<R>(sql: string, params: readonly unknown[] = [], options?: QueryOptions): Promise<QueryResult<R>> {
      const name = options?.prepare ? statementName(sql) : undefined;
      const pending = name ? target.query({ name, text: sql, values: params as unknown[] }) : target.query(sql, params as unknown[]);
      const result = await pending.catch((error: unknown) => {
        throw classifyDatabaseError(error);
      });
      return { rows: result.rows as R[], rowCount: result.rowCount ?? result.rows.length };
    },
    afterCommit: (callback) => callback(),
    async exec(sql: string): Promise<void> {
      await target.query(sql).catch((error: unknown) => {
        throw classifyDatabaseError(error);
      });
    },
  };
}

export interface PostgresOptions {
  /** Pool size. @default 10 */
  max?: number;
  /** Told about errors of idle connections (the next query reconnects by itself). */
  onIdleError?: (error: Error) => void;
}

/** PostgreSQL with pgvector through `pg`; server replicas share it. */
export async function openPostgres(connectionString: string, options: PostgresOptions = {}): Promise<Database> {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 10, options: VECTOR_SEARCH_OPTIONS, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle client's network error must not crash the process; the next query reconnects.
  pool.on('error', (error) => options.onIdleError?.(error));
  const base = adapt(pool);
  return {
    engine: 'postgres',
    ...base,
    async transaction(fn) {
      const client = await pool.connect().catch((error: unknown) => {
        throw classifyDatabaseError(error);
      });
      // A connection that failed mid-transaction is destroyed, not handed to the next request.
      let broken = false;
      // While checked out the pool no longer listens to the client: a server
      // shutting down between two statements (57P01) would be an unhandled
      // 'error' event and kill the process. The next statement fails instead.
      const onError = (error: Error) => {
        broken = true;
        options.onIdleError?.(error);
      };
      client.on('error', onError);
      try {
        const conn = adapt(client);
        await conn.query('BEGIN');
        const { tx, committed } = withCommitHooks(conn);
        const result = await fn(tx);
        await conn.query('COMMIT');
        committed();
        return result;
      } catch (error) {
        broken ||= error instanceof DatabaseUnavailable;
        if (!broken) await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
