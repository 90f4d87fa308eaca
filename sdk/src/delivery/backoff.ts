/** The first retry waits up to half a second: enough to ride out a blip, short enough that a form submit still feels instant. */
export const BACKOFF_BASE_MS = 500;
/** One attempt a minute at most, so a long outage never turns open tabs into a load test. */
export const BACKOFF_CAP_MS = 60_000;

/**
 * Exponential backoff with "full jitter": a uniformly random wait in
 * `[0, min(cap, base · 2^(attempt-1)))`. Spreading retries over the whole window
 * keeps thousands of visitors from retrying in lock-step after an outage.
 *
 * @param attempt - 1 for the first retry.
 * @param random - a source of numbers in `[0, 1)`; injectable for tests.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Parses an HTTP `Retry-After` header: either delta-seconds (`"120"`) or an
 * HTTP date (`"Wed, 21 Oct 2026 07:28:00 GMT"`). Returns milliseconds to wait,
 * or `undefined` when the header is absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP date always names its month; this keeps `Date.parse` from reading "-5" as a year.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long to wait before retry number `attempt`: the jittered backoff, but
 * never less than what the server asked for in `Retry-After`.
 */
export function retryDelay(attempt: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  return Math.max(backoffDelay(attempt, random), retryAfterMs ?? 0);
}
