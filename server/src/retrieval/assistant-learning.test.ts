import { describe, expect, it } from 'vitest';
import { matchConfidence, overallConfidence, type TierThresholds } from './confidence.js';
import { contextBoost, languageOfTag, LANGUAGE_BOOST, INDUSTRY_BOOST, MAX_CONTEXT_BOOST, textScript } from './context-boost.js';
import { BACKGROUND_QUESTIONS, CONVERSATION_FRAMING, gateFeatures, trainDomainGate } from './domain-gate.js';
import { normalizeText } from './normalize.js';
import { associatedTerms, associationsOf, trainAssociations } from './term-association.js';
import { lexicalTerms } from './terms.js';

const doc = (text: string, weight = 1) => ({ text: normalizeText(text), weight });

describe('domain gate', () => {
  const entries = [
    '你们的报价比竞品贵了三成，凭什么？',
    '预算不够，能不能分期付款？',
    '实施周期太长了，我们等不起',
    '你们有没有等保三级认证？',
    '能不能私有化部署到我们机房？',
    '合同里的违约金条款能不能改？',
    'Your price is higher than the competitor',
  ];
  const gate = trainDomainGate(
    [...entries.map((text) => doc(text)), ...CONVERSATION_FRAMING.map((text) => doc(text))],
    BACKGROUND_QUESTIONS.map((question) => doc(question.text)),
  );

  it('ships at least 500 background questions in Chinese and English', () => {
    expect(BACKGROUND_QUESTIONS.length).toBeGreaterThanOrEqual(500);
    expect(BACKGROUND_QUESTIONS.filter((question) => question.lang === 'en').length).toBeGreaterThan(100);
    expect(new Set(BACKGROUND_QUESTIONS.map((question) => question.text)).size).toBe(BACKGROUND_QUESTIONS.length);
  });

  it('scores customer-conversation questions of the tenant above office and everyday ones', () => {
    const inDomain = ['客户说我们比竞品贵，怎么回应？', '客户担心等保认证', '客户要求私有化部署怎么办', 'customer says our price is too high'].map((q) => gate.score(normalizeText(q)));
    const offTopic = ['打印机卡纸了找谁', '食堂今天吃什么', '年假还剩几天', 'What is the guest Wi-Fi password?', '明天会下雨吗'].map((q) => gate.score(normalizeText(q)));
    expect(Math.min(...inDomain)).toBeGreaterThan(Math.max(...offTopic));
    for (const score of offTopic) expect(score).toBeLessThan(0);
  });

  it('is neutral on text without features and counts each feature once', () => {
    expect(gate.score('')).toBe(0);
    expect(gate.score('?!')).toBe(0);
    expect(gateFeatures('贵贵贵')).toEqual(gateFeatures('贵贵'));
  });
});

describe('confidence tiers', () => {
  const t: TierThresholds = { floor: 0.1, high: 0.3, gate: -0.5, override: 0.5 };

  it('is none below the floor, or off-topic by the gate unless the match is strong', () => {
    expect(overallConfidence(0.05, 2, t)).toBe('none');
    expect(overallConfidence(0.4, -1, t)).toBe('none');
    expect(overallConfidence(0.6, -1, t)).toBe('low');
  });

  it('is high only for a strong match of an in-domain question, low otherwise', () => {
    expect(overallConfidence(0.35, 0.2, t)).toBe('high');
    expect(overallConfidence(0.2, 0.2, t)).toBe('low');
    expect(matchConfidence(0.35, 'high', t)).toBe('high');
    expect(matchConfidence(0.2, 'high', t)).toBe('low');
    expect(matchConfidence(0.35, 'low', t)).toBe('low');
  });
});

describe('context boost', () => {
  it('reads the script of a question and the language of a tag', () => {
    expect(textScript('客户坚持要source code')).toBe('zh');
    expect(textScript('the customer wants the source code')).toBe('en');
    expect(textScript('123 ?')).toBeUndefined();
    expect(languageOfTag('zh-CN')).toBe('zh');
    expect(languageOfTag('en-GB')).toBe('en');
    expect(languageOfTag('fr')).toBeUndefined();
  });

  it('prefers the lead’s industry and the rep’s language, within a small bound', () => {
    const hospital = { industry: '医疗', question: '医院嫌我们价格高', product: null };
    const saas = { industry: null, question: 'The price is too high for a SaaS tool', product: null };
    const preference = { industry: '医疗', lang: 'zh' as const };
    expect(contextBoost(hospital, preference)).toBeCloseTo(INDUSTRY_BOOST + LANGUAGE_BOOST);
    expect(contextBoost(saas, preference)).toBe(0);
    expect(contextBoost(hospital, {})).toBe(0);
    expect(MAX_CONTEXT_BOOST).toBeLessThanOrEqual(0.1);
  });
});

describe('term associations (IBM Model 1)', () => {
  const entry = lexicalTerms('价格太贵了');
  const pairs = [
    { question: lexicalTerms('这方案太烧钱'), entry, weight: 1 },
    { question: lexicalTerms('老板说烧钱'), entry, weight: 1 },
    { question: lexicalTerms('实施周期太长'), entry: lexicalTerms('上线要多久'), weight: 1 },
  ];

  it('learns that a rep’s word stands for the entry’s words', () => {
    const table = trainAssociations(pairs);
    const expansion = associatedTerms(associationsOf(lexicalTerms('烧钱怎么办'), table));
    expect(expansion.get('价格') ?? expansion.get('贵') ?? 0).toBeGreaterThan(0.05);
    expect(expansion.has('上线')).toBe(false);
  });

  it('lets failures count against: a pair with no net success teaches nothing', () => {
    const table = trainAssociations(pairs.map((pair) => ({ ...pair, weight: pair.weight - 1 })));
    expect(Object.keys(table)).toEqual([]);
  });

  it('never trips over a term named like an Object property', () => {
    const table = JSON.parse(JSON.stringify(trainAssociations(pairs)));
    expect(associationsOf(['constructor', '__proto__', 'toString'], table).size).toBe(0);
  });
});
