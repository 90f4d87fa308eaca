import { randomUUID } from 'node:crypto';
import { HuashuError, type Evidence, type KnowledgeEntry, type KnowledgeStatus, type ReviewRequest } from '@huashu/core';
import type { Queryable } from '../platform/db/types.js';
import { toSql } from '../platform/db/vector.js';
import { embeddingText, type Embedder } from '../retrieval/embedder.js';
import type { Outcomes } from '../retrieval/ranking.js';
import { anyTermQuery, lexicalTerms } from '../retrieval/terms.js';
import { nearestClause } from './vector-index.js';
import { removeUnlistedVariants, upsertVariants } from './variants.store.js';

/** Rows per statement and transaction (imports, reindex): big enough to amortise round trips, small enough to report progress. */
export const WRITE_CHUNK = 500;

/** A validated entry ready to store. */
export interface EntryData {
  externalId?: string;
  question: string;
  answer: string;
  evidence: Evidence[];
  tags?: string[];
  industry?: string;
  product?: string;
  status: KnowledgeStatus;
  authorRepId?: string;
  authorName?: string;
  /** When present, the entry's imported/edited variants become exactly these. */
  variants?: string[];
}

export interface EntryRow {
  id: string;
  external_id: string | null;
  question: string;
  answer: string;
  evidence: Evidence[];
  tags: string[];
  industry: string | null;
  product: string | null;
  status: KnowledgeStatus;
  author_rep_id: string | null;
  verified_until: Date | null;
  variants: string[] | null;
  review_note: string | null;
  reviewed_by: string | null;
  reviewed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** Columns of an entry, its approved variants included (selected from knowledge_entries without an alias). */
export const ENTRY_COLUMNS = `id, external_id, question, answer, evidence, tags, industry, product, status, author_rep_id, verified_until, created_at, updated_at,
  review_note, reviewed_by, reviewed_at,
  ARRAY(SELECT kv.text FROM knowledge_variants kv WHERE kv.tenant_id = knowledge_entries.tenant_id AND kv.entry_id = knowledge_entries.id AND kv.status = 'approved' ORDER BY kv.created_at, kv.id) AS variants`;

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

export function toEntry(row: EntryRow, now = Date.now()): KnowledgeEntry {
  const verifiedUntil = iso(row.verified_until);
  return {
    id: row.id,
    externalId: row.external_id,
    question: row.question,
    answer: row.answer,
    evidence: row.evidence,
    tags: row.tags ?? [],
    industry: row.industry,
    product: row.product,
    status: row.status,
    authorRepId: row.author_rep_id,
    verifiedUntil,
    stale: row.status === 'approved' && verifiedUntil !== null && Date.parse(verifiedUntil) < now,
    variants: row.variants ?? [],
    review: row.reviewed_at && row.reviewed_by ? { note: row.review_note, reviewer: row.reviewed_by, at: iso(row.reviewed_at)! } : null,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

/** The lexical field of an entry: the same text its vector is made from. */
export function entryTerms(entry: { question: string; tags?: readonly string[] }): string[] {
  return lexicalTerms(embeddingText(entry));
}

export interface UpsertResult {
  id: string;
  inserted: boolean;
}

/**
 * Stores entries (insert, or update by externalId) with their lexical terms and
 * vectors, in batches of one statement each, inside the caller's transaction.
 * Approved entries get a fresh verification deadline.
 */
export async function upsertEntries(
  tx: Queryable,
  tenantId: string,
  entries: readonly EntryData[],
  embedder: Embedder,
  verifyDays: number,
): Promise<UpsertResult[]> {
  if (entries.length === 0) return [];
  const vectors = await embedder.embeddings.embedDocuments(entries.map((entry) => embeddingText(entry)));
  const terms = entries.map(entryTerms);
  const result = await tx.query<{ id: string; inserted: boolean }>(
    `INSERT INTO knowledge_entries AS k (id, tenant_id, external_id, question, answer, evidence, tags, industry, product, status,
        author_rep_id, author_name, verified_until, lexical_terms)
     SELECT u.id, $1, u.external_id, u.question, u.answer, u.evidence::jsonb,
            ARRAY(SELECT jsonb_array_elements_text(u.tags::jsonb)), u.industry, u.product, u.status,
            u.author_rep_id, u.author_name,
            CASE WHEN u.status = 'approved' THEN now() + make_interval(days => $2) END,
            ARRAY(SELECT jsonb_array_elements_text(u.terms::jsonb))
     FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                 $12::text[], $13::text[], $14::text[])
       AS u(id, external_id, question, answer, evidence, tags, industry, product, status, author_rep_id, author_name, terms)
     ON CONFLICT (tenant_id, external_id) DO UPDATE SET
       question = EXCLUDED.question, answer = EXCLUDED.answer, evidence = EXCLUDED.evidence, tags = EXCLUDED.tags,
       industry = EXCLUDED.industry, product = EXCLUDED.product, status = EXCLUDED.status,
       verified_until = CASE WHEN EXCLUDED.status = 'approved' THEN EXCLUDED.verified_until ELSE k.verified_until END,
       lexical_terms = EXCLUDED.lexical_terms, updated_at = now()
     WHERE k.tenant_id = $1
     RETURNING k.id, (xmax = 0) AS inserted`,
    [
      tenantId,
      verifyDays,
      entries.map(() => randomUUID()),
      entries.map((entry) => entry.externalId ?? null),
      entries.map((entry) => entry.question),
      entries.map((entry) => entry.answer),
      entries.map((entry) => JSON.stringify(entry.evidence)),
      entries.map((entry) => JSON.stringify(entry.tags ?? [])),
      entries.map((entry) => entry.industry ?? null),
      entries.map((entry) => entry.product ?? null),
      entries.map((entry) => entry.status),
      entries.map((entry) => entry.authorRepId ?? null),
      entries.map((entry) => entry.authorName ?? null),
      terms.map((list) => JSON.stringify(list)),
    ],
  );
  const rows = result.rows;
  changedCorpus(tx, tenantId);
  await storeVectors(
    tx,
    tenantId,
    rows.map((row) => row.id),
    vectors,
    embedder.model,
  );
  // RETURNING keeps the order of the rows inserted, so rows[i] is entries[i].
  const listed = entries.flatMap((entry, index) => (entry.variants ? [{ entryId: rows[index]!.id, texts: entry.variants }] : []));
  await removeUnlistedVariants(tx, tenantId, listed);
  await upsertVariants(
    tx,
    tenantId,
    listed.flatMap(({ entryId, texts }) => texts.map((text) => ({ entryId, text, status: 'approved' as const, source: 'import' as const }))),
    embedder,
  );
  return rows.map((row) => ({ id: row.id, inserted: row.inserted }));
}

/**
 * Rewrites one entry's content and status by id (the author's resubmission, a
 * reviewer's edit), with its terms and vector; the review note stays for the
 * record. Returns false when the tenant has no such entry.
 */
export async function updateEntry(tx: Queryable, tenantId: string, id: string, entry: EntryData, embedder: Embedder, verifyDays: number): Promise<boolean> {
  const [vector] = await embedder.embeddings.embedDocuments([embeddingText(entry)]);
  const result = await tx.query(
    `UPDATE knowledge_entries AS k SET question = $3, answer = $4, evidence = $5::jsonb, tags = ARRAY(SELECT jsonb_array_elements_text($6::jsonb)),
       industry = $7, product = $8, status = $9, lexical_terms = ARRAY(SELECT jsonb_array_elements_text($10::jsonb)),
       verified_until = CASE WHEN $9 = 'approved' THEN now() + make_interval(days => $11) ELSE k.verified_until END, updated_at = now()
     WHERE k.tenant_id = $1 AND k.id = $2`,
    [
      tenantId,
      id,
      entry.question,
      entry.answer,
      JSON.stringify(entry.evidence),
      JSON.stringify(entry.tags ?? []),
      entry.industry ?? null,
      entry.product ?? null,
      entry.status,
      JSON.stringify(entryTerms(entry)),
      verifyDays,
    ],
  );
  if (result.rowCount === 0) return false;
  changedCorpus(tx, tenantId);
  await storeVectors(tx, tenantId, [id], [vector!], embedder.model);
  if (entry.variants) {
    await removeUnlistedVariants(tx, tenantId, [{ entryId: id, texts: entry.variants }]);
    await upsertVariants(tx, tenantId, entry.variants.map((text) => ({ entryId: id, text, status: 'approved' as const, source: 'import' as const })), embedder);
  }
  return true;
}

export async function storeVectors(tx: Queryable, tenantId: string, ids: readonly string[], vectors: readonly number[][], model: string): Promise<void> {
  if (ids.length === 0) return;
  await tx.query(
    `INSERT INTO knowledge_embeddings (entry_id, tenant_id, model, dim, approved, embedding)
     SELECT u.id, $1, $2, $3, e.status = 'approved', u.v::vector
     FROM unnest($4::text[], $5::text[]) AS u(id, v) JOIN knowledge_entries e ON e.tenant_id = $1 AND e.id = u.id
     ON CONFLICT (entry_id) DO UPDATE SET model = EXCLUDED.model, dim = EXCLUDED.dim, approved = EXCLUDED.approved, embedding = EXCLUDED.embedding
     WHERE knowledge_embeddings.tenant_id = $1`,
    [tenantId, model, vectors[0]!.length, ids, vectors.map(toSql)],
  );
  changedCorpus(tx, tenantId);
}

export async function getEntry(db: Queryable, tenantId: string, id: string): Promise<KnowledgeEntry> {
  const result = await db.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM knowledge_entries WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  if (!result.rows[0]) throw new HuashuError('not_found', `knowledge entry ${id} not found`);
  return toEntry(result.rows[0]);
}

export interface ListFilter {
  status?: KnowledgeStatus;
  /** Only the entries this rep wrote. */
  authorRepId?: string;
  /** Approved entries whose verification has expired. */
  stale?: boolean;
  limit: number;
  offset: number;
}

export async function listEntries(db: Queryable, tenantId: string, filter: ListFilter): Promise<{ entries: KnowledgeEntry[]; total: number }> {
  const conditions: string[] = [];
  const params: unknown[] = [tenantId];
  if (filter.status) {
    params.push(filter.status);
    conditions.push(`AND status = $${params.length}`);
  }
  if (filter.authorRepId) {
    params.push(filter.authorRepId);
    conditions.push(`AND author_rep_id = $${params.length}`);
  }
  if (filter.stale) conditions.push(`AND status = 'approved' AND verified_until < now()`);
  const more = conditions.join(' ');
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM knowledge_entries WHERE tenant_id = $1 ${more}`, params);
  const rows = await db.query<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM knowledge_entries WHERE tenant_id = $1 ${more} ORDER BY created_at, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, filter.limit, filter.offset],
  );
  return { entries: rows.rows.map((row) => toEntry(row)), total: total.rows[0]!.n };
}

export type ReviewDecision = ReviewRequest['decision'];

/** The status each review decision leaves an entry in. */
const REVIEW_STATUS: Record<ReviewDecision, KnowledgeStatus> = { approve: 'approved', reject: 'rejected', request_changes: 'changes_requested', archive: 'archived' };

export async function reviewEntry(
  db: Queryable,
  tenantId: string,
  id: string,
  review: { decision: ReviewDecision; note?: string; reviewer: string },
  verifyDays: number,
): Promise<KnowledgeEntry> {
  const status = REVIEW_STATUS[review.decision];
  // One statement, the archived check inside it: no review can slip in between a read and the write.
  const result = await db.query<EntryRow>(
    `UPDATE knowledge_entries SET status = $3, review_note = $4, reviewed_by = $5, reviewed_at = now(), updated_at = now(),
       verified_until = CASE WHEN $3 = 'approved' THEN now() + make_interval(days => $6) ELSE verified_until END
     WHERE tenant_id = $1 AND id = $2 AND status <> 'archived' RETURNING ${ENTRY_COLUMNS}`,
    [tenantId, id, status, review.note ?? null, review.reviewer, verifyDays],
  );
  if (!result.rows[0]) {
    await getEntry(db, tenantId, id); // 404 when it does not exist
    throw new HuashuError('conflict', 'an archived entry cannot be reviewed');
  }
  changedCorpus(db, tenantId);
  return toEntry(result.rows[0]);
}

export async function recordOutcome(
  db: Queryable,
  tenantId: string,
  outcome: { entryId: string; outcome: 'success' | 'failure'; leadId?: string | undefined; repId?: string | undefined; askId?: string | undefined },
): Promise<void> {
  // One statement: the entry must exist in this tenant, or nothing is written.
  const inserted = await db.query(
    `INSERT INTO knowledge_outcomes (id, tenant_id, entry_id, outcome, rep_id, lead_id, ask_id)
     SELECT $1, $2, e.id, $4, $5, $6, $7 FROM knowledge_entries e WHERE e.tenant_id = $2 AND e.id = $3`,
    [randomUUID(), tenantId, outcome.entryId, outcome.outcome, outcome.repId ?? null, outcome.leadId ?? null, outcome.askId ?? null],
  );
  if (inserted.rowCount === 0) throw new HuashuError('not_found', `knowledge entry ${outcome.entryId} not found`);
}

/** Days of outcomes that count towards an entry's success rate: recent enough to reflect today's market. */
export const SUCCESS_WINDOW_DAYS = 90;

export async function outcomesFor(db: Queryable, tenantId: string, entryIds: readonly string[]): Promise<Map<string, Outcomes>> {
  const result = await db.query<{ entry_id: string; uses: number; successes: number }>(
    `SELECT entry_id, count(*)::int AS uses, (count(*) FILTER (WHERE outcome = 'success'))::int AS successes
     FROM knowledge_outcomes
     WHERE tenant_id = $1 AND entry_id = ANY($2::text[]) AND created_at > now() - make_interval(days => $3)
     GROUP BY entry_id`,
    [tenantId, entryIds, SUCCESS_WINDOW_DAYS],
  );
  return new Map(result.rows.map((row) => [row.entry_id, { uses: row.uses, successes: row.successes }]));
}

/** Optional filters of a search, on the entries' own columns. */
export interface EntryFilters {
  industry?: string | undefined;
  tags?: readonly string[] | undefined;
}

export interface CorpusStatistics {
  documents: number;
  /** Mean term count of an entry's lexical field. */
  averageLength: number;
  /** Mean answer length in characters. */
  averageAnswerLength: number;
  df: Map<string, number>;
  /** Approved entries with a vector from the current embedder. */
  vectors: number;
  /** Vectors from another embedder (waiting for `huashu reindex`). */
  foreignVectors: number;
  /** Approved variants: without any, a search skips the variant queries. */
  variants: number;
}

// Corpus statistics change only when entries do, so each tenant's are loaded
// whole (one grouped scan: a few thousand distinct terms even at 10k entries)
// and cached; this store's writes invalidate them when their transaction
// commits, other replicas pick changes up within the TTL. Per-query df look-ups
// were measured at 10–100 ms on 1k entries; the cached map costs nothing per
// question. Keys are tenant ids, which are random, so databases opened side by
// side in one process (tests, benchmarks) cannot collide.
const STATS_TTL_MS = 5 * 60_000;
/** Bounds memory on a server hosting many tenants; the least recently loaded go first. */
const STATS_CACHE_TENANTS = 1000;
const statsCache = new Map<string, { until: number; generation: number; stats: Promise<CorpusStatistics> }>();
const generations = new Map<string, number>();

/** Bumped by every write to a tenant's corpus: caches derived from it (the domain gate) compare it. */
export function corpusGeneration(tenantId: string): number {
  return generations.get(tenantId) ?? 0;
}

function invalidateCorpusStats(tenantId: string): void {
  generations.set(tenantId, (generations.get(tenantId) ?? 0) + 1);
  for (const key of statsCache.keys()) if (key.startsWith(`${tenantId} `)) statsCache.delete(key);
}

/**
 * Every write to entries, vectors or reviews calls this. Invalidating now and
 * again at commit means a question that loads statistics mid-transaction
 * cannot leave pre-commit numbers cached.
 */
export function changedCorpus(q: Queryable, tenantId: string): void {
  invalidateCorpusStats(tenantId);
  q.afterCommit?.(() => invalidateCorpusStats(tenantId));
}

async function loadStats(db: Queryable, tenantId: string, model: string): Promise<CorpusStatistics> {
  const totals = await db.query<{ n: number; avg: number | null; answer_avg: number | null }>(
    `SELECT count(*)::int AS n, avg(cardinality(lexical_terms))::float8 AS avg, avg(char_length(answer))::float8 AS answer_avg
     FROM knowledge_entries WHERE tenant_id = $1 AND status = 'approved'`,
    [tenantId],
  );
  const frequencies = await db.query<{ term: string; df: number }>(
    `SELECT term, count(*)::int AS df
     FROM knowledge_lexicon l, unnest(tsvector_to_array(l.search_tsv)) AS term
     WHERE l.tenant_id = $1 AND l.approved
     GROUP BY term`,
    [tenantId],
  );
  const vectors = await db.query<{ current: number; foreign: number }>(
    `SELECT (count(*) FILTER (WHERE model = $2 AND approved))::int AS current, (count(*) FILTER (WHERE model <> $2))::int AS foreign
     FROM knowledge_embeddings WHERE tenant_id = $1`,
    [tenantId, model],
  );
  const variants = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM knowledge_variants WHERE tenant_id = $1 AND approved`, [tenantId]);
  return {
    variants: variants.rows[0]!.n,
    documents: totals.rows[0]!.n,
    averageLength: totals.rows[0]!.avg ?? 1,
    averageAnswerLength: totals.rows[0]!.answer_avg ?? 1,
    df: new Map(frequencies.rows.map((row) => [row.term, row.df])),
    vectors: vectors.rows[0]!.current,
    foreignVectors: vectors.rows[0]!.foreign,
  };
}

/** The tenant's approved-corpus statistics for BM25 and mode selection, cached (see above). */
export function corpusStats(db: Queryable, tenantId: string, model: string): Promise<CorpusStatistics> {
  const key = `${tenantId} ${model}`;
  const now = Date.now();
  const cached = statsCache.get(key);
  const generation = generations.get(tenantId) ?? 0;
  if (cached && cached.until > now && cached.generation === generation) return cached.stats;
  // The promise is cached, so concurrent questions share one load.
  const stats = loadStats(db, tenantId, model);
  statsCache.delete(key);
  if (statsCache.size >= STATS_CACHE_TENANTS) statsCache.delete(statsCache.keys().next().value!);
  statsCache.set(key, { until: now + STATS_TTL_MS, generation, stats });
  stats.catch(() => statsCache.delete(key));
  return stats;
}

/**
 * Filters need the entries' columns; without them each retriever reads its
 * narrow table alone. Postgres must be able to type every parameter, so unused
 * filter parameters still appear, as IS NULL checks ($3 industry, $4 tags).
 */
function filterScope(alias: 'l' | 'v', filters: EntryFilters): { join: string; where: string; params: unknown[] } {
  const params = [filters.industry ?? null, filters.tags?.length ? [...filters.tags] : null];
  return params.some((value) => value !== null)
    ? {
        join: `JOIN knowledge_entries e ON e.id = ${alias}.entry_id AND e.tenant_id = $1`,
        where: `AND ($3::text IS NULL OR e.industry = $3) AND ($4::text[] IS NULL OR e.tags && $4::text[])`,
        params,
      }
    : { join: '', where: `AND ($3::text IS NULL) AND ($4::text[] IS NULL)`, params };
}

/** Ids of approved entries whose lexical field holds any of `terms`, best ts_rank first. */
export async function lexicalCandidates(db: Queryable, tenantId: string, terms: readonly string[], filters: EntryFilters, limit: number): Promise<string[]> {
  // Ordering by ts_rank computes the select list for every matching row, so only ids are selected.
  const { join, where, params } = filterScope('l', filters);
  const rows = await db.query<{ id: string }>(
    `SELECT l.entry_id AS id FROM knowledge_lexicon l ${join}
     WHERE l.tenant_id = $1 AND l.approved AND l.search_tsv @@ $2::tsquery ${where}
     ORDER BY ts_rank(l.search_tsv, $2::tsquery) DESC, l.entry_id
     LIMIT $5`,
    [tenantId, anyTermQuery(terms), ...params, limit],
  );
  return rows.rows.map((row) => row.id);
}

/** Ids of the approved entries nearest to `vector` (cosine, through the HNSW index). */
export async function denseCandidates(db: Queryable, tenantId: string, vector: readonly number[], model: string, filters: EntryFilters, limit: number): Promise<string[]> {
  const nearest = nearestClause(vector.length, '$2');
  const { join, where, params } = filterScope('v', filters);
  const rows = await db.query<{ id: string }>(
    `SELECT v.entry_id AS id FROM knowledge_embeddings v ${join}
     WHERE v.tenant_id = $1 AND v.model = $6 AND ${nearest.where} ${where}
     ORDER BY ${nearest.orderBy} LIMIT $5`,
    [tenantId, toSql(vector), ...params, limit, model],
  );
  return rows.rows.map((row) => row.id);
}

export interface CandidateFeatures {
  id: string;
  lexical_terms: string[];
  question: string;
  industry: string | null;
  product: string | null;
  tags: string[];
  answer: string;
  /** Cosine similarity to the query vector; null without one or without a stored vector. */
  dense: number | null;
}

/**
 * What scoring needs of each candidate, in one query for the union of the
 * retrievers; approved entries only (learned links name entries by id, and an
 * entry may have gone back to review since they were trained).
 */
export async function candidateFeatures(db: Queryable, tenantId: string, ids: readonly string[], vector: readonly number[] | undefined, model: string): Promise<CandidateFeatures[]> {
  if (ids.length === 0) return [];
  const result = await db.query<CandidateFeatures>(
    `SELECT e.id, e.lexical_terms, e.question, e.industry, e.product, e.tags, e.answer, 1 - (v.embedding <=> $3::vector) AS dense
     FROM knowledge_entries e
     LEFT JOIN knowledge_embeddings v ON v.entry_id = e.id AND v.tenant_id = $1 AND v.model = $4::text
     WHERE e.tenant_id = $1 AND e.id = ANY($2::text[]) AND e.status = 'approved'`,
    [tenantId, [...ids], vector ? toSql(vector) : null, model],
  );
  return result.rows;
}

export async function entriesByIds(db: Queryable, tenantId: string, ids: readonly string[]): Promise<Map<string, KnowledgeEntry>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM knowledge_entries WHERE tenant_id = $1 AND id = ANY($2::text[])`, [tenantId, [...ids]]);
  return new Map(rows.rows.map((row) => [row.id, toEntry(row)]));
}

export async function countEntries(db: Queryable, tenantId: string): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM knowledge_entries WHERE tenant_id = $1`, [tenantId])).rows[0]!.n;
}

