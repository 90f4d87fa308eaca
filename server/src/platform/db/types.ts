/** The one query interface every store uses; PGlite and `pg` each have an adapter. */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface QueryOptions {
  /**
   * A statement on a hot path whose text comes from a small fixed set: Postgres
   * parses and plans it once per connection instead of on every call (its
   * planning can cost more than running it). PGlite, in process, ignores it.
   */
  prepare?: boolean;
}

export interface Queryable {
  /** Parameterised query: values go in `params`, never into `sql`. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<R>>;
  /** Several statements without parameters (migrations only). */
  exec(sql: string): Promise<void>;
  /**
   * Inside a transaction: runs `callback` after it commits (never on rollback).
   * Outside one, each statement commits by itself, so it runs at once. For
   * in-process caches that must not see uncommitted writes.
   */
  afterCommit?(callback: () => void): void;
}

export type Engine = 'pglite' | 'postgres';

export interface Database extends Queryable {
  readonly engine: Engine;
  /** Runs `fn` in one transaction; a throw rolls everything back and rethrows. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
