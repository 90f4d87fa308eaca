/**
 * When a failed delivery is tried again: Svix's schedule — at once, then after
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (eight attempts over about 28
 * hours) — each wait jittered so the deliveries that failed together in one
 * outage do not all come back in the same second.
 */
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** The waits after attempt 1, 2, …; after the last one the delivery is dead. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];

/** Each wait is stretched or shrunk by up to this fraction. */
export const RETRY_JITTER = 0.1;

/**
 * The longest `Retry-After` obeyed: the longest wait of the schedule itself,
 * so a receiver can slow us down but not park a delivery for days.
 */
export const MAX_RETRY_AFTER_MS = 10 * HOUR;

/**
 * The wait after failed scheduled attempt number `attempt` (1 = the first),
 * or null when the schedule is used up. A `Retry-After` (already in ms) is
 * honoured: the wait is at least that long, up to MAX_RETRY_AFTER_MS.
 */
export function retryDelay(attempt: number, schedule: readonly number[], retryAfterMs: number | null = null, random: () => number = Math.random): number | null {
  const base = schedule[attempt - 1];
  if (base === undefined) return null;
  const jittered = Math.round(base * (1 - RETRY_JITTER + 2 * RETRY_JITTER * random()));
  if (retryAfterMs === null) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}

/** `Retry-After` as seconds (`120`) or an HTTP date, in ms from `now`; null when absent or unreadable. */
export function parseRetryAfter(header: string | string[] | undefined, now: number): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Number(text) * SECOND;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now);
}
