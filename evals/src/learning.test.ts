import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFaqLearning, runLearningProtocol, learningCell } from './learning.js';

/** A small LCQMC-shaped file (q1 TAB q2 TAB label, no header): 300 pairs, two of three positive (the split needs a few hundred rows to fill both halves). */
const PAIRS = 300;

function writeCorpus(): string {
  const dir = mkdtempSync(join(tmpdir(), 'huashu-learning-'));
  mkdirSync(join(dir, 'faq-pairs'));
  const rows: string[] = [];
  for (let i = 0; i < PAIRS; i++) rows.push(`客户问第${i}个问题怎么处理\t第${i}号话术：价格和交付的说明\t${i % 3 === 2 ? 0 : 1}`);
  writeFileSync(join(dir, 'faq-pairs', 'lcqmc-dev.tsv'), `${rows.join('\n')}\n`);
  return dir;
}

describe('FAQ learning protocol', () => {
  const dir = writeCorpus();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is absent without the corpus file', () => {
    expect(loadFaqLearning(join(dir, 'nowhere'), 'lcqmc')).toBeUndefined();
  });

  it('splits the positive pairs into disjoint halves, A into feedback and measured parts, over one KB of every second sentence', () => {
    const data = loadFaqLearning(dir, 'lcqmc')!;
    const ids = (queries: Array<{ id: string }>) => queries.map((query) => query.id);
    const a = [...ids(data.feedbackTuning), ...ids(data.tuning)];
    const b = ids(data.heldOut);
    expect(new Set([...a, ...b]).size).toBe(a.length + b.length);
    expect(a.length + b.length).toBe(200);
    expect(data.feedbackTuning.length).toBeGreaterThan(0);
    expect(data.tuning.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    expect(data.dataset.entries).toHaveLength(PAIRS);
    expect(loadFaqLearning(dir, 'lcqmc', { maxQueries: 3 })!.heldOut).toHaveLength(3);
  });

  it('runs through the service: every success accepted, both halves measured before and after, the anchor beside them', async () => {
    const data = loadFaqLearning(dir, 'lcqmc', { maxQueries: 20 })!;
    const result = await runLearningProtocol(data, [{ name: 'hybrid' }]);
    expect(result.refused).toBe(0);
    expect(result.feedback.all).toBe(data.feedbackTuning.length + data.tuning.length);
    expect(result.learnMs).toHaveLength(2);
    for (const half of ['tuning', 'held-out'] as const) {
      for (const phase of ['before', 'after'] as const) expect(learningCell(result, 'hybrid', phase, half)?.summary.queries).toBeGreaterThan(0);
      expect(result.anchor[half].queries).toBeGreaterThan(0);
    }
    // Entries differ only by their number: the lexical match finds each one.
    expect(learningCell(result, 'hybrid', 'after', 'held-out')!.summary.recall3).toBeGreaterThanOrEqual(0.9);
  }, 120_000);
});
