/**
 * A per-tenant learned reranker: a sparse linear model over features of a
 * (question, entry) pair, trained from the tenant's own outcome reports with a
 * pairwise ranking loss (the entry a rep reported a success on against the
 * entries the lexical ranking put near or above it), and added to the
 * relevance of a candidate. Pure: no I/O.
 *
 * Status: an experiment, measured and NOT wired into the assistant's ranking
 * (so it lives with the evals, not in the server). On the tuning
 * halves of the FAQ learning protocol (feedback on ATEC/CCKS dev A′, recall@3
 * of A″, evals/experiments/learned-ranker.mjs) every setting tried lowered
 * recall@3 below the unlearned lexical ranking (0.139 → 0.06–0.14; best
 * neutral at a tiny learning rate), because the pairs' near-misses teach
 * "share fewer words" rather than which words decide. Kept with its tests as
 * the place a learner that does transfer plugs in (see evals/README learning
 * notes); the ranking is unchanged by it.
 *
 * Why these features transfer to questions and entries no report touched:
 * they are not tied to one entry but to terms and term pairs, and a tenant's
 * questions share a vocabulary. Whether a shared term decides the match (花呗
 * in a 花呗 question and a 花呗 entry) or not (怎么), whether a term the entry
 * has and the question lacks rules it out (借呗 in the entry of a 花呗
 * question), and which question term stands for which entry term (还钱 / 还款)
 * are learned from every pair they occur in and apply to every pair they
 * occur in. BM25's IDF weighs a term by rarity alone, so in a base where every
 * entry is about 花呗 or 借呗 it gives the decisive term almost nothing.
 *
 * Feature families, for question terms Q and entry terms E:
 * - `m` t ∈ Q ∩ E — a shared term's importance;
 * - `q` t ∈ Q \ E — a question term the entry lacks;
 * - `d` t ∈ E \ Q — an entry term the question lacks;
 * - `x` (a, b), a ∈ Q \ E, b ∈ E \ Q — a term the question has against one
 *   the entry has instead (a learned translation, or a learned clash).
 * Each family is scaled by 1/√(its size) so long texts do not score more.
 */

import { seededRandom } from '@huashu/core';

export type FeatureVector = Map<string, number>;

/** The trained model: feature → weight (only weights that survived pruning). */
export interface RankerModel {
  weights: Record<string, number>;
  /** Pairs it was trained on (for the learn response and logs). */
  pairs: number;
}

export interface RankerExample {
  /** Lexical terms of the rep's question. */
  question: readonly string[];
  /** The base relevance and terms of the entry reported a success on (absent for a question with failures only). */
  positive?: { terms: readonly string[]; base: number };
  /** Entries that should rank below the positive: the ranking's own near-misses and the reported failures. */
  negatives: ReadonlyArray<{ terms: readonly string[]; base: number; weight: number }>;
}

export interface RankerOptions {
  /** Passes over the examples. */
  epochs?: number;
  /** AdaGrad step. */
  learningRate?: number;
  /** L2 penalty per update. */
  l2?: number;
  /** Sharpness of the pairwise logistic loss on the relevance scale. */
  scale?: number;
  /** Weights smaller than this are dropped from the stored model. */
  prune?: number;
  /** Include the cross-term family. */
  cross?: boolean;
  /** Feature families in use (letters of m, q, d, x). */
  families?: string;
  /** A feature is learned only when it occurs in the positive pairs of at least this many questions. */
  support?: number;
}

/**
 * The least harmful of the settings tried on ATEC/CCKS dev half A (feedback on
 * A′, recall@3 of A″); half B was never measured with it.
 */
export const DEFAULT_RANKER_OPTIONS: Required<RankerOptions> = {
  epochs: 6,
  learningRate: 0.1,
  l2: 1e-5,
  scale: 10,
  prune: 1e-3,
  cross: true,
  families: 'mqx',
  support: 3,
};

/** Separates the parts of a feature key; not a character of any normalised text. */
const SEP = '\u0001';

export function pairFeatures(question: readonly string[], entry: readonly string[], cross = true, families = DEFAULT_RANKER_OPTIONS.families): FeatureVector {
  const q = new Set(question);
  const e = new Set(entry);
  const shared: string[] = [];
  const questionOnly: string[] = [];
  const entryOnly: string[] = [];
  for (const term of q) (e.has(term) ? shared : questionOnly).push(term);
  for (const term of e) if (!q.has(term)) entryOnly.push(term);
  const features: FeatureVector = new Map();
  const add = (key: string, value: number) => features.set(key, (features.get(key) ?? 0) + value);
  const qScale = 1 / Math.sqrt(Math.max(1, q.size));
  const eScale = 1 / Math.sqrt(Math.max(1, e.size));
  if (families.includes('m')) for (const term of shared) add(`m${SEP}${term}`, qScale);
  if (families.includes('q')) for (const term of questionOnly) add(`q${SEP}${term}`, qScale);
  if (families.includes('d')) for (const term of entryOnly) add(`d${SEP}${term}`, eScale);
  if (cross && families.includes('x') && questionOnly.length > 0 && entryOnly.length > 0) {
    const xScale = 1 / Math.sqrt(questionOnly.length * entryOnly.length);
    for (const a of questionOnly) for (const b of entryOnly) add(`x${SEP}${a}${SEP}${b}`, xScale);
  }
  return features;
}

