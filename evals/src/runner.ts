import { performance } from 'node:perf_hooks';
import {
  DEFAULT_FLOORS,
  createContext,
  createLogger,
  createTenant,
  importEntries,
  loadConfig,
  migrate,
  openPglite,
  recordOutcome,
  searchKnowledge,
  type AppContext,
  type Embedder,
  type Principal,
  type RetrievalMode,
  type SearchOptions,
} from '@huashu/server';
import { CharacterBm25 } from './bm25-baseline.js';
import { fnv1a } from './stable-hash.js';
import type { EvalDataset, EvalQuery } from './datasets.js';
import {
  abstentionSummary,
  latencySummary,
  rankingSummary,
  type AbstentionSummary,
  type LatencySummary,
  type RankingSummary,
} from './metrics.js';

/** A configuration of the server's own retrieval, run through its real code path. */
export interface HuashuRetrieverConfig {
  kind: 'huashu';
  name: string;
  mode: RetrievalMode;
  /**
   * Apply the success-rate boost, after recording simulated outcomes for a
   * deterministic third of the questions (see {@link receivesFeedback}).
   * @default false
   */
  boost?: boolean;
  /** Builds the embedder for this run. @default the server's default (the local embedder) */
  embedder?: () => Embedder;
  /** Abstention floor. @default the server's DEFAULT_FLOORS[mode] */
  floor?: number;
  /** Further search options, for ablations (e.g. `{ crossLingual: 0 }`). */
  search?: SearchOptions;
}

/** The in-memory character-unigram BM25 anchor (never abstains). */
export interface BaselineRetrieverConfig {
  kind: 'bm25-baseline';
  name: string;
}

export type RetrieverConfig = HuashuRetrieverConfig | BaselineRetrieverConfig;

/** What happened to one in-scope question. */
export interface QueryRecord {
  id: string;
  relevant: string[];
  /** External ids, best first, before the abstention floor (up to {@link RANK_DEPTH}). */
  ranked: string[];
  topRelevance: number;
  abstained: boolean;
  /** The server's overall tier (server configurations only; the anchor has none). */
  confidence?: 'high' | 'low' | 'none';
  /** The domain gate's score (server configurations only). */
  gate?: number;
  latencyMs: number;
}

export interface OutOfScopeRecord {
  id: string;
  topRelevance: number;
  abstained: boolean;
  confidence?: 'high' | 'low' | 'none';
  gate?: number;
  latencyMs: number;
}

export interface RetrievalEvalResult {
  retriever: string;
  dataset: string;
  /** Undefined for the baseline, which never abstains. */
  floor: number | undefined;
  ranking: RankingSummary;
  /** The dataset's named subsets (e.g. tuning vs held-out questions). */
  splits: Record<string, RankingSummary>;
  abstention: AbstentionSummary;
  /** Per question, in-scope and out-of-scope together. */
  latency: LatencySummary;
  /** Import (or index build) time for the whole KB. */
  importMs: number;
  queries: QueryRecord[];
  outOfScope: OutOfScopeRecord[];
}

export type EvalPhase = 'import' | 'feedback' | 'questions';

export interface RunOptions {
  onProgress?: (phase: EvalPhase, done: number, total: number) => void;
  /**
   * Share imported knowledge bases between configurations (see
   * {@link KnowledgeBaseCache}); without it every run imports into its own
   * fresh database and closes it.
   */
  knowledgeBases?: KnowledgeBaseCache;
}

/** Ranks kept per question: enough for MRR@10 and nDCG@10. */
export const RANK_DEPTH = 10;

/**
 * Which questions "have been asked before" when the boost is measured: about
 * one in three, chosen by a hash of the id so the choice is stable and
 * independent of file order.
 */
export function receivesFeedback(queryId: string): boolean {
  return fnv1a(queryId) % 3 === 0;
}

/**
 * Reports per feedback question, as if this many reps had asked it: a single
 * report moves the Beta(2, 2)-smoothed rate from 0.5 to 0.6, a boost of
 * +0.006 that reorders little beyond exact ties; three reports (+0.013) are a
 * plausible week of use for a common objection.
 */
export const FEEDBACK_REPORTS = 3;

