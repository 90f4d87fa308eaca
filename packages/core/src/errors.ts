/**
 * Error codes shared by the server, the SDK and the widgets. Errors travel as
 * data — `{ error: { code, message, details? } }` — so clients branch on `code`,
 * never on message text.
 */
export const ERROR_STATUS = {
  invalid_json: 400,
  validation_failed: 400,
  /** Not valid HTTP: refused by the server's parser before any route. */
  bad_request: 400,
  unauthenticated: 401,
  invalid_token: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  /** A redemption costs more than the rep's balance. */
  insufficient_points: 409,
  /** A reward has no units left. */
  out_of_stock: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  /** The request head (URL, query string, headers) is over the server's limit. */
  headers_too_large: 431,
  rate_limited: 429,
  embedding_mismatch: 409,
  llm_unavailable: 503,
  /** The database cannot be reached for now; retry after the response's Retry-After. */
  service_unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** One problem with one field of the input, `path` in dotted form (`evidence.0.url`). */
export interface FieldIssue {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    details?: { issues?: FieldIssue[]; [key: string]: unknown };
  };
}

export class HuashuError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorBody['error']['details'];

  constructor(code: ErrorCode, message: string, details?: ErrorBody['error']['details'], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HuashuError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = details;
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string';
}
