/**
 * The anchor every configuration is compared with: plain Okapi BM25 over
 * character unigrams, in memory, with nothing Huashu-specific (no jieba, no
 * stop words, no dense vectors, no Chinese conversion). It is the method behind
 * the reference points in faq-pairs/README.md, so reproducing those numbers
 * (LCQMC dev R@3 ≈ 0.94, ATEC/CCKS ≈ 0.17, BQ ≈ 0.09) checks the harness itself.
 */

/** The usual Okapi defaults, as in the README's reference measurements. */
export const BASELINE_K1 = 1.2;
export const BASELINE_B = 0.75;

/** Every character of the NFKC-folded, lower-cased text except whitespace. */
export function characterUnigrams(text: string): string[] {
  return [...text.normalize('NFKC').toLowerCase()].filter((char) => char.trim() !== '');
}

export interface BaselineDocument {
  id: string;
  text: string;
}

export class CharacterBm25 {
  private readonly ids: string[];
  private readonly lengths: Float64Array;
  private readonly averageLength: number;
  /** term → [document index, term frequency] pairs. */
  private readonly postings = new Map<string, Array<[number, number]>>();

  constructor(documents: readonly BaselineDocument[]) {
    this.ids = documents.map((document) => document.id);
    this.lengths = new Float64Array(documents.length);
    documents.forEach((document, index) => {
      const tokens = characterUnigrams(document.text);
      this.lengths[index] = tokens.length;
      const counts = new Map<string, number>();
      for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
      for (const [term, tf] of counts) {
        let list = this.postings.get(term);
        if (!list) this.postings.set(term, (list = []));
        list.push([index, tf]);
      }
    });
    const total = this.lengths.reduce((sum, length) => sum + length, 0);
    this.averageLength = documents.length > 0 ? total / documents.length || 1 : 1;
  }

  /** Ids of the best `limit` documents, best first; ties keep document order. Documents sharing no character are never returned. */
  search(query: string, limit = 10): string[] {
    const n = this.ids.length;
    const scores = new Float64Array(n);
    const touched = new Set<number>();
    const queryCounts = new Map<string, number>();
    for (const token of characterUnigrams(query)) queryCounts.set(token, (queryCounts.get(token) ?? 0) + 1);
    for (const [term, qtf] of queryCounts) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = Math.log(1 + (n - list.length + 0.5) / (list.length + 0.5));
      for (const [index, tf] of list) {
        const norm = BASELINE_K1 * (1 - BASELINE_B + (BASELINE_B * this.lengths[index]!) / this.averageLength);
        scores[index] = scores[index]! + (qtf * idf * tf * (BASELINE_K1 + 1)) / (tf + norm);
        touched.add(index);
      }
    }
    return [...touched]
      .sort((a, b) => scores[b]! - scores[a]! || a - b)
      .slice(0, limit)
      .map((index) => this.ids[index]!);
  }
}
