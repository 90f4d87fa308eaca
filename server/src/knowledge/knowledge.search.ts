import { DEFAULT_ASK_LIMIT, type KnowledgeEntry } from '@huashu/core';
import type { Queryable } from '../platform/db/types.js';
import type { Embedder } from '../retrieval/embedder.js';
import { answerMatch, fuse, normalisedBm25, rank, termCounts, type CorpusStats, type FusionWeights, type Outcomes } from '../retrieval/ranking.js';
import { lexicalTerms, normalizedAnswer } from '../retrieval/terms.js';
import { candidateFeatures, corpusStats, denseCandidates, entriesByIds, lexicalCandidates, outcomesFor, type EntryFilters } from './knowledge.store.js';

export type RetrievalMode = 'hybrid' | 'lexical' | 'dense';

export interface SearchOptions {
  /** @default DEFAULT_ASK_LIMIT */
  limit?: number;
  /** @default 'hybrid' */
  mode?: RetrievalMode;
  /** Apply the success-rate boost. @default true */
  boost?: boolean;
  /** Relevance floor; below it the assistant abstains. @default DEFAULT_FLOORS[mode] */
  floor?: number;
  /** Fusion weights for hybrid mode. @default DEFAULT_WEIGHTS */
  weights?: FusionWeights;
  industry?: string;
  tags?: readonly string[];
}

/**
 * Fusion weights, chosen on the `-a` questions of the sales-objection eval set
 * and LCQMC dev (evals/README.md; the latest report in evals/reports/ also
 * shows the held-out questions). A fifth of the weight goes to the better of
 * the question and the answer field (see `fuse`): adding it lifted sales
 * recall@3 from 0.950 to 0.967 on the tuning questions and from 0.917 to 0.942
 * on the held-out ones, with LCQMC unchanged (its answers repeat the
 * question); 0.1 and 0.3 were no better. Dense and lexical share the rest
 * equally, as 0.3–0.6 dense tie on both sets, and reciprocal rank fusion was
 * 2 points worse on sales recall@3 than this convex combination.
 */
export const DEFAULT_WEIGHTS: FusionWeights = { dense: 0.4, lexical: 0.4, answer: 0.2 };
/** Lexical mode: the same split between the question and the answer field. */
export const LEXICAL_WEIGHTS: FusionWeights = { dense: 0, lexical: 0.8, answer: 0.2 };
/**
 * Relevance floors: the highest value (to 0.01) at which at most 5 % of the
 * in-scope tuning questions (sales `-a`) abstain, computed by
 * evals/src/calibrate-floors.ts. The in-scope side is the constraint because a
 * wrong abstention hides the right script from a rep, while answering an
 * off-topic question costs a glance at low-scored scripts. At these floors
 * hybrid abstains on 59 % of off-topic stand-ins (LCQMC/ATEC/BQ sentences),
 * lexical on 71 %, dense on 22 %: BM25 and the local embedder see shared
 * words, not topics, so "报销的价格上限" still looks like a price question.
 */
export const DEFAULT_FLOORS: Record<RetrievalMode, number> = { hybrid: 0.16, lexical: 0.18, dense: 0.14 };

/** How many candidates each retriever contributes before fusion. */
const CANDIDATES = 60;
/**
 * Terms in more entries than this are too common to select candidates (they
 * still count in BM25): a frequent character would make a third of a large
 * base candidates and ts_rank would score them all. Small bases keep a floor
 * of documents so their few shared words still select.
 */
const COMMON_TERM_SHARE = 0.05;
const COMMON_TERM_MIN_DOCUMENTS = 20;
/** At most this many (the rarest) query terms select lexical candidates. */
const CANDIDATE_TERMS = 6;

export interface SearchHit {
  entry: KnowledgeEntry;
  /** Relevance in [0, 1] plus the bounded success-rate boost. */
  score: number;
  relevance: number;
  dense: number;
  lexical: number;
  outcomes: Outcomes;
}

export interface SearchResult {
  hits: SearchHit[];
  abstained: boolean;
  /** Set when stored vectors come from another embedder (run `huashu reindex`). */
  staleEmbeddings: boolean;
}