function summarise(
  dataset: EvalDataset,
  retriever: RetrieverConfig,
  floor: number | undefined,
  importMs: number,
  queries: QueryRecord[],
  outOfScope: OutOfScopeRecord[],
): RetrievalEvalResult {
  const byId = new Map(queries.map((record) => [record.id, record]));
  const splits: Record<string, RankingSummary> = {};
  for (const [name, member] of Object.entries(dataset.splits ?? {})) {
    splits[name] = rankingSummary(dataset.queries.filter(member).map((query: EvalQuery) => byId.get(query.id)!));
  }
  return {
    retriever: retriever.name,
    dataset: dataset.name,
    floor,
    ranking: rankingSummary(queries),
    splits,
    abstention: abstentionSummary([
      ...queries.map((record) => ({ outOfScope: false, abstained: record.abstained })),
      ...outOfScope.map((record) => ({ outOfScope: true, abstained: record.abstained })),
    ]),
    latency: latencySummary([...queries, ...outOfScope].map((record) => record.latencyMs)),
    importMs,
    queries,
    outOfScope,
  };
}

function runBaseline(retriever: BaselineRetrieverConfig, dataset: EvalDataset, options: RunOptions): RetrievalEvalResult {
  const started = performance.now();
  const index = new CharacterBm25(dataset.entries.map((entry) => ({ id: entry.externalId, text: entry.question })));
  const importMs = performance.now() - started;
  options.onProgress?.('import', dataset.entries.length, dataset.entries.length);
  const total = dataset.queries.length + dataset.outOfScope.length;
  const queries = dataset.queries.map((query, index_) => {
    const t0 = performance.now();
    const ranked = index.search(query.text, RANK_DEPTH);
    const latencyMs = performance.now() - t0;
    if (index_ % 100 === 0) options.onProgress?.('questions', index_, total);
    return { id: query.id, relevant: query.relevant, ranked, topRelevance: Number.NaN, abstained: false, latencyMs };
  });
  const outOfScope = dataset.outOfScope.map((query) => {
    const t0 = performance.now();
    index.search(query.text, RANK_DEPTH);
    return { id: query.id, topRelevance: Number.NaN, abstained: false, latencyMs: performance.now() - t0 };
  });
  options.onProgress?.('questions', total, total);
  return summarise(dataset, retriever, undefined, importMs, queries, outOfScope);
}

/** A dataset imported into a fresh in-memory PGlite with one embedder, ready for questions. */
export interface PreparedKnowledgeBase {
  ctx: AppContext;
  tenantId: string;
  /** Entry id → the dataset's externalId. */
  externalOf: ReadonlyMap<string, string>;
  importMs: number;
  close(): Promise<void>;
}

/**
 * Opens a fresh in-memory PGlite, migrates it and imports the dataset through
 * `importEntries` (the code path of `POST /v1/knowledge/import`) with a secret
 * key's rights, so every entry is approved. Any rejected row is an error: a
 * silently smaller KB would flatter every number.
 */
