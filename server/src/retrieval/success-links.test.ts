import { describe, expect, it } from 'vitest';
import { buildSuccessLinks, linkedEntries, LINK_HOPS, MAX_LINKED_ENTRIES, phrasingKey, reportedEntries, type LinkPair } from './success-links.js';

const pair = (question: string, entryText: string, entryId: string, weight = 1): LinkPair => ({ question, entryText, entryId, weight });

describe('success links', () => {
  it('link a question to entries no report on it touched: written in words that were asked and answered the same way', () => {
    // q worked for A; B's own text was asked and also worked for A.
    const links = buildSuccessLinks([pair('q', 'text a', 'A'), pair('text b', 'text a', 'A')], new Map([['text b', ['B']], ['text a', ['A']]]));
    expect([...linkedEntries(links, 'q')]).toEqual(['B']);
    expect(linkedEntries(links, 'never asked').size).toBe(0);
    expect(linkedEntries(undefined, 'q').size).toBe(0);
  });

  it('leave out the entries the phrasing itself was reported on (the variant and the associations carry that), not others in the same words', () => {
    const links = buildSuccessLinks([pair('q', 'text a', 'A')], new Map([['text a', ['A', 'A2']]]));
    expect([...linkedEntries(links, 'q')]).toEqual(['A2']);
    expect([...linkedEntries(links, 'text a')]).toEqual([]);
    // Links trained before the reported pairs were kept still link them.
    const { reported: _reported, ...older } = links;
    expect([...linkedEntries(older, 'q')].sort()).toEqual(['A', 'A2']);
  });

  it('ignore pairs whose failures outweigh their successes', () => {
    // p and q were each answered by S; Q is written in q's words, so p reaches Q only through q's pair.
    for (const [weight, expected] of [[0, []], [-1, []], [2, ['Q']]] as const) {
      const links = buildSuccessLinks([pair('p', 'shared', 'S'), pair('q', 'shared', 'S', weight)], new Map([['q', ['Q']]]));
      expect([...linkedEntries(links, 'p')]).toEqual(expected);
    }
  });

  it(`reach ${LINK_HOPS} ties and no further`, () => {
    // A chain t0 – t1 – … – t6, each text the question of entry E<i>; E1 was reported for t0 itself.
    const pairs = Array.from({ length: 6 }, (_, i) => pair(`t${i}`, `t${i + 1}`, `E${i + 1}`));
    const links = buildSuccessLinks(pairs, new Map(Array.from({ length: 7 }, (_, i) => [`t${i}`, [`E${i}`]])));
    expect([...linkedEntries(links, 't0')].sort()).toEqual(Array.from({ length: LINK_HOPS - 1 }, (_, i) => `E${i + 2}`));
  });

  it('say nothing for a phrasing tied to too many entries to tell them apart', () => {
    // Many phrasings worked for the entry written 价格; each is the question of another entry.
    const wide = (n: number) =>
      buildSuccessLinks(
        Array.from({ length: n }, (_, i) => pair(`text ${i}`, '价格', 'P')),
        new Map(Array.from({ length: n }, (_, i) => [`text ${i}`, [`E${i}`]])),
      );
    expect(linkedEntries(wide(MAX_LINKED_ENTRIES + 1), '价格').size).toBe(0);
    expect(linkedEntries(wide(MAX_LINKED_ENTRIES), '价格').size).toBe(MAX_LINKED_ENTRIES);
    // The same for the entries a catch-all itself was reported on.
    const reported = (n: number) => buildSuccessLinks(Array.from({ length: n }, (_, i) => pair('价格', `text ${i}`, `E${i}`)), new Map());
    expect(reportedEntries(reported(MAX_LINKED_ENTRIES + 1), '价格').size).toBe(0);
    expect(reportedEntries(reported(MAX_LINKED_ENTRIES), '价格').size).toBe(MAX_LINKED_ENTRIES);
  });

  it('survive the JSON round trip they are stored as, and are not fooled by inherited property names', () => {
    const links = JSON.parse(JSON.stringify(buildSuccessLinks([pair('q', 'text a', 'A')], new Map([['text a', ['A', 'A2']]]))));
    expect([...linkedEntries(links, 'q')]).toEqual(['A2']);
    for (const name of ['constructor', '__proto__', 'toString']) expect(linkedEntries(links, name).size).toBe(0);
  });
});

describe('phrasingKey', () => {
  it('ignores spaces, punctuation and symbols, and what normalizeText folds', () => {
    expect(phrasingKey(' 客户嫌进度拖得慢？')).toBe(phrasingKey('客户嫌进度拖得慢'));
    expect(phrasingKey('Price, too HIGH!')).toBe(phrasingKey('price too high'));
    expect(phrasingKey('太贵了')).not.toBe(phrasingKey('太慢了'));
  });
});
