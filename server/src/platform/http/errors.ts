import { HuashuError, type ErrorCode } from '@huashu/core';
import type { ErrorRequestHandler } from 'express';
import { isConnectionFailure } from '../db/unavailable.js';
import type { Logger } from '../logger.js';

/**
 * Retry-After of a 503 while the database is unreachable: a restart or a
 * failover takes seconds, and clients (the SDK) back off from this.
 */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/**
 * What body-parser and raw-body (through http-errors) and the router attach to
 * the errors they raise for a request the client got wrong.
 */
interface HttpLibraryError {
  type?: string;
  status?: number;
  statusCode?: number;
  /** http-errors sets it on every 4xx it makes: the error is about the request, not the server. */
  expose?: boolean;
  limit?: number;
  /** zlib's code when a Content-Encoding body does not decode (`Z_DATA_ERROR`). */
  code?: string;
}

const BODY_PARSER_CODES: Record<string, [ErrorCode, string]> = {
  'entity.parse.failed': ['invalid_json', 'request body is not valid JSON (an object or an array)'],
  'entity.too.large': ['payload_too_large', 'request body is too large'],
  'encoding.unsupported': ['unsupported_media_type', 'request body Content-Encoding is not supported; send identity, gzip, deflate or br'],
  'charset.unsupported': ['unsupported_media_type', 'request body charset is not supported; send UTF-8'],
  'request.aborted': ['validation_failed', 'request was aborted by the client'],
  'request.size.invalid': ['validation_failed', 'request body length does not match its Content-Length'],
};

/** The code for a client-error status no table above names. */
function codeForStatus(status: number): ErrorCode {
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  return 'validation_failed';
}

/**
 * Postgres "data exception" conditions that only a value the caller sent can
 * cause (a string the column type cannot read, text it cannot encode, a number
 * or date out of range). Validation should have caught each one with the
 * field's name; when it did not, the caller still gets a 4xx, and the
 * condition is logged so the missing check gets added.
 */
const INPUT_DATA_EXCEPTIONS: Record<string, string> = {
  '22P02': 'has the wrong form for its type',
  '22021': 'contains a character that cannot be stored',
  '22P05': 'contains a character that cannot be stored',
  '22001': 'is too long',
  '22003': 'is out of range',
  '22007': 'is not a valid date or time',
  '22008': 'is not a valid date or time',
};

function isDatabaseError(error: unknown): error is { code: string; message: string } {
  // Both pg's and PGlite's DatabaseError carry the SQLSTATE as `code` and a `severity`.
  const candidate = error as { code?: unknown; severity?: unknown };
  return typeof candidate?.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code) && typeof candidate.severity === 'string';
}

/** Maps anything thrown to the `{ error }` shape; only unexpected faults become a logged, generic 500. */
export function toHuashuError(error: unknown): HuashuError | undefined {
  if (error instanceof HuashuError) return error;
  // The router's decodeURIComponent on a path parameter (`/v1/leads/%ff`).
  if (error instanceof URIError && (error as HttpLibraryError).status === 400) {
    const message = 'a path segment is not valid percent-encoded UTF-8';
    return new HuashuError('validation_failed', `invalid params: ${message}`, { issues: [{ path: 'params', message }] });
  }
  const library = error as HttpLibraryError | undefined;
  const known = library?.type ? BODY_PARSER_CODES[library.type] : undefined;
  if (known) {
    const [code, message] = known;
    const limit = code === 'payload_too_large' && library?.limit ? ` (limit ${library.limit} bytes)` : '';
    return new HuashuError(code, `${message}${limit}`);
  }
  const status = library?.status ?? library?.statusCode;
  if (library?.expose === true && typeof status === 'number' && status >= 400 && status < 500) {
    // A Content-Encoding body that does not inflate: zlib's error, wrapped as a 400 by body-parser.
    const message = library.code?.startsWith('Z_')
      ? 'request body does not decode as its Content-Encoding says'
      : 'request body could not be read';
    return new HuashuError(codeForStatus(status), message, { issues: [{ path: 'body', message }] });
  }
  if (isConnectionFailure(error)) {
    return new HuashuError('service_unavailable', `the database is unavailable; retry in ${DATABASE_RETRY_AFTER_SECONDS} s`, { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS });
  }
  if (isDatabaseError(error) && INPUT_DATA_EXCEPTIONS[error.code]) {
    const message = `a value ${INPUT_DATA_EXCEPTIONS[error.code]}`;
    return new HuashuError('validation_failed', `invalid request: ${message}`, { issues: [{ path: '(request)', message }] });
  }
  return undefined;
}

/** Quoted spans of a database message that name schema objects, which are safe to keep; every other quoted span may be data. */
const IDENTIFIER_BEFORE_QUOTE = /\b(?:relation|column|constraint|table|index|type|function|schema|database|role|extension|sequence|trigger|view|operator|parameter|cursor|statement)\s$/i;
// Postgres and V8 quote values in double quotes; single quotes in JS messages wrap property names.
const QUOTED = /"(?:[^"]|"")*"/g;
/** Longest message kept in a fault log line. */
const MAX_LOGGED_MESSAGE = 300;

/**
 * A database or library message without the values it quotes: Postgres writes
 * `invalid input syntax for type uuid: "…"` and `value "…" is out of range`,
 * and JSON.parse echoes the text it choked on, any of which can be lead data.
 */
export function redactMessage(message: string): string {
  const redacted = message.replace(QUOTED, (span, offset: number) =>
    IDENTIFIER_BEFORE_QUOTE.test(message.slice(Math.max(0, offset - 20), offset)) ? span : '"…"',
  );
  return redacted.length > MAX_LOGGED_MESSAGE ? `${redacted.slice(0, MAX_LOGGED_MESSAGE)}…` : redacted;
}

/**
 * What of an unexpected fault may be logged: its class, code and redacted
 * message, and the stack's frames. Never the error object itself: pg errors
 * carry `detail` and `where` (row values), PGlite's carry the query's
 * parameters, and body-parser's carry the raw body.
 */
export function describeFault(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const code = (error as { code?: unknown }).code;
  // The first line of a stack repeats the message; the frames after it are file positions only.
  const frames = error.stack?.split('\n').filter((line) => /^\s+at /.test(line)).join('\n');
  const cause = error.cause instanceof Error ? { type: error.cause.name, message: redactMessage(error.cause.message) } : undefined;
  return {
    type: error.name,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    message: redactMessage(error.message),
    ...(frames ? { stack: frames } : {}),
    ...(cause ? { cause } : {}),
  };
}

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const known = toHuashuError(error);
    if (!known) {
      logger.error({ err: describeFault(error), method: req.method, path: req.path }, 'unhandled error');
    } else if (known.code === 'service_unavailable') {
      logger.warn({ method: req.method, path: req.path }, 'database unavailable: answered 503');
    } else if (isDatabaseError(error)) {
      logger.warn({ code: error.code, method: req.method, path: req.path }, 'the database refused a request value that validation let through');
    }
    const body = (known ?? new HuashuError('internal', 'internal server error')).toBody();
    if (res.headersSent) {
      res.end();
      return;
    }
    if (known?.code === 'service_unavailable') res.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
    res.status(known?.status ?? 500).json(body);
  };
}
