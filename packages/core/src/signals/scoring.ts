/**
 * The intent score, exactly (README "Intent signals"):
 *
 *   S(t)     = Σᵢ wᵢ · 2^(−(t − tᵢ) / h)          every signal's weight halves each half-life h
 *   score(t) = 100 × (1 − e^(−max(0, S(t))))       0–100, shown rounded to a whole number
 *
 * One fresh signal of weight 0.85 alone scores 57; reaching 70 takes a
 * decayed sum of −ln(0.3) ≈ 1.20. Signals are stored with their weight and
 * time and decayed when read, so nothing has to revisit every lead as time
 * passes. A running sum `(sum, at)` is kept per lead (it sorts the hottest
 * leads and detects threshold crossings): adding a signal first decays the
 * sum to the signal's evaluation time, which is exact, not an approximation.
 */

export const MAX_SCORE = 100;
/** The score is compared with a threshold unrounded; trends and displays use whole points. */
export const TREND_WINDOW_MS = 7 * 24 * 3600_000;
/** A change smaller than this over the trend window reads as flat. */
export const TREND_MIN_CHANGE = 5;

export type Trend = 'rising' | 'falling' | 'flat';

export interface WeightedAt {
  weight: number;
  /** Epoch milliseconds. */
  at: number;
}

/** 2^(−age / halfLife): 1 at age 0, ½ after one half-life. A signal from the future (clock skew) counts above 1, consistently. */
export function decayFactor(ageMs: number, halfLifeMs: number): number {
  return Math.pow(2, -ageMs / halfLifeMs);
}

/** S(t): the decayed sum of the weights at `atMs` (signals after `atMs` are left out). */
export function decayedSum(signals: readonly WeightedAt[], atMs: number, halfLifeMs: number): number {
  let sum = 0;
  for (const signal of signals) if (signal.at <= atMs) sum += signal.weight * decayFactor(atMs - signal.at, halfLifeMs);
  return sum;
}

/** The exact 0–100 score of a decayed sum. */
export function scoreOfSum(sum: number): number {
  return MAX_SCORE * (1 - Math.exp(-Math.max(0, sum)));
}

/** The decayed sum a score needs: the inverse of `scoreOfSum` (∞ for 100). */
export function sumForScore(score: number): number {
  return score >= MAX_SCORE ? Number.POSITIVE_INFINITY : -Math.log(1 - Math.max(0, score) / MAX_SCORE);
}

/** The displayed score: whole points. */
export function roundScore(score: number): number {
  return Math.round(score);
}

/** A running sum moved to `toMs` (exact: decay is multiplicative). */
export function advanceSum(sum: number, fromMs: number, toMs: number, halfLifeMs: number): number {
  return sum * decayFactor(toMs - fromMs, halfLifeMs);
}

/** Rising or falling when the whole-point score moved by at least TREND_MIN_CHANGE since the window's start. */
export function trendOf(scoreThen: number, scoreNow: number): Trend {
  const change = roundScore(scoreNow) - roundScore(scoreThen);
  if (change >= TREND_MIN_CHANGE) return 'rising';
  if (change <= -TREND_MIN_CHANGE) return 'falling';
  return 'flat';
}

/** Score now and TREND_WINDOW_MS ago from the signals themselves, and the trend between them. */
export function intentOf(signals: readonly WeightedAt[], atMs: number, halfLifeMs: number): { score: number; exact: number; then: number; trend: Trend } {
  const exact = scoreOfSum(decayedSum(signals, atMs, halfLifeMs));
  const then = scoreOfSum(decayedSum(signals, atMs - TREND_WINDOW_MS, halfLifeMs));
  return { score: roundScore(exact), exact, then, trend: trendOf(then, exact) };
}

/**
 * The thresholds crossed upwards when the score went from `before` to
 * `after` at one instant (`before < threshold ≤ after`): each crossing fires
 * once, and fires again only after the score has been below it in between.
 */
export function crossedThresholds<T extends { score: number }>(thresholds: readonly T[], before: number, after: number): T[] {
  return thresholds.filter((threshold) => before < threshold.score && threshold.score <= after);
}
