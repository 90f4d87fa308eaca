import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ask } from '@huashu/server';
import { afterAll, describe, expect, it } from 'vitest';
import { faqCorpusPath, loadFaqPairs, loadOtherTenant, loadSalesObjections, OTHER_TENANTS, type OtherTenant } from './datasets.js';
import { BASELINE, DENSE_LOCAL, HYBRID, LEXICAL } from './retrievers.js';
import { KnowledgeBaseCache, runRetrievalEval } from './runner.js';

// A retrieval regression fails CI here. Every floor is the value this test's
// own sets measured on 2026-11-22 (the sales numbers are also in
// evals/reports/2026-11-22.md) minus a margin of three to five questions, which
// also absorbs exact ties broken by random entry ids. A deliberate ranking
// change that costs more has to update these numbers, and say why, in the
// same commit.

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = resolve(process.env.HUASHU_EVAL_DATA ?? join(repoRoot, '..', 'shared', 'data'));
const sales = loadSalesObjections(join(repoRoot, 'evals', 'datasets', 'sales-objections'));

describe('retrieval smoke eval: sales-objections (60 entries, 180 questions, 22 out of scope)', () => {
  const knowledgeBases = new KnowledgeBaseCache();
  afterAll(() => knowledgeBases.close());

  it('hybrid (the server default) ranks and abstains as well as when it was tuned', async () => {
    const result = await runRetrievalEval(HYBRID, sales, { knowledgeBases });
    // Measured 0.950 (171/180); margin 3 questions.
    expect(result.ranking.recall3).toBeGreaterThanOrEqual(0.93);
    // Measured 0.850; margin 3 questions.
    expect(result.ranking.recall1).toBeGreaterThanOrEqual(0.83);
    // Measured 0.900; margin ≈ 4 questions moving from rank 1 to rank 2.
    expect(result.ranking.mrr10).toBeGreaterThanOrEqual(0.89);
    // Measured 5/180 in-scope questions abstained (2.8 %) with confidence
    // tiers and the domain gate (2026-12-03); at most 3 more.
    expect(result.queries.filter((record) => record.abstained).length).toBeLessThanOrEqual(8);
    // Measured 22/22 out-of-scope questions abstained (the gate); at most 2 fewer.
    expect(result.outOfScope.filter((record) => record.abstained).length).toBeGreaterThanOrEqual(20);
  });

  it('the runner’s abstention agrees with what /v1/assistant/ask returns', async () => {
    const result = await runRetrievalEval(HYBRID, sales, { knowledgeBases });
    const kb = await knowledgeBases.get(sales, HYBRID);
    const abstainedByRunner = new Map([...result.queries, ...result.outOfScope].map((record) => [record.id, record.abstained]));
    for (const question of [...sales.queries, ...sales.outOfScope]) {
      const response = await ask(kb.ctx, kb.tenantId, { question: question.text }, { boost: false });
      expect.soft(response.abstained, question.id).toBe(abstainedByRunner.get(question.id));
    }
  });

  it('lexical and dense alone stay above their measured values', async () => {
    const lexical = await runRetrievalEval(LEXICAL, sales, { knowledgeBases });
    // Measured 0.906; margin 3 questions.
    expect(lexical.ranking.recall3).toBeGreaterThanOrEqual(0.88);
    const dense = await runRetrievalEval(DENSE_LOCAL, sales, { knowledgeBases });
    // Measured 0.861; margin 3 questions.
    expect(dense.ranking.recall3).toBeGreaterThanOrEqual(0.84);
  });

  it('the BM25 anchor reproduces its value exactly (it is deterministic and independent of the server)', async () => {
    const anchor = await runRetrievalEval(BASELINE, sales);
    // Measured 0.822 (148/180): a change here means the dataset or the harness changed.
    expect(anchor.ranking.recall3).toBeCloseTo(148 / 180, 6);
  });
});

/**
 * The sets written after tuning, each with the tiers of its first run (before any change) as floors:
 * late 2026-12-04 R@3 38/40, 0 real `none`, 27/30 off-topic `none`, 0 `high`; fresh R@3 47/47, 2 `none`
 * (q-039-e, q-054-e; the issue allows 2 in 80), 27/30, 1 `high` (oos-f-13, a weather question; the target
 * is none); third R@3 43/44, 0 `none`, 28/30, 0 `high`. The other companies' bases (their own entries):
 * energy R@3 72/80, 1 `none`, 19/20, 0 `high`; HR SaaS R@3 74/80, 2 `none`, 18/20, 2 `high` (its rep's own
 * payroll and tax questions). Recall keeps a margin of two questions.
 */
