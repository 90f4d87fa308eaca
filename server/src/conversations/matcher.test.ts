import { CaptureRules, type CaptureRulesInput, type ConversationMessage } from '@huashu/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPTURE_RULES } from './default-rules.js';
import { matchConversation } from './matcher.js';

const LIMITS = { questionMax: 500, answerMax: 4000 };
const START = Date.parse('2026-12-01T10:00:00+08:00');

/** A chat as `[role, text]` pairs, a minute apart. */
function chat(...lines: Array<['customer' | 'rep', string]>): ConversationMessage[] {
  return lines.map(([role, text], index) => ({ role, text, at: new Date(START + index * 60_000).toISOString() }));
}

const run = (messages: ConversationMessage[], rules = DEFAULT_CAPTURE_RULES) => matchConversation(messages, rules, LIMITS);
const tagsOf = (messages: ConversationMessage[], rules = DEFAULT_CAPTURE_RULES) => run(messages, rules).map((snippet) => snippet.tags);
const rules = (input: CaptureRulesInput) => CaptureRules.parse(input);

describe('capture rules: windows', () => {
  it('matches 预算 + 贵 within three messages, and not when they are further apart', () => {
    const near = chat(['customer', '我们今年预算有限'], ['rep', '理解'], ['customer', '你们比别人贵不少']);
    expect(tagsOf(near)).toEqual([['价格异议']]);
    const far = chat(['customer', '我们今年预算有限'], ['rep', '理解'], ['customer', '那先看方案'], ['rep', '好的'], ['customer', '你们比别人贵不少']);
    expect(tagsOf(far)).toEqual([]);
  });

  it('reports the smallest span holding the terms, with its context and why it matched', () => {
    const messages = chat(
      ['rep', '张主任您好'],
      ['customer', '方案我们看了'],
      ['customer', '不过预算卡得很紧'],
      ['customer', '你们报价能再低点吗'],
      ['rep', '我们可以分两期实施，首期只上门诊模块，费用降到一半。'],
      ['customer', '那你发个分期方案'],
      ['rep', '好的'],
    );
    const [snippet] = run(messages);
    expect(snippet).toMatchObject({ from: 2, to: 3, tags: ['价格异议'] });
    expect(snippet!.context.map((message) => [message.index, message.matched])).toEqual([
      [0, false],
      [1, false],
      [2, true],
      [3, true],
      [4, false],
      [5, false],
    ]);
    const [match] = snippet!.matches;
    expect(match!.terms.map((hit) => [hit.term, hit.found, hit.messageIndex])).toEqual([
      ['预算', '预算', 2],
      ['报价', '报价', 3],
    ]);
    expect(match!.why).toContain('「预算」（第 3 条）');
    expect(match!.why).toContain('价格异议');
    // The customer's words are the question; the rep's reply in the window is the answer.
    expect(snippet!.question).toBe('不过预算卡得很紧\n你们报价能再低点吗');
    expect(snippet!.answer).toBe('我们可以分两期实施，首期只上门诊模块，费用降到一半。');
  });

  it('merges overlapping matches of several rules into one snippet with every tag', () => {
    const messages = chat(['customer', '预算就这么多，你们太贵了'], ['customer', '华为家上线只要两周，你们要多久？']);
    const snippets = run(messages);
    expect(snippets).toHaveLength(1);
    expect(snippets[0]!.tags.sort()).toEqual(['交付压力', '价格异议', '竞品对比'].sort());
  });

  it('keeps separate mentions far apart as separate snippets', () => {
    const messages = chat(['customer', '竞品报价更低'], ['rep', '我们看看'], ['rep', '稍等'], ['rep', '我查一下'], ['customer', '别家也这么说']);
    expect(run(messages).map((snippet) => [snippet.from, snippet.to])).toEqual([
      [0, 0],
      [4, 4],
    ]);
  });
});

