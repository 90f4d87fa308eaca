/**
 * The database cannot be reached right now (stopped, restarting, network gone,
 * out of connections). Not the request's fault and not a bug: HTTP answers
 * 503 with Retry-After, and the pool reconnects on a later query by itself.
 */
export class DatabaseUnavailable extends Error {
  override name = 'DatabaseUnavailable';
}

/** Socket-level codes Node gives a connection that failed or dropped. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * SQLSTATEs of a server that is going away or not taking sessions: class 08
 * (connection exception), admin/crash shutdown and "starting up" (57P01–57P03),
 * too many connections (53300).
 */
const UNAVAILABLE_SQLSTATES = /^(08...|57P0[123]|53300)$/;

/**
 * What `pg` throws without any code when a connection dies or never comes:
 * its own messages (pg 8), the only signal it gives.
 */
const PG_CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|is not queryable|Connection ended unexpectedly/i;

export function isConnectionFailure(error: unknown): boolean {
  if (error instanceof DatabaseUnavailable) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || UNAVAILABLE_SQLSTATES.test(code))) return true;
  // An AggregateError (ECONNREFUSED on ::1 and 127.0.0.1) carries its codes inside.
  if (error instanceof AggregateError && error.errors.some(isConnectionFailure)) return true;
  return PG_CONNECTION_MESSAGES.test(error.message);
}

/** Rethrows connection failures as `DatabaseUnavailable` (the original as `cause`); anything else unchanged. */
export function classifyDatabaseError(error: unknown): unknown {
  if (error instanceof DatabaseUnavailable || !isConnectionFailure(error)) return error;
  return new DatabaseUnavailable('the database is unavailable', { cause: error });
}
