import type { Queryable } from '../db/types.js';
import type { Embedder } from './embedder.js';
import { ENTRY_COLUMNS, outcomesFor, type EntryRow } from '../knowledge/store.js';
import { toSql } from '../knowledge/vector.js';
import { fuse, normalisedBm25, rank, termCounts, type CorpusStats, type FusionWeights } from './ranking.js';
import { anyTermQuery, lexicalTerms } from './terms.js';

export type RetrievalMode = 'hybrid' | 'lexical' | 'dense';

export interface SearchOptions {
  /** @default 3 */
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
 * Hybrid weights and floors, chosen on the project's own sales-objection eval
 * set (evals/datasets/sales-objections; see evals/README and the latest report):
 * the floors sit between the best-scoring out-of-scope question and the
 * worst-scoring in-scope one.
 */
export const DEFAULT_WEIGHTS: FusionWeights = { dense: 0.5, lexical: 0.5 };
export const DEFAULT_FLOORS: Record<RetrievalMode, number> = { hybrid: 0.3, lexical: 0.3, dense: 0.3 };

/** How many candidates each retriever contributes before fusion. */
const CANDIDATES = 60;
/**
 * Terms in more than this share of entries are too common to select candidates
 * (they still count in BM25); without the cut a single frequent character makes
 * every entry a candidate.
 */
const COMMON_TERM_SHARE = 0.2;

export interface SearchHit {
  row: EntryRow;
  /** Relevance in [0, 1] plus the bounded success-rate boost. */
  score: number;
  relevance: number;
  dense: number;
  lexical: number;
  outcomes: { uses: number; successes: number };
}

export interface SearchResult {
  hits: SearchHit[];
  abstained: boolean;
  /** Set when stored vectors come from another embedder (run `huashu reindex`). */
  staleEmbeddings: boolean;
}

interface CachedStats {
  until: number;
  documents: number;
  averageLength: number;
  df: Map<string, number>;
}

// Corpus statistics change only when entries do; a short cache keeps them off
// the hot path, and writes through this process invalidate it at once.
const STATS_TTL_MS = 60_000;
const statsCache = new Map<string, CachedStats>();

export function invalidateCorpusStats(tenantId: string): void {
  statsCache.delete(tenantId);
}

async function corpusStats(db: Queryable, tenantId: string, terms: readonly string[]): Promise<CorpusStats> {
  const now = Date.now();
  let cached = statsCache.get(tenantId);
  if (!cached || cached.until < now) {
    const totals = await db.query<{ n: number; avg: number | null }>(
      `SELECT count(*)::int AS n, avg(cardinality(lexical_terms))::float8 AS avg FROM knowledge_entries WHERE tenant_id = $1 AND status = 'approved'`,
      [tenantId],
    );
    cached = { until: now + STATS_TTL_MS, documents: totals.rows[0]!.n, averageLength: totals.rows[0]!.avg ?? 1, df: new Map() };
    if (statsCache.size > 1000) statsCache.clear();
    statsCache.set(tenantId, cached);
  }
  const missing = [...new Set(terms)].filter((term) => !cached!.df.has(term));
  if (missing.length > 0) {
    const counts = await db.query<{ term: string; df: number }>(
      `SELECT u.term, (SELECT count(*)::int FROM knowledge_entries e
                        WHERE e.tenant_id = $1 AND e.status = 'approved' AND e.search_tsv @@ u.q::tsquery) AS df
       FROM unnest($2::text[], $3::text[]) AS u(term, q)`,
      [tenantId, missing, missing.map((term) => anyTermQuery([term]))],
    );
    for (const row of counts.rows) cached.df.set(row.term, row.df);
  }
  return { documents: cached.documents, averageLength: cached.averageLength, documentFrequency: cached.df };
}

interface Candidate {
  id: string;
  lexical_terms: string[];
  dense: number | null;
}

/**
 * The assistant's retrieval: lexical (BM25 over jieba words and characters,
 * candidates from the GIN-indexed tsvector) and dense (pgvector cosine)
 * candidates, fused into one relevance, floored, then nudged by success rate.
 */
export async function searchKnowledge(db: Queryable, tenantId: string, embedder: Embedder, question: string, options: SearchOptions = {}): Promise<SearchResult> {
  const mode = options.mode ?? 'hybrid';
  const limit = options.limit ?? 3;
  const weights = mode === 'dense' ? { dense: 1, lexical: 0 } : mode === 'lexical' ? { dense: 0, lexical: 1 } : (options.weights ?? DEFAULT_WEIGHTS);
  const floor = options.floor ?? DEFAULT_FLOORS[mode];
  const terms = lexicalTerms(question);
  const [stats, queryVector] = await Promise.all([
    corpusStats(db, tenantId, terms),
    weights.dense > 0 ? embedder.embeddings.embedQuery(question) : Promise.resolve(undefined),
  ]);
  const vector = queryVector ? toSql(queryVector) : null;
  const filterParams = [options.industry ?? null, options.tags?.length ? [...options.tags] : null];
  const filters = `AND ($3::text IS NULL OR e.industry = $3) AND ($4::text[] IS NULL OR e.tags && $4::text[])`;

  const candidates = new Map<string, Candidate>();
  const lexicalSearch = async () => {
    if (weights.lexical === 0 || terms.length === 0) return;
    const selective = [...new Set(terms)].filter((term) => (stats.documentFrequency.get(term) ?? 0) <= COMMON_TERM_SHARE * stats.documents);
    const query = anyTermQuery(selective.length > 0 ? selective : terms);
    const rows = await db.query<Candidate>(
      `SELECT e.id, e.lexical_terms, 1 - (v.embedding <=> $6::vector) AS dense
       FROM knowledge_entries e
       LEFT JOIN knowledge_embeddings v ON v.entry_id = e.id AND v.tenant_id = $1 AND v.model = $7::text
       WHERE e.tenant_id = $1 AND e.status = 'approved' AND e.search_tsv @@ $2::tsquery ${filters}
       ORDER BY ts_rank(e.search_tsv, $2::tsquery) DESC, e.id
       LIMIT $5`,
      [tenantId, query, ...filterParams, CANDIDATES * 2, vector, embedder.model],
    );
    for (const row of rows.rows) candidates.set(row.id, row);
  };
  const denseSearch = async () => {
    if (!vector) return;
    const rows = await db.query<Candidate>(
      `SELECT e.id, e.lexical_terms, 1 - (v.embedding <=> $2::vector) AS dense
       FROM knowledge_embeddings v JOIN knowledge_entries e ON e.id = v.entry_id AND e.tenant_id = $1
       WHERE v.tenant_id = $1 AND v.model = $6 AND e.status = 'approved' ${filters}
       ORDER BY v.embedding <=> $2::vector, e.id
       LIMIT $5`,
      [tenantId, vector, ...filterParams, CANDIDATES, embedder.model],
    );
    for (const row of rows.rows) if (!candidates.has(row.id)) candidates.set(row.id, row);
  };
  // Sequential on purpose: PGlite is one connection, and on Postgres the two are a few ms each.
  await lexicalSearch();
  await denseSearch();

  const scored = [...candidates.values()].map((candidate) => {
    const lexical = weights.lexical > 0 ? normalisedBm25(terms, termCounts(candidate.lexical_terms), candidate.lexical_terms.length, stats) : 0;
    const dense = candidate.dense ?? 0;
    return { id: candidate.id, dense, lexical, relevance: fuse(dense, lexical, weights), outcomes: { uses: 0, successes: 0 } };
  });
  const eligible = scored.filter((candidate) => candidate.relevance >= floor);
  const boost = options.boost ?? true;
  if (boost && eligible.length > 0) {
    const outcomes = await outcomesFor(db, tenantId, eligible.map((candidate) => candidate.id));
    for (const candidate of eligible) candidate.outcomes = outcomes.get(candidate.id) ?? candidate.outcomes;
  }
  const ranked = rank(eligible, { limit, floor, boost });
  if (ranked.length > 0 && !boost) {
    const outcomes = await outcomesFor(db, tenantId, ranked.map((candidate) => candidate.id));
    for (const candidate of ranked) candidate.outcomes = outcomes.get(candidate.id) ?? candidate.outcomes;
  }
  const rows = ranked.length
    ? await db.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM knowledge_entries WHERE tenant_id = $1 AND id = ANY($2::text[])`, [
        tenantId,
        ranked.map((candidate) => candidate.id),
      ])
    : { rows: [] };
  const byId = new Map(rows.rows.map((row) => [row.id, row]));
  let staleEmbeddings = false;
  if (vector && candidates.size === 0 && stats.documents > 0) {
    const other = await db.query(`SELECT 1 FROM knowledge_embeddings WHERE tenant_id = $1 AND model <> $2 LIMIT 1`, [tenantId, embedder.model]);
    staleEmbeddings = other.rows.length > 0;
  }
  const hits = ranked.map((candidate) => ({ ...candidate, row: byId.get(candidate.id)! }));
  return { hits, abstained: hits.length === 0, staleEmbeddings };
}
