import { HuashuApiError, toApiError } from '../errors.js';
import { retryDelay } from './backoff.js';

export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number;
  /** Give up rather than wait longer than this for one retry (an interactive caller cannot wait a minute). */
  maxDelayMs: number;
  signal?: AbortSignal | undefined;
  random?: () => number;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () => {
      clearTimeout(timer);
      reject(new HuashuApiError('aborted', 'the request was aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }, ms);
    if (signal?.aborted) aborted();
    else signal?.addEventListener('abort', aborted, { once: true });
  });
}

/**
 * Runs `operation` until it succeeds, fails with a non-retryable error, or the
 * policy runs out; waits with jittered exponential backoff (at least the
 * server's `Retry-After`) in between. The caller makes the operation idempotent
 * (lead capture reuses one idempotency key), so a retry after a lost response
 * cannot create a second record.
 */
export async function withRetry<T>(operation: () => Promise<T>, { attempts, maxDelayMs, signal, random }: RetryPolicy): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (thrown) {
      const error = toApiError(thrown);
      const delay = retryDelay(attempt, error.retryAfterMs, random);
      if (!error.retryable || attempt >= attempts || delay > maxDelayMs) throw error;
      await sleep(delay, signal);
    }
  }
}
