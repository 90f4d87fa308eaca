import { describe, expect, it } from 'vitest';
import { buildSuccessLinks, linkedEntries, LINK_HOPS, MAX_LINKED_ENTRIES, phrasingKey, type LinkPair } from './success-links.js';

const pair = (question: string, entryText: string, entryId: string, weight = 1): LinkPair => ({ question, entryText, entryId, weight });

describe('success links', () => {
  it('link a question to the entries reps succeeded with, and to entries whose own words were answered the same way', () => {
    // q worked for A; B's own text was asked and also worked for A.
    const links = buildSuccessLinks([pair('q', 'text a', 'A'), pair('text b', 'text a', 'A')], new Map([['text b', ['B']], ['text a', ['A']]]));
    expect([...linkedEntries(links, 'q')].sort()).toEqual(['A', 'B']);
    // From B's words: A (one tie away), not B itself (its own words match it lexically anyway).
    expect([...linkedEntries(links, 'text b')]).toEqual(['A']);
    expect(linkedEntries(links, 'never asked').size).toBe(0);
    expect(linkedEntries(undefined, 'q').size).toBe(0);
  });

  it('ignore pairs whose failures outweigh their successes', () => {
    const links = buildSuccessLinks([pair('q', 'text a', 'A', 0), pair('q', 'text c', 'C', -1), pair('q', 'text d', 'D', 2)], new Map());
    expect([...linkedEntries(links, 'q')]).toEqual(['D']);
  });

  it(`reach ${LINK_HOPS} ties and no further`, () => {
    // A chain t0 – t1 – … – t6, each text the question of entry E<i>.
    const pairs = Array.from({ length: 6 }, (_, i) => pair(`t${i}`, `t${i + 1}`, `E${i + 1}`));
    const links = buildSuccessLinks(pairs, new Map(Array.from({ length: 7 }, (_, i) => [`t${i}`, [`E${i}`]])));
    expect([...linkedEntries(links, 't0')].sort()).toEqual(Array.from({ length: LINK_HOPS }, (_, i) => `E${i + 1}`));
  });

  it('say nothing for a phrasing tied to too many entries to tell them apart', () => {
    const wide = Array.from({ length: MAX_LINKED_ENTRIES + 1 }, (_, i) => pair('价格', `text ${i}`, `E${i}`));
    expect(linkedEntries(buildSuccessLinks(wide, new Map()), '价格').size).toBe(0);
    expect(linkedEntries(buildSuccessLinks(wide.slice(0, MAX_LINKED_ENTRIES), new Map()), '价格').size).toBe(MAX_LINKED_ENTRIES);
  });

  it('survive the JSON round trip they are stored as, and are not fooled by inherited property names', () => {
    const links = JSON.parse(JSON.stringify(buildSuccessLinks([pair('q', 'text a', 'A')], new Map())));
    expect([...linkedEntries(links, 'q')]).toEqual(['A']);
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
