/**
 * General Chinese near-synonyms as query expansion: the ~4,300 pangu pairs that
 * segment-dict ships (聪慧 ↔ 聪明, 答复 ↔ 回覆 …), read into the same shape as the
 * learned term associations, so a question word an entry lacks earns back part
 * of its BM25 weight when the entry holds a synonym of it (`normalisedBm25`).
 *
 * The pairs are copied unchanged from segment-dict 2.3.210 (ISC; see the
 * `source` field of pangu-synonyms.json) rather than depended on: that
 * package's dependency tree does not install from the npm registry this
 * project uses (it needs @lazy-cjk/zh-table-list ^1.0.94 and
 * @novel-segment/postag ^1.0.31, which are not published there), and only this
 * one text file is needed. Pure: no I/O beyond the JSON import.
 */
import data from './pangu-synonyms.json' with { type: 'json' };
import type { AssociationTable } from './term-association.js';

/**
 * The share of a missing question word's BM25 weight that a synonym in the
 * entry earns back: half, since a near-synonym is weaker evidence than the word
 * itself. Not tuned (one value was measured, on and off, in the eval's learning
 * protocol; see evals/README.md, "Learning from use").
 */
export const SYNONYM_WEIGHT = 0.5;

function buildTable(pairs: ReadonlyArray<readonly [string, string]>, weight: number): AssociationTable {
  const table: AssociationTable = Object.create(null) as AssociationTable;
  const add = (from: string, to: string) => {
    const list = (table[from] ??= []);
    if (!list.some(([target]) => target === to)) list.push([to, weight]);
  };
  // Near-synonymy is symmetric; the file lists many pairs in one direction only.
  for (const [a, b] of pairs) {
    if (a === b) continue;
    add(a, b);
    add(b, a);
  }
  return table;
}

/** Word → its near-synonyms, each at {@link SYNONYM_WEIGHT}. */
export const GENERAL_SYNONYMS: AssociationTable = buildTable(data.pairs as Array<[string, string]>, SYNONYM_WEIGHT);

/**
 * The associations of a question's terms from several tables (learned, general
 * synonyms): for each term the targets of every table, a target met twice at
 * its larger weight. Own keys only (a table read back from JSON inherits
 * Object.prototype).
 */
export function associationsFromTables(
  terms: readonly string[],
  tables: ReadonlyArray<AssociationTable | undefined>,
): Map<string, ReadonlyArray<readonly [string, number]>> {
  const found = new Map<string, ReadonlyArray<readonly [string, number]>>();
  for (const term of new Set(terms)) {
    const merged = new Map<string, number>();
    for (const table of tables) {
      if (!table || !Object.hasOwn(table, term)) continue;
      for (const [target, p] of table[term]!) if (p > (merged.get(target) ?? 0)) merged.set(target, p);
    }
    if (merged.size > 0) found.set(term, [...merged].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
  }
  return found;
}
