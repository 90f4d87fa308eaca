import type { ErrorBody, ErrorCode, FieldIssue, TrackingEvent } from '@huashu/core';

/**
 * Codes the SDK raises itself, next to the server's {@link ErrorCode}s:
 * - `network_error` — the request never got an HTTP answer (offline, DNS, CORS); retried.
 * - `aborted` — the caller's `AbortSignal` fired.
 * - `http_error` — an error status without Huashu's JSON error body (a proxy's HTML page).
 * - `invalid_response` — a success status whose body is not the expected JSON.
 * - `invalid_argument` — a public method was called with something it cannot use.
 * - `queue_overflow` — the event queue reached `maxQueue`; the oldest events were dropped.
 * - `event_rejected` — the server refused individual events, which were dropped: by naming them in a batch's
 *   answer (see `details.rejected`), or by failing (5xx) each time one was sent on its own, `maxAttempts` times
 *   or once it was older than `maxEventAgeMs` (`status` and `cause` are then the last failure's).
 * - `event_too_large` — one event serialised to more than the server's 32 KB limit.
 * - `storage_error` — `localStorage` refused a write (quota, privacy mode); the SDK keeps going in memory.
 * - `unexpected` — a bug or a hostile environment; caught so that it never reaches the host page.
 */
export type SdkErrorCode =
  | 'network_error'
  | 'aborted'
  | 'http_error'
  | 'invalid_response'
  | 'invalid_argument'
  | 'queue_overflow'
  | 'event_rejected'
  | 'event_too_large'
  | 'storage_error'
  | 'unexpected';

/** Every code a {@link HuashuApiError} can carry. Branch on it, never on the message. */
export type HuashuErrorCode = ErrorCode | SdkErrorCode;

/** The server's `error.details`: field problems in `issues`, anything else alongside. */
export type ErrorDetails = NonNullable<ErrorBody['error']['details']>;

export interface HuashuApiErrorInit {
  /** HTTP status; `0` when no HTTP answer was involved. */
  status?: number;
  details?: ErrorDetails;
  /** The server's `Retry-After`, in milliseconds. */
  retryAfterMs?: number;
  /** Tracking events this error made the SDK drop. */
  events?: readonly TrackingEvent[];
  cause?: unknown;
}

/**
 * The one error type of the SDK, for API calls and background delivery alike.
 * It mirrors the server's `{ error: { code, message, details } }` body, so a
 * form can put `issues[i].message` next to the field named by `issues[i].path`.
 */
export class HuashuApiError extends Error {
  // `declare`: assigned in the constructor; no separate field initialisers in the bundle.
  /** Stable, machine-readable reason. */
  declare readonly code: HuashuErrorCode;
  /** HTTP status, or `0` when the error arose before or without an HTTP answer. */
  declare readonly status: number;
  declare readonly details: ErrorDetails | undefined;
  /** Field-level problems (`path` in dotted form, e.g. `fields.budget`); empty when none. */
  declare readonly issues: FieldIssue[];
  /** How long the server asked the client to wait (`Retry-After`), in milliseconds. */
  declare readonly retryAfterMs: number | undefined;
  /** Tracking events that were dropped because of this error, for logging or re-sending. */
  declare readonly events: readonly TrackingEvent[] | undefined;

  constructor(code: HuashuErrorCode, message: string, init: HuashuApiErrorInit = {}) {
    super(message, { cause: init.cause });
    this.name = 'HuashuApiError';
    this.code = code;
    this.status = init.status ?? 0;
    this.details = init.details;
    this.issues = init.details?.issues ?? [];
    this.retryAfterMs = init.retryAfterMs;
    this.events = init.events;
  }

  /** Whether trying the same request again later can succeed: no answer, a timeout, rate limiting or a server fault. */
  get retryable(): boolean {
    return this.code === 'network_error' || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** Turns anything thrown into a {@link HuashuApiError}, keeping the original as `cause`. */
export function toApiError(error: unknown): HuashuApiError {
  return error instanceof HuashuApiError ? error : new HuashuApiError('unexpected', String((error as Error)?.message ?? error), { cause: error });
}