/**
 * The assistant's retrieval: lexical (BM25 over jieba words and characters,
 * candidates from the GIN-indexed tsvector) and dense (pgvector cosine)
 * candidates, fused into one relevance, floored, then nudged by success rate.
 */
export async function searchKnowledge(db: Queryable, tenantId: string, embedder: Embedder, question: string, options: SearchOptions = {}): Promise<SearchResult> {
  const mode = options.mode ?? 'hybrid';
  const limit = options.limit ?? DEFAULT_ASK_LIMIT;
  const cached = await corpusStats(db, tenantId, embedder.model);
  const stats: CorpusStats = { documents: cached.documents, averageLength: cached.averageLength, documentFrequency: cached.df };
  // Until `huashu reindex` has embedded the base with the current embedder there
  // is nothing to compare the question's vector with: answer lexically rather
  // than halve every relevance and abstain on everything.
  const denseAvailable = cached.vectors > 0;
  const weights =
    mode === 'dense'
      ? { dense: 1, lexical: 0 }
      : mode === 'lexical' || !denseAvailable
        ? LEXICAL_WEIGHTS
        : (options.weights ?? DEFAULT_WEIGHTS);
  const floor = options.floor ?? DEFAULT_FLOORS[mode === 'hybrid' && !denseAvailable ? 'lexical' : mode];
  const terms = lexicalTerms(question);
  const queryVector = weights.dense > 0 ? await embedder.embeddings.embedQuery(question) : undefined;
  const filters: EntryFilters = { industry: options.industry, tags: options.tags };

  // Two phases: each retriever first picks candidate ids reading as little as
  // possible, then one query fetches terms and similarity for the union.
  const ids = new Set<string>();
  if (weights.lexical > 0 && terms.length > 0) {
    const df = (term: string) => stats.documentFrequency.get(term) ?? 0;
    // The rarest few terms pick the candidates (BM25 still scores every term):
    // each extra common term in the OR adds matches that ts_rank must score.
    const selective = [...new Set(terms)]
      .filter((term) => df(term) > 0 && df(term) <= Math.max(COMMON_TERM_MIN_DOCUMENTS, COMMON_TERM_SHARE * stats.documents))
      .sort((a, b) => df(a) - df(b))
      .slice(0, CANDIDATE_TERMS);
    for (const id of await lexicalCandidates(db, tenantId, selective.length > 0 ? selective : terms, filters, CANDIDATES)) ids.add(id);
  }
  if (queryVector) {
    for (const id of await denseCandidates(db, tenantId, queryVector, embedder.model, filters, CANDIDATES)) ids.add(id);
  }
  const candidates = await candidateFeatures(db, tenantId, [...ids], queryVector, embedder.model);

  const scored = candidates.map((candidate) => {
    const lexical = weights.lexical > 0 ? normalisedBm25(terms, termCounts(candidate.lexical_terms), candidate.lexical_terms.length, stats) : 0;
    const answer = weights.answer ? answerMatch(terms, normalizedAnswer(candidate.answer), cached.averageAnswerLength, stats) : 0;
    const dense = candidate.dense ?? 0;
    return { id: candidate.id, dense, lexical, relevance: fuse(dense, lexical, weights, answer), outcomes: { uses: 0, successes: 0 } };
  });
  const boost = options.boost ?? true;
  // With the boost, outcomes are needed for every entry above the floor (they
  // reorder it); without, only for the few that are shown.
  const attachOutcomes = async (list: typeof scored) => {
    if (list.length === 0) return;
    const outcomes = await outcomesFor(db, tenantId, list.map((candidate) => candidate.id));
    for (const candidate of list) candidate.outcomes = outcomes.get(candidate.id) ?? candidate.outcomes;
  };
  if (boost) await attachOutcomes(scored.filter((candidate) => candidate.relevance >= floor));
  const ranked = rank(scored, { limit, floor, boost });
  if (!boost) await attachOutcomes(ranked);
  const entries = await entriesByIds(db, tenantId, ranked.map((candidate) => candidate.id));
  const hits = ranked.map((candidate) => ({ ...candidate, entry: entries.get(candidate.id)! }));
  return { hits, abstained: hits.length === 0, staleEmbeddings: cached.foreignVectors > 0 };
}
