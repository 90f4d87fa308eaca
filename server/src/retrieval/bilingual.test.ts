import { describe, expect, it } from 'vitest';
import { bilingualDictionary, buildDictionary, crossLingualMatch, englishStem, questionConcepts, translatedTerms } from './bilingual.js';
import type { CorpusStats } from './ranking.js';

// CC-CEDICT's line format, with the kinds of gloss the parser must tell apart.
const LINES = [
  '# comment line',
  '房東 房东 [fang2 dong1] /landlord/',
  '屋頂 屋顶 [wu1 ding3] /roof/CL:個|个[ge4]/',
  '今年 今年 [jin1 nian2] /this year/',
  '半年 半年 [ban4 nian2] /half a year/',
  '年度 年度 [nian2 du4] /year (e.g. school year, fiscal year)/annual/',
  '堅持 坚持 [jian1 chi2] /to persevere with/to persist in/to insist on/',
  '高管 高管 [gao1 guan3] /senior executive; senior manager (abbr. for 高級管理人員|高级管理人员[gao1 ji2 guan3 li3 ren2 yuan2])/',
  '幫 帮 [bang1] /to help/to assist/to support/side (of pail, boat etc)/gang/secret society/',
  '貴 贵 [gui4] /expensive/noble/',
  '亞 亚 [ya4] /variant of 亞|亚[ya4]/',
  '分期 分期 [fen1 qi1] /by stages/in installments/',
];

const stats = (df: Record<string, number>, documents = 10): CorpusStats => ({ documents, averageLength: 10, documentFrequency: new Map(Object.entries(df)) });

describe('bilingual dictionary', () => {
  const dictionary = buildDictionary(LINES);

  it('translates Chinese words into stemmed English content words, dropping notes and measure words', () => {
    expect(dictionary.english('房东')).toEqual(['landlord']);
    expect(dictionary.english('屋顶')).toEqual(['roof']);
    expect(dictionary.english('高管')).toEqual(['senior', 'executive', 'manager']);
    expect(dictionary.english('分期')).toEqual(['stage', 'installment']);
    expect(dictionary.english('亚')).toBeUndefined();
  });

  it('maps English to Chinese only from glosses that are that one word', () => {
    expect(dictionary.chinese('roof')).toEqual(['屋顶']);
    // "to insist on": the preposition and "to" frame the verb.
    expect(dictionary.chinese('insist')).toEqual(['坚持']);
    // "this year" and "half a year" say more than "year"; 年度's note is dropped.
    expect(dictionary.chinese('year')).toEqual(['年度']);
    // Single characters are not targets (they would match inside any word).
    expect(dictionary.chinese('expensive')).toBeUndefined();
  });

  it('stems both sides alike', () => {
    expect(englishStem('installments')).toBe(englishStem('installment'));
    expect(englishStem('deployed')).toBe('deploy');
    expect(englishStem('companies')).toBe('company');
    expect(englishStem('boss')).toBe('boss');
  });

  it('keeps only the first senses of a single character', () => {
    const [help] = questionConcepts(['帮'], dictionary);
    expect([...help!.targets]).toEqual(['help', 'assist']);
  });

  it('scores the share of the question the other-language entry covers, by IDF', () => {
    const concepts = questionConcepts(['房东', '屋顶', '光伏'], dictionary);
    const entry = new Map([['landlord', 1], ['roofs', 1], ['solar', 1]]);
    const covered = crossLingualMatch(concepts, entry, stats({}));
    // 房东 and 屋顶 (through the plural) of three equally rare words.
    expect(covered).toBeCloseTo(2 / 3, 6);
    expect(crossLingualMatch(concepts, new Map([['price', 1]]), stats({}))).toBe(0);
    // A Latin name in a Chinese question matches as itself.
    const named = questionConcepts(['emc', '房东'], dictionary);
    expect(crossLingualMatch(named, new Map([['emc', 1]]), stats({}))).toBeCloseTo(0.5, 6);
  });

  it('lets an English question match a Chinese entry', () => {
    const concepts = questionConcepts(['landlord', 'roof'], dictionary);
    expect(crossLingualMatch(concepts, new Map([['房东', 1], ['屋', 1]]), stats({}))).toBeCloseTo(0.5, 6);
    expect(translatedTerms(concepts)).toEqual(expect.arrayContaining(['房东', '屋顶', 'landlord', 'landlords']));
  });

  it('reads the CC-CEDICT the hanzi package ships', () => {
    const real = bilingualDictionary();
    expect(real.english('房东')).toContain('landlord');
    expect(real.chinese('landlord')).toContain('房东');
  });
});
