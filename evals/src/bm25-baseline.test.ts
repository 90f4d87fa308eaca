import { describe, expect, it } from 'vitest';
import { CharacterBm25, characterUnigrams } from './bm25-baseline.js';

describe('characterUnigrams', () => {
  it('keeps every non-space character after NFKC folding and lower-casing', () => {
    expect(characterUnigrams('ＥＲＰ 价格？')).toEqual(['e', 'r', 'p', '价', '格', '?']);
  });
});

describe('CharacterBm25', () => {
  const index = new CharacterBm25([
    { id: 'price', text: '价格太贵' },
    { id: 'budget', text: '今年没有预算' },
    { id: 'price-long', text: '价格比别家贵了三成，功能差不多' },
  ]);

  it('ranks by shared characters, shorter documents first at equal overlap', () => {
    expect(index.search('价格贵', 3)).toEqual(['price', 'price-long']);
    expect(index.search('预算', 3)).toEqual(['budget']);
  });

  it('returns nothing for a question sharing no character, and honours the limit', () => {
    expect(index.search('天气', 3)).toEqual([]);
    expect(index.search('价格', 1)).toEqual(['price']);
  });

  it('weights a rare character above a common one (IDF)', () => {
    const corpus = new CharacterBm25([
      { id: 'a', text: '的的的甲' },
      { id: 'b', text: '的乙乙乙' },
      { id: 'c', text: '的丙' },
    ]);
    expect(corpus.search('的甲', 1)).toEqual(['a']);
  });
});
