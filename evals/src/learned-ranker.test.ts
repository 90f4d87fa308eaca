import { describe, expect, it } from 'vitest';
import { pairFeatures, rankerScore, trainRanker, type RankerExample } from './learned-ranker.js';
import { lexicalTerms } from '@huashu/server';

// A tenant whose reps ask about 花呗 and whose base also holds 借呗 entries
// phrased like the questions: the lexical ranking puts the 借呗 entry first
// (it shares 怎么弄 / 不了), the reports say the 花呗 one answered.
const TOPICS = ['还款', '额度', '分期', '逾期', '开通', '关闭', '账单'];
const question = (topic: string) => lexicalTerms(`我的花呗${topic}怎么弄不了`);
const right = (topic: string) => lexicalTerms(`花呗${topic}问题`);
const wrong = (topic: string) => lexicalTerms(`借呗${topic}怎么弄不了`);
const example = (topic: string): RankerExample => ({
  question: question(topic),
  positive: { terms: right(topic), base: 0.4 },
  negatives: [{ terms: wrong(topic), base: 0.6, weight: 1 }],
});

describe('learned ranker', () => {
  it('moves an entry nobody reported on above the lexical favourite for a question nobody asked, from other pairs', () => {
    const model = trainRanker(TOPICS.map(example));
    // 提现: never asked, its entries never in a report.
    const unseen = question('提现');
    const before = { right: 0.4, wrong: 0.6 };
    const after = {
      right: before.right + rankerScore(model, unseen, right('提现')),
      wrong: before.wrong + rankerScore(model, unseen, wrong('提现')),
    };
    expect(after.right).toBeGreaterThan(after.wrong);
  });

  it('learns nothing from a feature seen with fewer positives than the support', () => {
    const model = trainRanker([example('还款')], { support: 2 });
    expect(Object.keys(model.weights)).toHaveLength(0);
    expect(rankerScore(model, question('还款'), right('还款'))).toBe(0);
  });

  it('is deterministic and scores 0 without a model', () => {
    const examples = TOPICS.map(example);
    expect(trainRanker(examples)).toEqual(trainRanker(examples));
    expect(rankerScore(undefined, question('还款'), right('还款'))).toBe(0);
  });

  it('scales each feature family by its size so a longer entry does not score more', () => {
    const short = pairFeatures(['花呗'], ['花呗']);
    const long = pairFeatures(['花呗'], ['花呗', '还款', '逾期', '利息']);
    expect([...short.keys()].filter((key) => key.startsWith('m'))).toEqual([...long.keys()].filter((key) => key.startsWith('m')));
    expect(Math.max(...[...long.values()])).toBeLessThanOrEqual(1);
  });
});
