import { HuashuError } from '@huashu/core';

/** last_error and delivery errors are for operators, not a log of payloads: kept short. */
export const MAX_ERROR_TEXT = 500;

/**
 * An error a handler vouches for: its message goes into `jobs.last_error`, so
 * it must not contain lead data (say "webhook answered 410", not the body).
 * `retry: false` gives up at once (a permanent failure such as a gone endpoint).
 */
export class JobError extends Error {
  override name = 'JobError';
  readonly retry: boolean;

  constructor(
    readonly code: string,
    message: string,
    options: { retry?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.retry = options.retry ?? true;
  }
}

export class JobTimeoutError extends JobError {
  override name = 'JobTimeoutError';

  constructor(timeoutMs: number) {
    super('timeout', `handler did not finish within ${timeoutMs} ms`);
  }
}

/** Driver codes (SQLSTATE `23505`, `ECONNRESET`) carry no data; anything longer might. */
const SAFE_CODE = /^[A-Za-z0-9_]{1,32}$/;

/**
 * What may be stored about a failure. Only our own errors keep their message;
 * any other error (a driver's, a library's) is reduced to its class and code,
 * because their messages can quote the values involved — phone numbers, names.
 */
export function describeError(error: unknown): string {
  let text: string;
  if (error instanceof JobError || error instanceof HuashuError) {
    text = `${error.name}(${error.code}): ${error.message}`;
  } else if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    text = typeof code === 'string' && SAFE_CODE.test(code) ? `${error.name}(${code})` : error.name;
  } else {
    text = 'a non-Error value was thrown';
  }
  return text.length > MAX_ERROR_TEXT ? `${text.slice(0, MAX_ERROR_TEXT - 1)}…` : text;
}

/** Whether another attempt could help; only a JobError can say no. */
export function isRetryable(error: unknown): boolean {
  return !(error instanceof JobError) || error.retry;
}
