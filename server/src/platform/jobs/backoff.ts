export interface Backoff {
  /** Delay after the first failure; it doubles with every further failure. */
  baseMs: number;
  /** No retry waits longer than this. */
  maxMs: number;
}

const SECOND = 1000;
const HOUR = 60 * 60 * SECOND;

/** 1 s, 2 s, 4 s … capped at an hour: a day-long outage costs about 30 attempts, not thousands. */
export const DEFAULT_BACKOFF: Backoff = { baseMs: SECOND, maxMs: HOUR };

/**
 * How long to wait after failure number `failures` (1 = the first). Exponential
 * and capped, with "equal jitter" (half fixed, half random) so jobs that failed
 * together in one outage do not all retry in the same instant.
 */
export function backoffDelay(failures: number, backoff: Backoff = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