/** The next page of entries by id, for a resumable pass over the whole base. */
export async function entriesAfter(db: Queryable, tenantId: string, after: string, limit: number): Promise<Array<{ id: string; question: string; tags: string[] }>> {
  const batch = await db.query<{ id: string; question: string; tags: string[] }>(
    `SELECT id, question, tags FROM knowledge_entries WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
    [tenantId, after, limit],
  );
  return batch.rows;
}

export async function updateLexicalTerms(tx: Queryable, tenantId: string, rows: ReadonlyArray<{ id: string; terms: string[] }>): Promise<void> {
  await tx.query(
    `UPDATE knowledge_entries e SET lexical_terms = ARRAY(SELECT jsonb_array_elements_text(u.terms::jsonb))
     FROM unnest($2::text[], $3::text[]) AS u(id, terms)
     WHERE e.tenant_id = $1 AND e.id = u.id`,
    [tenantId, rows.map((row) => row.id), rows.map((row) => JSON.stringify(row.terms))],
  );
  changedCorpus(tx, tenantId);
}

/** Models of the stored vectors that differ from the configured embedder's, per tenant. */
export async function staleEmbeddingModels(db: Queryable, model: string): Promise<Array<{ tenant_id: string; model: string; n: number }>> {
  const result = await db.query<{ tenant_id: string; model: string; n: number }>(
    // Across tenants on purpose: a start-up check of the whole database, nothing returned to a caller.
    `SELECT tenant_id, model, count(*)::int AS n FROM knowledge_embeddings WHERE model <> $1 AND tenant_id IS NOT NULL GROUP BY tenant_id, model`,
    [model],
  );
  return result.rows;
}

export interface LeadOutcomeRow {
  entry_id: string;
  /** The entry's question: what the script answers. */
  title: string | null;
  outcome: 'success' | 'failure';
  rep_id: string | null;
  created_at: Date;
}

/** Outcomes reported about one lead, oldest first (the lead's timeline). */
export async function outcomesOfLead(db: Queryable, tenantId: string, leadId: string, limit: number): Promise<LeadOutcomeRow[]> {
  const result = await db.query<LeadOutcomeRow>(
    `SELECT o.entry_id, e.question AS title, o.outcome, o.rep_id, o.created_at FROM knowledge_outcomes o
     LEFT JOIN knowledge_entries e ON e.tenant_id = o.tenant_id AND e.id = o.entry_id
     WHERE o.tenant_id = $1 AND o.lead_id = $2 ORDER BY o.created_at LIMIT $3`,
    [tenantId, leadId, limit],
  );
  return result.rows;
}
