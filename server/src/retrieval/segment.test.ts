import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import { normalizeText } from './normalize.js';
import { STOP_WORDS, quoteTsqueryLexeme, segment, segmentNormalized, toTsqueryText, toTsvectorText } from './segment.js';

const QUESTION = '客户说我们的价格比竞品贵，今年预算不够，下个月才能上线吗？';

describe('segment', () => {
  it('keeps domain words and drops stop words and punctuation', () => {
    const tokens = segment(QUESTION);
    expect(tokens).toEqual(expect.arrayContaining(['价格', '竞品', '预算', '上线', '不够', '下个月']));
    for (const stop of ['客户', '说', '我们', '的', '吗']) expect(tokens).not.toContain(stop);
    for (const token of tokens) expect(token).toMatch(/[\p{L}\p{N}]/u);
  });

  it('keeps stop words on request', () => {
    expect(segment(QUESTION, { keepStopWords: true })).toEqual(expect.arrayContaining(['客户', '说', '我们', '吗']));
  });

  it('segments traditional and full-width variants into the same words', () => {
    expect(segment('客戶說我們的價格比競品貴，今年預算不夠，下個月才能上線嗎？')).toEqual(segment(QUESTION));
    expect(segment('ＣＲＭ　系統多少錢')).toEqual(segment('CRM 系统多少钱'));
  });

  it('emits the words inside a compound, for recall', () => {
    expect(segment('中华人民共和国')).toEqual(expect.arrayContaining(['中华人民共和国', '共和国', '人民']));
  });

  it('handles English and numbers', () => {
    expect(segment('Does the CRM support WeChat? 2000元 per seat')).toEqual(
      expect.arrayContaining(['crm', 'support', 'wechat', '2000', '元', 'seat']),
    );
    expect(segment('what is the price')).toEqual(['price']);
  });

  it('returns nothing for empty, punctuation-only and stop-word-only text', () => {
    expect(segment('')).toEqual([]);
    expect(segment('？！……，。 ()')).toEqual([]);
    expect(segment('客户说怎么办啊')).toEqual([]);
  });

  it('gives the same words for raw and already-normalised text', () => {
    expect(segmentNormalized(normalizeText(QUESTION))).toEqual(segment(QUESTION));
  });

  it('uses a stop-word list without domain words', () => {
    for (const word of ['价格', '竞品', '预算', '上线', '不', '没有', '有']) expect(STOP_WORDS.has(word)).toBe(false);
  });
});

describe('Postgres text-search helpers', () => {
  it('joins words with spaces for to_tsvector', () => {
    expect(toTsvectorText('价格比竞品贵怎么办？')).toBe('价格 价格比 竞品 贵');
    expect(toTsvectorText('')).toBe('');
  });

  it('builds a quoted OR query of distinct words', () => {
    expect(toTsqueryText('价格比竞品贵，价格怎么谈？')).toBe("'价格' | '价格比' | '竞品' | '贵' | '谈'");
    expect(toTsqueryText('客户说啊？')).toBe('');
  });

  it('keeps tsquery operators in user input from becoming syntax', () => {
    const hostile = ["it's 'quoted' \\' & | ! ( ) : * <-> <2>", "foo:* & !bar | (baz", "''' \\\\ '\\'", '&|!():*'];
    const lexeme = String.raw`'(?:[^'\\]|''|\\\\)*'`;
    const wellFormed = new RegExp(`^(?:${lexeme}(?: \\| ${lexeme})*)?$`, 'u');
    for (const input of hostile) expect(toTsqueryText(input)).toMatch(wellFormed);
    expect(quoteTsqueryLexeme("it's")).toBe("'it''s'");
    expect(quoteTsqueryLexeme('a\\b')).toBe("'a\\\\b'");
  });

  it('produces text that Postgres parses and that matches the segmented document', async () => {
    const db = new PGlite();
    try {
      const cases: [query: string, document: string, matches: boolean][] = [
        ['价格比竞品贵怎么办', '当客户觉得我们的价格比竞品贵时，先确认对比的范围', true],
        ['上线要多久', '标准版两周内上线', true],
        ['发票怎么开', '标准版两周内上线', false],
        ["it's 'quoted' \\' & | ! ( ) : * <-> <2>", 'quoted text', true],
        ['foo:* & !bar | (baz', 'bar', true],
        ['C++ 与 e-mail', 'e-mail support', true],
      ];
      for (const [query, document, matches] of cases) {
        const tsquery = toTsqueryText(query);
        const { rows } = await db.query<{ matches: boolean }>(
          "SELECT to_tsvector('simple', $2) @@ to_tsquery('simple', $1) AS matches",
          [tsquery, toTsvectorText(document)],
        );
        expect(rows[0]?.matches, `${query} → ${tsquery}`).toBe(matches);
      }
      // Quotes and backslashes never survive segmentation, but a lexeme that
      // contains them must still be a literal, not a syntax error.
      for (const token of ["it's", 'a\\b', "'", '\\', "x' | !y & (z"]) {
        const { rows } = await db.query<{ query: string }>("SELECT to_tsquery('simple', $1)::text AS query", [
          quoteTsqueryLexeme(token),
        ]);
        expect(rows[0]?.query, token).not.toMatch(/[|&!]/);
      }
    } finally {
      await db.close();
    }
  });
});