describe('capture rules: negation', () => {
  const discount = rules({ rules: [{ id: 'discount', tag: '折扣请求', anyOf: [['折扣', '打折']], window: 1 }] });

  it('does not take 不需要折扣 for a discount request, and says why', () => {
    expect(tagsOf(chat(['customer', '我们不需要折扣，只要服务好']), discount)).toEqual([]);
    expect(tagsOf(chat(['customer', '价格方面，能给点折扣吗']), discount)).toEqual([['折扣请求']]);
    expect(tagsOf(chat(['customer', '也不太需要打折']), discount)).toEqual([]);
  });

  it('stops a negation at the end of its clause and after a but', () => {
    expect(tagsOf(chat(['customer', '我们不急，能给点折扣吗']), discount)).toEqual([['折扣请求']]);
    expect(tagsOf(chat(['customer', '别的都不用，但折扣得有']), discount)).toEqual([['折扣请求']]);
  });

  it('reads 没想到 and 非常 as no negation', () => {
    expect(tagsOf(chat(['customer', '没想到折扣这么少']), discount)).toEqual([['折扣请求']]);
    expect(tagsOf(chat(['customer', '预算紧张'], ['customer', '你们非常贵']))).toEqual([['价格异议']]);
  });

  it('lets a negation reach the term only across words of degree or need', () => {
    expect(tagsOf(chat(['customer', '这个折扣我们不考虑']), discount)).toEqual([['折扣请求']]);
    expect(tagsOf(chat(['customer', '没必要打折']), discount)).toEqual([]);
    // Refusing the price is a price objection, not the absence of one.
    expect(tagsOf(chat(['customer', '预算有限'], ['customer', '我们不能接受这个价格']))).toEqual([['价格异议']]);
  });

  it('counts a negated term where the rule says so: 没有预算 is a budget objection, 不贵 is no price objection', () => {
    expect(tagsOf(chat(['customer', '我们没有预算，你们又这么贵']))).toEqual([['价格异议']]);
    expect(tagsOf(chat(['customer', '预算是有的'], ['customer', '你们也不贵']))).toEqual([]);
  });

  it('lists the occurrences it skipped, with the reason', () => {
    const [snippet] = run(chat(['customer', '预算够，价格不贵，但你们家的报价太贵了']));
    expect(snippet!.matches[0]!.skipped).toContainEqual(expect.objectContaining({ term: '贵', reason: 'negated' }));
  });
});

describe('capture rules: speakers, synonyms, wildcards, exclusions', () => {
  it('looks only at the chosen speaker: a rep saying 竞品 is no competitor comparison', () => {
    expect(tagsOf(chat(['rep', '和竞品相比我们更稳定'], ['customer', '嗯']))).toEqual([]);
    const repRule = rules({ rules: [{ id: 'rep-discount', tag: '销售让价', anyOf: [['折扣']], speaker: 'rep', window: 1 }] });
    const [snippet] = run(chat(['customer', '能便宜点吗'], ['rep', '可以给九五折扣']), repRule);
    expect(snippet!.tags).toEqual(['销售让价']);
    // The question is the customer's words before the rep's message.
    expect(snippet!.question).toBe('能便宜点吗');
  });

  it('expands synonyms both ways within a group', () => {
    expect(tagsOf(chat(['customer', '经费有限'], ['customer', '你们的收费偏高']))).toEqual([['价格异议']]);
    expect(tagsOf(chat(['customer', '友商报价更低']))).toEqual([['竞品对比']]);
  });

  it('finds XX家 as a competitor, but not 大家, 专家 or 你们家', () => {
    expect(tagsOf(chat(['customer', '东软家的方案我们也看了']))).toEqual([['竞品对比']]);
    expect(tagsOf(chat(['customer', '大家都觉得还行']))).toEqual([]);
    expect(tagsOf(chat(['customer', '我们请专家评估一下']))).toEqual([]);
    expect(tagsOf(chat(['customer', '比你们家的方案还差一点']))).toEqual([]);
    expect(tagsOf(chat(['customer', '其他厂家给的报价更低']))).toEqual([['竞品对比']]);
  });

  it('does not take 贵公司 for 贵', () => {
    expect(tagsOf(chat(['customer', '贵公司的预算审批怎么走']))).toEqual([]);
  });

  it('skips a window that holds a noneOf term', () => {
    const ruleset = rules({ rules: [{ id: 'deadline', tag: '交付压力', allOf: [['上线'], ['月底']], noneOf: ['已上线'], window: 2 }] });
    expect(tagsOf(chat(['customer', '月底前要上线']), ruleset)).toEqual([['交付压力']]);
    expect(tagsOf(chat(['customer', '系统已上线，月底验收']), ruleset)).toEqual([]);
  });

  it('matches full-width and traditional text like its normal form', () => {
    expect(tagsOf(chat(['customer', '預算不多，價格太貴']))).toEqual([['价格异议']]);
  });

  it('leaves the answer empty when the rep never replied, and cuts long words at a whole character', () => {
    const [snippet] = run(chat(['customer', `预算有限${'太贵了'.repeat(300)}😀`]), DEFAULT_CAPTURE_RULES);
    expect(snippet!.answer).toBeNull();
    expect(Array.from(snippet!.question)).toHaveLength(500);
    expect(snippet!.question.endsWith('…')).toBe(true);
  });
});
