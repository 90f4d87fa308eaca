import { describe, expect, it } from 'vitest';
import { abstentionSummary, latencySummary, mean, ndcgAtK, pairedComparison, percentile, rankingSummary, recallAtK, reciprocalRank, signTestPValue } from './metrics.js';

describe('recallAtK', () => {
  it('is hit@k for one relevant id', () => {
    expect(recallAtK(['a', 'b', 'c'], ['a'], 1)).toBe(1);
    expect(recallAtK(['b', 'a', 'c'], ['a'], 1)).toBe(0);
    expect(recallAtK(['b', 'c', 'a'], ['a'], 3)).toBe(1);
    expect(recallAtK(['b', 'c', 'd', 'a'], ['a'], 3)).toBe(0);
  });

  it('is the found share for several relevant ids', () => {
    expect(recallAtK(['a', 'x', 'y', 'b'], ['a', 'b'], 3)).toBe(0.5);
    expect(recallAtK(['a', 'b'], ['a', 'b'], 3)).toBe(1);
  });

  it('counts an empty ranking (an abstention) as a miss and has no value without relevant ids', () => {
    expect(recallAtK([], ['a'], 3)).toBe(0);
    expect(recallAtK(['a'], [], 3)).toBeNaN();
  });
});

describe('reciprocalRank', () => {
  it('is 1 / rank of the first relevant id', () => {
    expect(reciprocalRank(['a', 'b'], ['a'])).toBe(1);
    expect(reciprocalRank(['x', 'y', 'a'], ['a'])).toBeCloseTo(1 / 3);
    expect(reciprocalRank(['x', 'b', 'a'], ['a', 'b'])).toBe(0.5);
  });

  it('is 0 beyond the cut-off', () => {
    const ranked = [...'abcdefghij'].map((c) => `x${c}`).concat('a');
    expect(reciprocalRank(ranked, ['a'], 10)).toBe(0);
    expect(reciprocalRank(ranked, ['a'], 11)).toBeCloseTo(1 / 11);
  });
});

describe('ndcgAtK', () => {
  it('is 1 for a perfect ranking and discounts by log2(rank + 1)', () => {
    expect(ndcgAtK(['a', 'x'], ['a'])).toBe(1);
    expect(ndcgAtK(['x', 'a'], ['a'])).toBeCloseTo(1 / Math.log2(3));
    expect(ndcgAtK(['x', 'y', 'z', 'a'], ['a'])).toBeCloseTo(1 / Math.log2(5));
  });

  it('normalises by the ideal order of several relevant ids', () => {
    // DCG = 1/log2(3) + 1/log2(4); ideal = 1 + 1/log2(3).
    expect(ndcgAtK(['x', 'a', 'b'], ['a', 'b'])).toBeCloseTo((1 / Math.log2(3) + 0.5) / (1 + 1 / Math.log2(3)));
  });

  it('is 0 when nothing relevant is in the first k', () => {
    expect(ndcgAtK(['x', 'y'], ['a'], 2)).toBe(0);
  });
});

describe('percentile and latency', () => {
  it('uses the nearest rank, always an observed value', () => {
    const values = [5, 1, 4, 2, 3];
    expect(percentile(values, 50)).toBe(3);
    expect(percentile(values, 95)).toBe(5);
    expect(percentile(values, 20)).toBe(1);
    expect(percentile(values, 100)).toBe(5);
    expect(percentile([7], 50)).toBe(7);
  });

  it('matches the textbook example of 20 values', () => {
    const values = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(latencySummary(values)).toEqual({ p50: 10, p95: 19 });
  });

  it('rejects percentiles outside (0, 100] and has no value for no samples', () => {
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(percentile([], 50)).toBeNaN();
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('abstentionSummary', () => {
  it('computes precision over abstentions, recall over out-of-scope questions and the wrong-abstention rate', () => {
    const cases = [
      { outOfScope: true, abstained: true },
      { outOfScope: true, abstained: true },
      { outOfScope: true, abstained: false },
      { outOfScope: false, abstained: true },
      { outOfScope: false, abstained: false },
      { outOfScope: false, abstained: false },
      { outOfScope: false, abstained: false },
    ];
    const summary = abstentionSummary(cases);
    expect(summary.precision).toBeCloseTo(2 / 3);
    expect(summary.recall).toBeCloseTo(2 / 3);
    expect(summary.inScopeAbstained).toBeCloseTo(1 / 4);
  });

  it('has no precision when nothing was abstained and no recall without out-of-scope questions', () => {
    const summary = abstentionSummary([{ outOfScope: false, abstained: false }]);
    expect(summary.precision).toBeNaN();
    expect(summary.recall).toBeNaN();
    expect(summary.inScopeAbstained).toBe(0);
  });
});

describe('rankingSummary', () => {
  it('averages per-question metrics and counts abstentions as misses only in served recall', () => {
    const summary = rankingSummary([
      { ranked: ['a', 'x', 'y'], relevant: ['a'], abstained: false },
      { ranked: ['x', 'y', 'b'], relevant: ['b'], abstained: true },
      { ranked: ['x', 'y', 'z', 'w'], relevant: ['c'], abstained: false },
    ]);
    expect(summary.queries).toBe(3);
    expect(summary.recall1).toBeCloseTo(1 / 3);
    expect(summary.recall3).toBeCloseTo(2 / 3);
    expect(summary.servedRecall3).toBeCloseTo(1 / 3);
    expect(summary.mrr10).toBeCloseTo((1 + 1 / 3 + 0) / 3);
    expect(summary.ndcg10).toBeCloseTo((1 + 1 / Math.log2(4)) / 3);
  });

  it('is NaN for an empty set', () => {
    expect(mean([])).toBeNaN();
    expect(rankingSummary([]).recall3).toBeNaN();
  });
});

describe('paired comparison and sign test', () => {
  it('matches the exact binomial tail', () => {
    // n = 10, k = 2: P(X ≤ 2) = (1 + 10 + 45) / 1024; two-sided doubles it.
    expect(signTestPValue(8, 2)).toBeCloseTo((2 * 56) / 1024, 10);
    expect(signTestPValue(2, 8)).toBeCloseTo((2 * 56) / 1024, 10);
    expect(signTestPValue(5, 5)).toBe(1);
    expect(signTestPValue(0, 0)).toBe(1);
    expect(signTestPValue(6, 0)).toBeCloseTo(2 / 64, 10);
  });

  it('stays finite for thousands of discordant questions', () => {
    const p = signTestPValue(1100, 900);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(0.001);
  });

  it('counts questions one run gets right and the other misses', () => {
    const ours = [
      { id: 'a', hit: true },
      { id: 'b', hit: true },
      { id: 'c', hit: false },
      { id: 'd', hit: true },
    ];
    const reference = [
      { id: 'd', hit: true },
      { id: 'c', hit: true },
      { id: 'b', hit: false },
      { id: 'a', hit: false },
    ];
    expect(pairedComparison(ours, reference)).toEqual({ wins: 2, losses: 1, pValue: 1 });
    expect(() => pairedComparison(ours, reference.slice(1))).toThrow(/missing/);
  });
});