const UNTUNED_FIRST_RUNS = [
  { part: 'late', recall3: 38 / 40, none: 0, offTopicNone: 27, offTopicHigh: 0 },
  { part: 'fresh', recall3: 47 / 47, none: 2, offTopicNone: 27, offTopicHigh: 1 },
  { part: 'third', recall3: 43 / 44, none: 0, offTopicNone: 28, offTopicHigh: 0 },
  { part: 'sales-objections-energy', recall3: 72 / 80, none: 1, offTopicNone: 19, offTopicHigh: 0 },
  { part: 'sales-objections-hr-saas', recall3: 74 / 80, none: 2, offTopicNone: 18, offTopicHigh: 2 },
] as const;

const untunedSet = (part: (typeof UNTUNED_FIRST_RUNS)[number]['part']) =>
  part in OTHER_TENANTS
    ? loadOtherTenant(join(repoRoot, 'evals', 'datasets'), part as OtherTenant)
    : loadSalesObjections(join(repoRoot, 'evals', 'datasets', 'sales-objections'), part as 'late' | 'fresh' | 'third');

describe.each(UNTUNED_FIRST_RUNS)('retrieval smoke eval: $part, written after tuning', (first) => {
  const dataset = untunedSet(first.part);
  const knowledgeBases = new KnowledgeBaseCache();
  afterAll(() => knowledgeBases.close());

  it('keeps the tiers of its first run: real questions answered, off-topic ones none and not high', async () => {
    const result = await runRetrievalEval(HYBRID, dataset, { knowledgeBases });
    expect(result.ranking.recall3).toBeGreaterThanOrEqual(first.recall3 - 2 / dataset.queries.length - 1e-9);
    expect(result.queries.filter((record) => record.confidence === 'none').length).toBeLessThanOrEqual(Math.max(first.none, 1));
    expect(result.outOfScope.filter((record) => record.confidence === 'none').length).toBeGreaterThanOrEqual(first.offTopicNone - 2);
    expect(result.outOfScope.filter((record) => record.confidence === 'high').length).toBeLessThanOrEqual(first.offTopicHigh);
  });
});

// 300 LCQMC queries against the KB of the first 3,000 rows (2,978 entries). A
// KB of only the 300 queries' own pairs is too easy to detect anything (every
// configuration scores recall@3 ≈ 1.0); with ten times the distractors R@1 and
// MRR still move when ranking regresses.
const lcqmc = loadFaqPairs(dataDir, 'lcqmc', { maxPairs: 3000, maxQueries: 300 });

describe.skipIf(!lcqmc)('retrieval smoke eval: LCQMC dev subset', () => {
  const knowledgeBases = new KnowledgeBaseCache();
  afterAll(() => knowledgeBases.close());

  it('hybrid stays above its measured values', async () => {
    const result = await runRetrievalEval(HYBRID, lcqmc!, { knowledgeBases });
    // Measured 0.987; margin ≈ 5 questions.
    expect(result.ranking.recall3).toBeGreaterThanOrEqual(0.97);
    // Measured 0.827; margin ≈ 5 questions (R@1 moves most when ranking changes).
    expect(result.ranking.recall1).toBeGreaterThanOrEqual(0.81);
    // Measured 0.906; margin ≈ 5 questions moving from rank 1 to rank 2.
    expect(result.ranking.mrr10).toBeGreaterThanOrEqual(0.89);
    // Paraphrase pairs share most of their words: measured 0 wrongly abstained; allow 3.
    expect(result.queries.filter((record) => record.abstained).length).toBeLessThanOrEqual(3);
  });
});

// Declared only when the corpus is absent, so a run with the data reports no skipped test.
if (!lcqmc) describe('retrieval smoke eval: LCQMC dev subset', () => {
  it.skip(`skipped: ${faqCorpusPath(dataDir, 'lcqmc')} ${existsSync(dataDir) ? 'is missing' : `(data folder ${dataDir} is absent; set HUASHU_EVAL_DATA)`}`, () => {});
});
