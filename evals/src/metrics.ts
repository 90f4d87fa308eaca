/**
 * Retrieval metrics as pure functions over ranked id lists and decisions, so
 * every number in a report can be recomputed by hand from its inputs.
 * Rates are in [0, 1]; an empty input gives NaN (printed as "—"), never a
 * made-up 0 or 1.
 */

/** Share of the relevant ids found in the first `k` of `ranked` (hit@k when one id is relevant). */
export function recallAtK(ranked: readonly string[], relevant: readonly string[], k: number): number {
  if (relevant.length === 0) return Number.NaN;
  const top = new Set(ranked.slice(0, k));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

/** 1 / rank of the first relevant id within the first `k`, 0 when none is there. */
export function reciprocalRank(ranked: readonly string[], relevant: readonly string[], k = 10): number {
  const wanted = new Set(relevant);
  const index = ranked.slice(0, k).findIndex((id) => wanted.has(id));
  return index < 0 ? 0 : 1 / (index + 1);
}

/**
 * Normalised discounted cumulative gain with binary relevance: each relevant id
 * at (1-based) rank r adds 1 / log2(r + 1); the ideal puts every relevant id first.
 */
export function ndcgAtK(ranked: readonly string[], relevant: readonly string[], k = 10): number {
  if (relevant.length === 0) return Number.NaN;
  const wanted = new Set(relevant);
  let dcg = 0;
  ranked.slice(0, k).forEach((id, index) => {
    if (wanted.has(id)) dcg += 1 / Math.log2(index + 2);
  });
  let ideal = 0;
  for (let index = 0; index < Math.min(k, wanted.size); index++) ideal += 1 / Math.log2(index + 2);
  return dcg / ideal;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/**
 * Nearest-rank percentile (p in (0, 100]): the smallest value with at least p %
 * of the values at or below it. No interpolation, so it is always an observed value.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
}

export interface LatencySummary {
  p50: number;
  p95: number;
}

export function latencySummary(milliseconds: readonly number[]): LatencySummary {
  return { p50: percentile(milliseconds, 50), p95: percentile(milliseconds, 95) };
}

/** One question's abstention decision and whether the knowledge base can answer it at all. */
export interface AbstentionCase {
  outOfScope: boolean;
  abstained: boolean;
}

export interface AbstentionSummary {
  /** Of the abstentions, the share on out-of-scope questions (NaN when nothing was abstained). */
  precision: number;
  /** Of the out-of-scope questions, the share abstained (NaN without out-of-scope questions). */
  recall: number;
  /** Of the in-scope questions, the share wrongly abstained (NaN without in-scope questions). */
  inScopeAbstained: number;
}

export function abstentionSummary(cases: readonly AbstentionCase[]): AbstentionSummary {
  const abstained = cases.filter((c) => c.abstained);
  const outOfScope = cases.filter((c) => c.outOfScope);
  const inScope = cases.filter((c) => !c.outOfScope);
  const rate = (part: number, whole: number) => (whole === 0 ? Number.NaN : part / whole);
  return {
    precision: rate(abstained.filter((c) => c.outOfScope).length, abstained.length),
    recall: rate(outOfScope.filter((c) => c.abstained).length, outOfScope.length),
    inScopeAbstained: rate(inScope.filter((c) => c.abstained).length, inScope.length),
  };
}

/** What the runner records for one in-scope question. */
export interface RankedQuery {
  /** Entry ids in ranked order, before the abstention floor (at least 10 when the KB has them). */
  ranked: readonly string[];
  relevant: readonly string[];
  abstained: boolean;
}

export interface RankingSummary {
  queries: number;
  recall1: number;
  recall3: number;
  mrr10: number;
  ndcg10: number;
  /** recall@3 of what a rep actually sees: an abstained question counts as a miss. */
  servedRecall3: number;
}

export function rankingSummary(queries: readonly RankedQuery[]): RankingSummary {
  return {
    queries: queries.length,
    recall1: mean(queries.map((q) => recallAtK(q.ranked, q.relevant, 1))),
    recall3: mean(queries.map((q) => recallAtK(q.ranked, q.relevant, 3))),
    mrr10: mean(queries.map((q) => reciprocalRank(q.ranked, q.relevant, 10))),
    ndcg10: mean(queries.map((q) => ndcgAtK(q.ranked, q.relevant, 10))),
    servedRecall3: mean(queries.map((q) => (q.abstained ? 0 : recallAtK(q.ranked, q.relevant, 3)))),
  };
}

export interface PairedComparison {
  /** Questions the configuration gets right and the reference misses. */
  wins: number;
  /** Questions the reference gets right and the configuration misses. */
  losses: number;
  /** Two-sided exact sign test (McNemar) on wins vs losses; 1 when there are none. */
  pValue: number;
}

/**
 * Exact two-sided sign test: the probability, if wins and losses were equally
 * likely, of a split at least as uneven as the one observed. Summed in log
 * space so that thousands of discordant questions do not underflow.
 */
export function signTestPValue(wins: number, losses: number): number {
  const n = wins + losses;
  if (n === 0) return 1;
  const k = Math.min(wins, losses);
  let logChoose = 0;
  const terms: number[] = [];
  for (let i = 0; i <= k; i++) {
    if (i > 0) logChoose += Math.log(n - i + 1) - Math.log(i);
    terms.push(logChoose - n * Math.LN2);
  }
  const tail = terms.reduce((sum, logP) => sum + Math.exp(logP), 0);
  return Math.min(1, 2 * tail);
}

/** Hit-or-miss comparison of two runs over the same questions, matched by id. */
export function pairedComparison(
  ours: ReadonlyArray<{ id: string; hit: boolean }>,
  reference: ReadonlyArray<{ id: string; hit: boolean }>,
): PairedComparison {
  const referenceHit = new Map(reference.map((record) => [record.id, record.hit]));
  let wins = 0;
  let losses = 0;
  for (const record of ours) {
    const other = referenceHit.get(record.id);
    if (other === undefined) throw new Error(`question ${record.id} is missing from the reference run`);
    if (record.hit && !other) wins++;
    if (!record.hit && other) losses++;
  }
  return { wins, losses, pValue: signTestPValue(wins, losses) };
}
