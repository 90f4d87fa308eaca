// Why these weights and 512 dimensions — LCQMC dev as FAQ retrieval (8,631
// entries, 4,402 queries, exact cosine), measured by tune-local-embedder.ts:
//
//   features (weights)                       dims   R@1     R@3     MRR@10
//   words only                                512   0.476   0.874   0.676
//   char unigrams only                        512   0.538   0.912   0.724
//   words 1, bigrams 0.7, no unigrams         512   0.540   0.908   0.723
//   words 1, bigrams 0.7, unigrams 0.3        512   0.544   0.912   0.728
//   words 1, bigrams 1,   unigrams 1          512   0.549   0.917   0.732
//   words 1, bigrams 0.5, unigrams 1 (chosen) 256   0.556   0.922   0.737
//   words 1, bigrams 0.5, unigrams 1 (chosen) 512   0.557   0.926   0.739
//   words 1, bigrams 0.5, unigrams 1 (chosen) 1024  0.558   0.927   0.740
//   (BM25 over character unigrams, with corpus IDF: R@3 ≈ 0.94)
//
// Single characters carry most of the signal in short Chinese questions (they
// survive segmentation differences: 初婚未育证明 / 初婚未育情况证明); whole words
// add precision; bigrams help only at a low weight because they mostly repeat
// the words. The same script on the customer-service sets (BQ converted to
// TSV) agrees, R@3 at 512 dims, chosen vs 1 / 0.7 / 0.3: ATEC/CCKS dev 0.159
// vs 0.141, BQ dev 0.090 vs 0.082 (BM25 ≈ 0.17 and 0.09). Bigrams at 0.3
// instead of 0.5 tie within noise everywhere (LCQMC 0.925, ATEC 0.162, BQ
// 0.089). A static IDF (jieba's idf.txt for words, character frequencies from
// its dictionary for n-grams) lowered LCQMC R@3 by 0.3–0.8 points in a one-off
// experiment, so none is applied. 1024 dimensions gain only 0.002 over 512 for
// twice the index size; 256 lose 0.003.
// Speed (one thread): ≈ 25,000 questions/s, ≈ 4,500 paragraphs of 200 chars/s.
import { Embeddings, type EmbeddingsParams } from '@langchain/core/embeddings';
import { normalizeText } from './normalize.js';
import { segmentNormalized } from './segment.js';

/** Relative weight of each feature family before L2 normalisation. */
export interface FeatureWeights {
  /** jieba search-mode words (stop words removed), English words and numbers. */
  words: number;
  /** Adjacent pairs of Chinese characters. */
  charBigrams: number;
  /** Single Chinese characters. */
  charUnigrams: number;
}

export const DEFAULT_FEATURE_WEIGHTS: Readonly<FeatureWeights> = Object.freeze({
  words: 1,
  charBigrams: 0.5,
  charUnigrams: 1,
});

export const DEFAULT_LOCAL_DIMENSIONS = 512;

const YIELD_EVERY = 256;

// pgvector's HNSW and IVFFlat indexes accept at most 2,000 dimensions.
const MAX_DIMENSIONS = 2000;

export interface LocalEmbeddingsParams extends EmbeddingsParams {
  /** Length of every vector (default 512). */
  dimensions?: number;
  /**
   * Family weights (default {@link DEFAULT_FEATURE_WEIGHTS}). `model` does not
   * encode them: change them only to measure, never under a populated index.
   */
  weights?: Partial<FeatureWeights>;
}

// A Han run is where word boundaries are uncertain, so only there do
// character n-grams add recall; Latin words already come whole from jieba.
const HAN_RUN = /\p{Script=Han}+/gu;