export async function prepareKnowledgeBase(dataset: EvalDataset, embedder: Embedder | undefined, onProgress?: RunOptions['onProgress']): Promise<PreparedKnowledgeBase> {
  const db = await openPglite();
  try {
    await migrate(db);
    const ctx = await createContext(loadConfig({ LOG_LEVEL: 'silent' }), db, createLogger('silent'), { embedder });
    const tenant = await createTenant(db, { name: `eval ${dataset.name}`, slug: 'retrieval-eval' });
    const principal: Principal = { kind: 'secret', tenantId: tenant.id, keyId: 'retrieval-eval' };
    const started = performance.now();
    onProgress?.('import', 0, dataset.entries.length);
    const imported = await importEntries(ctx, principal, dataset.entries, (done, total) => onProgress?.('import', done, total));
    const importMs = performance.now() - started;
    if (imported.rejected.length > 0) {
      const first = imported.rejected.slice(0, 3).map((row) => `row ${row.index}: ${row.reason}`);
      throw new Error(`${dataset.name}: the importer rejected ${imported.rejected.length} entries (${first.join('; ')})`);
    }
    const ids = await db.query<{ id: string; external_id: string }>(`SELECT id, external_id FROM knowledge_entries WHERE tenant_id = $1`, [tenant.id]);
    return { ctx, tenantId: tenant.id, externalOf: new Map(ids.rows.map((row) => [row.id, row.external_id])), importMs, close: () => db.close() };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * Imported knowledge bases shared by the configurations of one run: the
 * lexical, dense and hybrid configurations read the same entries and vectors,
 * so importing a 9k-entry corpus once per embedder instead of once per
 * configuration saves minutes. Runs that record outcomes delete them again
 * before they return, so no run sees another's feedback.
 */
export class KnowledgeBaseCache {
  private readonly prepared = new Map<string, Promise<PreparedKnowledgeBase>>();

  get(dataset: EvalDataset, retriever: HuashuRetrieverConfig, onProgress?: RunOptions['onProgress']): Promise<PreparedKnowledgeBase> {
    // Configurations without their own embedder share the server default's KB.
    const key = `${dataset.name}\u0000${retriever.embedder ? retriever.name : 'default embedder'}`;
    let kb = this.prepared.get(key);
    if (!kb) {
      kb = prepareKnowledgeBase(dataset, retriever.embedder?.(), onProgress);
      this.prepared.set(key, kb);
    }
    return kb;
  }

  /** Closes every database; call it when the run (or one dataset) is done. */
  async close(): Promise<void> {
    const all = [...this.prepared.values()];
    this.prepared.clear();
    for (const kb of await Promise.allSettled(all)) if (kb.status === 'fulfilled') await kb.value.close();
  }
}

async function runHuashu(retriever: HuashuRetrieverConfig, dataset: EvalDataset, options: RunOptions): Promise<RetrievalEvalResult> {
  const progress = options.onProgress ?? (() => {});
  const floor = retriever.floor ?? DEFAULT_FLOORS[retriever.mode];
  const boost = retriever.boost ?? false;
  const kb = options.knowledgeBases
    ? await options.knowledgeBases.get(dataset, retriever, progress)
    : await prepareKnowledgeBase(dataset, retriever.embedder?.(), progress);
  const { ctx, tenantId, externalOf } = kb;
  const search = (question: string, withBoost: boolean) =>
    searchKnowledge(ctx.db, tenantId, ctx.embedder, question, { ...retriever.search, mode: retriever.mode, boost: withBoost, limit: RANK_DEPTH, floor: 0, keepOnNone: true });
  try {
    if (boost) {
      // A rep who asked a feedback question saw the unboosted top 3, used the
      // script that fits (the relevant one) if it was shown and reported a
      // success; when none fitted, the rep used none and reported nothing. A
      // rep does not try a script about another topic on a customer, so
      // failures are not simulated: the set has no notion of a script that fits
      // but does not work.
      const asked = dataset.queries.filter((query) => receivesFeedback(query.id));
      for (const [index, query] of asked.entries()) {
        const shown = (await search(query.text, false)).hits.slice(0, 3).map((hit) => hit.entry.id);
        const used = shown.find((id) => query.relevant.includes(externalOf.get(id)!));
        if (used) for (let repeat = 0; repeat < FEEDBACK_REPORTS; repeat++) await recordOutcome(ctx.db, tenantId, { entryId: used, outcome: 'success' });
        progress('feedback', index + 1, asked.length);
      }
    }

    const total = dataset.queries.length + dataset.outOfScope.length;
    let done = 0;
    const ask = async (text: string) => {
      const t0 = performance.now();
      const result = await search(text, boost);
      const latencyMs = performance.now() - t0;
      // With floor 0 and keepOnNone the hits are the full ranking; the
      // server's own verdict (relevance floor and domain gate) is `abstained`.
      const topRelevance = result.topRelevance;
      if (++done % 25 === 0 || done === total) progress('questions', done, total);
      return { ranked: result.hits.map((hit) => externalOf.get(hit.entry.id)!), topRelevance, abstained: result.abstained, confidence: result.confidence, gate: result.gate, latencyMs };
    };
    const queries: QueryRecord[] = [];
    for (const query of dataset.queries) queries.push({ id: query.id, relevant: query.relevant, ...(await ask(query.text)) });
    const outOfScope: OutOfScopeRecord[] = [];
    for (const query of dataset.outOfScope) {
      const { topRelevance, abstained, confidence, gate, latencyMs } = await ask(query.text);
      outOfScope.push({ id: query.id, topRelevance, abstained, confidence, gate, latencyMs });
    }
    return summarise(dataset, retriever, floor, kb.importMs, queries, outOfScope);
  } finally {
    if (!options.knowledgeBases) await kb.close();
    else if (boost) await ctx.db.query(`DELETE FROM knowledge_outcomes WHERE tenant_id = $1`, [tenantId]);
  }
}

/**
 * Measures one retriever on one dataset. Huashu configurations run the
 * server's real code path on a fresh in-memory PGlite (or one shared through
 * `options.knowledgeBases`): entries go in through
 * `importEntries` (what `POST /v1/knowledge/import` calls), questions through
 * `searchKnowledge` (what `/v1/assistant/ask` calls), outcomes through
 * `recordOutcome` (what `POST /v1/outcomes` calls).
 *
 * Ranking metrics are taken on the ranking before the abstention floor (floor
 * 0, 10 results), so they measure ranking alone; abstention is then decided by
 * the server's rule — no candidate at or above the floor — on the same results.
 */
export async function runRetrievalEval(retriever: RetrieverConfig, dataset: EvalDataset, options: RunOptions = {}): Promise<RetrievalEvalResult> {
  return retriever.kind === 'bm25-baseline' ? runBaseline(retriever, dataset, options) : runHuashu(retriever, dataset, options);
}
