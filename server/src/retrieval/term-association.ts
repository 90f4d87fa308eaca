/**
 * Learned term associations between how reps ask and how entries are written:
 * IBM Model 1 translation probabilities t(entry term | question term), trained
 * by EM on the (question, entry) pairs that reported outcomes produced, and
 * used as weighted query expansion. After reps twice report that
 * 「这方案太烧钱」 was answered by the entry 「价格太贵」, a question with 烧钱
 * also looks for 价格 and 贵. Pure: no I/O.
 */

export interface AssociationPair {
  /** Lexical terms of the rep's question. */
  question: readonly string[];
  /** Lexical terms of the entry (question and tags). */
  entry: readonly string[];
  /** Net evidence: successes minus failures for this question and entry; pairs at ≤ 0 teach nothing. */
  weight: number;
}

/** Question term → [entry term, probability] pairs, strongest first, pruned. */
export type AssociationTable = Record<string, Array<[string, number]>>;

export interface AssociationOptions {
  /** EM iterations. @default 8 */
  iterations?: number;
  /** Kept targets per question term. @default 8 */
  maxTargets?: number;
  /** Dropped below this probability. @default 0.05 */
  minProbability?: number;
}

/**
 * EM iterations and pruning, from a trial on ATEC/CCKS dev (train on half A's
 * pairs, measure recall@3 of half B through BM25 with the expansion): 8
 * iterations had converged (5 and 12 were within 0.2 points); keeping 5–20
 * targets per term made no difference; the expansion weight is in the search.
 */
const DEFAULT_ITERATIONS = 8;
const DEFAULT_MAX_TARGETS = 8;
const DEFAULT_MIN_PROBABILITY = 0.05;
/** Index of the empty word every question carries, which absorbs entry terms no question term explains. */
const NULL_SOURCE = 0;

/**
 * Trains the model. Pairs are small (a question and an entry, ~10–30 terms
 * each), so one EM iteration over n pairs costs n · |q| · |e| look-ups:
 * 2,500 pairs train in well under a second.
 */
export function trainAssociations(pairs: readonly AssociationPair[], options: AssociationOptions = {}): AssociationTable {
  const iterations = options.iterations ?? DEFAULT_ITERATIONS;
  const maxTargets = options.maxTargets ?? DEFAULT_MAX_TARGETS;
  const minProbability = options.minProbability ?? DEFAULT_MIN_PROBABILITY;
  const sources = new Map<string, number>([['', NULL_SOURCE]]);
  const targets = new Map<string, number>();
  const idOf = (map: Map<string, number>, term: string) => {
    let id = map.get(term);
    if (id === undefined) map.set(term, (id = map.size));
    return id;
  };
  const data = pairs
    .filter((pair) => pair.weight > 0 && pair.question.length > 0 && pair.entry.length > 0)
    .map((pair) => ({
      source: [NULL_SOURCE, ...new Set(pair.question.map((term) => idOf(sources, term)))],
      target: [...new Set(pair.entry.map((term) => idOf(targets, term)))],
      weight: pair.weight,
    }));
  if (data.length === 0) return {};
  const width = targets.size;
  const key = (source: number, target: number) => source * width + target;
  // Uniform start over the pairs that co-occur: EM only ever moves mass between them.
  let probability = new Map<number, number>();
  for (const { source, target } of data) for (const s of source) for (const g of target) probability.set(key(s, g), 1);
  for (let iteration = 0; iteration < iterations; iteration++) {
    const counts = new Map<number, number>();
    const totals = new Float64Array(sources.size);
    for (const { source, target, weight } of data) {
      for (const g of target) {
        let z = 0;
        for (const s of source) z += probability.get(key(s, g))!;
        for (const s of source) {
          const share = (weight * probability.get(key(s, g))!) / z;
          const k = key(s, g);
          counts.set(k, (counts.get(k) ?? 0) + share);
          totals[s] = (totals[s] as number) + share;
        }
      }
    }
    for (const [k, count] of counts) counts.set(k, count / (totals[Math.floor(k / width)] as number));
    probability = counts;
  }
  const sourceTerms = [...sources.keys()];
  const targetTerms = [...targets.keys()];
  const bySource = new Map<number, Array<[string, number]>>();
  for (const [k, p] of probability) {
    const s = Math.floor(k / width);
    const target = targetTerms[k % width]!;
    // The question already holds its own term; the empty word expands to nothing.
    if (s === NULL_SOURCE || p < minProbability || sourceTerms[s] === target) continue;
    let list = bySource.get(s);
    if (!list) bySource.set(s, (list = []));
    list.push([target, p]);
  }
  const table: AssociationTable = Object.create(null) as AssociationTable;
  for (const [s, list] of bySource) {
    list.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    table[sourceTerms[s]!] = list.slice(0, maxTargets).map(([target, p]) => [target, Math.round(p * 1000) / 1000]);
  }
  return table;
}

/**
 * The learned associations of a question's terms (those the table knows),
 * for scoring (`normalisedBm25`) and for picking extra lexical candidates.
 */
export function associationsOf(terms: readonly string[], table: AssociationTable): Map<string, ReadonlyArray<readonly [string, number]>> {
  const found = new Map<string, ReadonlyArray<readonly [string, number]>>();
  // Own keys only: a table read back from JSON inherits Object.prototype (「constructor」 is a word too).
  for (const term of new Set(terms)) if (Object.hasOwn(table, term)) found.set(term, table[term]!);
  return found;
}

/** The strongest association targets of a question's terms, each with its best probability; the question's own terms excluded. */
export function associatedTerms(associations: ReadonlyMap<string, ReadonlyArray<readonly [string, number]>>): Map<string, number> {
  const targets = new Map<string, number>();
  for (const [source, list] of associations) {
    for (const [target, p] of list) if (!associations.has(target) && target !== source && p > (targets.get(target) ?? 0)) targets.set(target, p);
  }
  return targets;
}