export function dot(weights: Readonly<Record<string, number>> | Map<string, number>, features: FeatureVector): number {
  let sum = 0;
  if (weights instanceof Map) {
    for (const [key, value] of features) sum += (weights.get(key) ?? 0) * value;
  } else {
    for (const [key, value] of features) if (Object.hasOwn(weights, key)) sum += weights[key]! * value;
  }
  return sum;
}

/** The model's adjustment of a pair's relevance (0 without a model). */
export function rankerScore(model: RankerModel | undefined, question: readonly string[], entry: readonly string[]): number {
  if (!model) return 0;
  return dot(model.weights, pairFeatures(question, entry));
}


/**
 * Trains by stochastic gradient descent (AdaGrad steps) on the pairwise
 * logistic loss log(1 + exp(−scale · (s⁺ − s⁻))), s = base + w·φ, over every
 * (positive, negative) of every example. With ~30 negatives per question and
 * ~100 features per pair, 5,000 questions are ~15M multiply-adds an epoch.
 */
export function trainRanker(examples: readonly RankerExample[], options: RankerOptions = {}): RankerModel {
  const { epochs, learningRate, l2, scale, prune, cross, families, support } = { ...DEFAULT_RANKER_OPTIONS, ...options };
  const weights = new Map<string, number>();
  const squares = new Map<string, number>();
  type Prepared = { positive?: { features: FeatureVector; base: number }; negatives: Array<{ features: FeatureVector; base: number; weight: number }> };
  const prepared: Prepared[] = examples.map((example) => ({
    ...(example.positive ? { positive: { features: pairFeatures(example.question, example.positive.terms, cross, families), base: example.positive.base } } : {}),
    negatives: example.negatives.map((negative) => ({ features: pairFeatures(example.question, negative.terms, cross, families), base: negative.base, weight: negative.weight })),
  }));
  // Features seen with few positives mostly name one entry: learned, they would
  // rank the entries reps already used above every other (and push the entries
  // nobody asked about yet, which are the training's negatives, below them).
  const seen = new Map<string, number>();
  for (const example of prepared) if (example.positive) for (const key of example.positive.features.keys()) seen.set(key, (seen.get(key) ?? 0) + 1);
  const learnable = (features: FeatureVector) => {
    for (const key of [...features.keys()]) if ((seen.get(key) ?? 0) < support) features.delete(key);
  };
  for (const example of prepared) {
    if (example.positive) learnable(example.positive.features);
    for (const negative of example.negatives) learnable(negative.features);
  }
  // Seeded, so a retraining on the same reports gives the same model.
  const random = seededRandom(examples.length);
  const order = prepared.map((_, index) => index);
  const step = (features: FeatureVector, gradient: number) => {
    for (const [key, value] of features) {
      const g = gradient * value;
      const w = weights.get(key) ?? 0;
      const s = (squares.get(key) ?? 0) + g * g + 1e-12;
      squares.set(key, s);
      weights.set(key, w - (learningRate / Math.sqrt(s)) * (g + l2 * w));
    }
  };
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const index of order) {
      const example = prepared[index]!;
      if (example.positive) {
        const positive = example.positive;
        const sPositive = positive.base + dot(weights, positive.features);
        for (const negative of example.negatives) {
          const margin = scale * (sPositive - negative.base - dot(weights, negative.features));
          // d loss / d margin = −σ(−margin); skipped when the pair is already well ordered.
          const sigma = 1 / (1 + Math.exp(margin));
          if (sigma < 1e-4) continue;
          const gradient = negative.weight * scale * sigma;
          step(positive.features, -gradient);
          step(negative.features, gradient);
        }
      } else {
        // Failures only: the failed entry should score below where the base put it.
        for (const negative of example.negatives) {
          const margin = scale * -dot(weights, negative.features);
          const sigma = 1 / (1 + Math.exp(margin));
          step(negative.features, negative.weight * scale * sigma);
        }
      }
    }
  }
  const kept: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const [key, w] of weights) if (Math.abs(w) >= prune) kept[key] = Math.round(w * 1e4) / 1e4;
  return { weights: kept, pairs: prepared.filter((example) => example.positive).length };
}
