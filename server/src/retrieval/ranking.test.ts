import { describe, expect, it } from 'vitest';
import { answerMatch, fuse, idf, occurrences, type CorpusStats } from './ranking.js';

const stats = (documents: number, df: Record<string, number>): CorpusStats => ({
  documents,
  averageLength: 10,
  documentFrequency: new Map(Object.entries(df)),
});

describe('occurrences', () => {
  it('counts Chinese terms anywhere, without overlaps', () => {
    expect(occurrences('折扣和年付折扣', '折扣')).toBe(2);
    expect(occurrences('哈哈哈', '哈哈')).toBe(1);
    expect(occurrences('源代码托管', '代码')).toBe(1);
    expect(occurrences('源代码托管', '价格')).toBe(0);
    expect(occurrences('任何文本', '')).toBe(0);
  });

  it('matches Latin words and numbers as whole tokens only', () => {
    expect(occurrences('five-year tco sheet', 'tco')).toBe(1);
    expect(occurrences('erps and erp', 'erp')).toBe(1);
    expect(occurrences('按15%计', '5')).toBe(0);
    expect(occurrences('5年tco', '5')).toBe(1);
    expect(occurrences('支持sap对接', 'sap')).toBe(1);
  });
});

describe('answerMatch', () => {
  const corpus = stats(100, { 价格: 30, 折扣: 5, tco: 0 });

  it('is the IDF-weighted share of query terms an average-length answer contains once', () => {
    const answer = '先谈折扣，再谈其他。';
    const share = idf(corpus, '折扣') / (idf(corpus, '折扣') + idf(corpus, '价格'));
    expect(answerMatch(['折扣', '价格'], answer, answer.length, corpus)).toBeCloseTo(share, 10);
  });

  it('is 1 when an average-length answer contains every query term once, 0 when it contains none', () => {
    const answer = '价格与折扣';
    expect(answerMatch(['价格', '折扣'], answer, answer.length, corpus)).toBeCloseTo(1, 10);
    expect(answerMatch(['tco'], answer, answer.length, corpus)).toBe(0);
    expect(answerMatch([], answer, answer.length, corpus)).toBe(0);
  });

  it('favours shorter answers and saturates repeats, as BM25 does', () => {
    const short = answerMatch(['折扣'], '折扣', 20, corpus);
    const long = answerMatch(['折扣'], `折扣${'。'.repeat(59)}`, 20, corpus);
    expect(short).toBe(1);
    expect(long).toBeLessThan(short);
    const once = answerMatch(['折扣', '价格'], `折扣${'。'.repeat(18)}`, 20, corpus);
    const thrice = answerMatch(['折扣', '价格'], `折扣折扣折扣${'。'.repeat(14)}`, 20, corpus);
    expect(thrice).toBeGreaterThan(once);
    expect(thrice).toBeLessThan(once * 2.2);
  });
});

describe('fuse', () => {
  it('is the convex combination of dense and lexical without an answer weight', () => {
    expect(fuse(0.8, 0.4, { dense: 0.5, lexical: 0.5 })).toBeCloseTo(0.6);
    expect(fuse(-0.2, 0.4, { dense: 0.5, lexical: 0.5 })).toBeCloseTo(0.2);
  });

  it('gives the answer slot to the better of question and answer match', () => {
    const weights = { dense: 0.4, lexical: 0.4, answer: 0.2 };
    expect(fuse(0.5, 0.2, weights, 0.7)).toBeCloseTo(0.4 * 0.5 + 0.4 * 0.2 + 0.2 * 0.7);
    // Equal questions stay tied whatever their answers say, so the success-rate boost can order them.
    expect(fuse(0.5, 0.9, weights, 0.6)).toBeCloseTo(fuse(0.5, 0.9, weights, 0));
  });
});
