import { describe, expect, it } from 'vitest';
import { normalisedBm25, termCounts, type CorpusStats } from './ranking.js';
import { GENERAL_SYNONYMS, SYNONYM_WEIGHT, associationsFromTables } from './synonyms.js';
import { lexicalTerms } from './terms.js';

describe('general near-synonyms (segment-dict pangu pairs)', () => {
  it('holds the package’s pairs in both directions', () => {
    // The file lists 廉价,便宜 only; a rep may write either.
    expect(GENERAL_SYNONYMS['廉价']).toContainEqual(['便宜', SYNONYM_WEIGHT]);
    expect(GENERAL_SYNONYMS['便宜']).toContainEqual(['廉价', SYNONYM_WEIGHT]);
    expect(Object.keys(GENERAL_SYNONYMS).length).toBeGreaterThan(4000);
  });

  it('merges learned and general tables, a target met twice at its larger weight, own keys only', () => {
    const learned = { 便宜: [['优惠', 0.8], ['廉价', 0.9]] as Array<[string, number]> };
    const merged = associationsFromTables(['便宜', 'constructor'], [learned, GENERAL_SYNONYMS]);
    expect(merged.get('便宜')).toEqual([
      ['廉价', 0.9],
      ['优惠', 0.8],
    ]);
    expect(merged.has('constructor')).toBe(false);
    expect(associationsFromTables(['便宜'], [undefined, undefined]).size).toBe(0);
  });

  it('lets an entry holding a synonym of a missing question word score part of its weight', () => {
    const query = lexicalTerms('有没有廉价方案');
    const entry = lexicalTerms('有没有便宜的方案');
    const stats: CorpusStats = { documents: 10, averageLength: entry.length, documentFrequency: new Map(entry.map((term) => [term, 1])) };
    const without = normalisedBm25(query, termCounts(entry), entry.length, stats);
    const withSynonyms = normalisedBm25(query, termCounts(entry), entry.length, stats, associationsFromTables(query, [GENERAL_SYNONYMS]));
    expect(withSynonyms).toBeGreaterThan(without);
  });
});