// FNV-1a over UTF-16 code units followed by murmur3's finaliser: FNV alone has
// weak low bits, and both the bucket (low bits) and the sign (top bit) are
// taken from the same 32-bit value.
function hash32(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function count(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/**
 * Deterministic embedder that needs no network and no model file: signed
 * feature hashing of words and Chinese character n-grams into a fixed number
 * of buckets, L2-normalised so that pgvector's cosine distance applies.
 *
 * Texts that share words or characters get similar vectors, so it finds
 * paraphrases that reuse vocabulary, not synonyms (贵 vs 价格高) — that is what
 * a real embedding model configured through `OpenAIEmbeddings` is for.
 */
export class LocalEmbeddings extends Embeddings {
  readonly model = 'huashu-local-hash-v1';
  readonly dimensions: number;
  readonly weights: Readonly<FeatureWeights>;

  constructor(params: LocalEmbeddingsParams = {}) {
    const { dimensions = DEFAULT_LOCAL_DIMENSIONS, weights, ...rest } = params;
    super(rest);
    if (!Number.isInteger(dimensions) || dimensions < 2 || dimensions > MAX_DIMENSIONS) {
      throw new RangeError(`dimensions must be an integer between 2 and ${MAX_DIMENSIONS}, got ${dimensions}`);
    }
    const merged = { ...DEFAULT_FEATURE_WEIGHTS, ...weights };
    for (const [name, value] of Object.entries(merged)) {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`weight ${name} must be a finite number ≥ 0, got ${value}`);
    }
    this.dimensions = dimensions;
    this.weights = Object.freeze(merged);
  }

  override async embedDocuments(documents: string[]): Promise<number[][]> {
    const vectors: number[][] = [];
    for (const [i, document] of documents.entries()) {
      // A knowledge-base import embeds thousands of paragraphs at ≈ 0.2 ms
      // each; yielding now and then keeps the server answering meanwhile.
      if (i > 0 && i % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      vectors.push(this.embedText(document));
    }
    return vectors;
  }

  override embedQuery(document: string): Promise<number[]> {
    return Promise.resolve(this.embedText(document));
  }

  /** Synchronous form of {@link embedQuery}; the work is CPU-only either way. */
  embedText(text: string): number[] {
    const vector = new Float64Array(this.dimensions);
    for (const [key, occurrences] of this.features(text)) {
      const familyWeight = this.familyWeight(key);
      if (familyWeight === 0) continue;
      const h = hash32(key);
      // Sublinear tf: a word repeated in a long answer should not drown the rest.
      const value = familyWeight * (1 + Math.log(occurrences));
      const bucket = h % this.dimensions;
      vector[bucket] = (vector[bucket] as number) + (h & 0x80000000 ? -value : value);
    }
    let squares = 0;
    for (const x of vector) squares += x * x;
    if (squares === 0) {
      // No features (empty text, punctuation, English stop words only) or
      // features whose signed hashes cancelled out. pgvector's cosine distance
      // of a zero vector is NaN, which breaks ORDER BY and every relevance
      // threshold, so such texts get one fixed unit bucket instead: similar to
      // each other and almost orthogonal to real text.
      vector[0] = 1;
      return Array.from(vector);
    }
    const norm = Math.sqrt(squares);
    return Array.from(vector, (x) => x / norm);
  }

  private familyWeight(key: string): number {
    switch (key.charCodeAt(0)) {
      case 0x77 /* w */:
        return this.weights.words;
      case 0x62 /* b */:
        return this.weights.charBigrams;
      default:
        return this.weights.charUnigrams;
    }
  }

  // Keys carry a family prefix so that the word 贵 and the character 贵 are
  // separate features with separate weights.
  private features(text: string): Map<string, number> {
    const counts = new Map<string, number>();
    const normalized = normalizeText(text);
    for (const word of segmentNormalized(normalized)) count(counts, `w:${word}`);
    // Characters come from the whole text, stop words included: on LCQMC and
    // ATEC, n-grams of only the non-stop-word runs lost 0.7–1.6 points of
    // recall@3, because question words (什么 / 怎么 / 多少) separate intents.
    for (const run of normalized.match(HAN_RUN) ?? []) {
      const chars = Array.from(run);
      for (let i = 0; i < chars.length; i++) {
        const char = chars[i] as string;
        count(counts, `u:${char}`);
        const next = chars[i + 1];
        if (next !== undefined) count(counts, `b:${char}${next}`);
      }
    }
    return counts;
  }
}
