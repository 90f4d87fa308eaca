import { performance } from 'node:perf_hooks';
import { ask, learnNow, reportOutcome, type Principal, type SearchOptions } from '@huashu/server';
import { CharacterBm25 } from './bm25-baseline.js';
import { readFaqPairs, type EvalDataset, type EvalQuery, type FaqCorpus, type FaqPair } from './datasets.js';
import { rankingSummary, type RankingSummary } from './metrics.js';
import { prepareKnowledgeBase, RANK_DEPTH, type PreparedKnowledgeBase } from './runner.js';
import { fnv1a } from './stable-hash.js';

/**
 * The FAQ learning protocol of issue 15, through the assistant's own service
 * functions (what the HTTP routes call): `ask` (POST /v1/assistant/ask),
 * `reportOutcome` with the `askId` (POST /v1/outcomes) and `learnNow`
 * (POST /v1/assistant/learn).
 *
 * Each corpus's pairs are split into halves A and B by a hash of the pair's
 * position. One tenant holds the KB of both halves (every distinct second
 * sentence). For each positive pair of A the first sentence is asked and a
 * success is reported with the askId on the entry of its second sentence;
 * then B's first sentences are asked and scored against B's entries.
 *
 * Tuning and held-out: A is itself split into A′ and A″. Feedback on A′ alone,
 * then questions of A″, is the tuning measurement (every constant of the
 * learning was chosen on it); the rest of A's feedback follows, and B, never
 * looked at while tuning, is the held-out measurement.
 */

export type LearningHalf = 'tuning' | 'held-out';
export type LearningPhase = 'before' | 'after';

export interface LearningProtocolData {
  corpus: FaqCorpus;
  /** The KB of A and B in one tenant (its `queries` are unused). */
  dataset: EvalDataset;
  /** A′: feedback for the tuning measurement. */
  feedbackTuning: EvalQuery[];
  /** A″: measured for tuning, then their feedback too. */
  tuning: EvalQuery[];
  /** A″ sampled for measurement (≤ maxQueries). */
  tuningMeasured: EvalQuery[];
  /** B sampled for measurement (≤ maxQueries). */
  heldOut: EvalQuery[];
  notes: string[];
}

export interface LearningLoadOptions {
  /** Measured questions per half (a deterministic sample); feedback always uses every positive pair of A. */
  maxQueries?: number;
  /** Only the first rows (smoke tests). */
  maxPairs?: number;
}

// The top bit of the hash: FNV-1a's low bit is only the parity of the characters' sum, so two splits by it are correlated.
// The top bit is balanced over thousands of rows (ATEC/CCKS: A 1,695 / B 1,697; A′ 800 / A″ 895) but not over
// the first few dozen (rows 1–27 of a corpus all fall in A): small files need a few hundred rows for both halves.
const bit = (key: string) => fnv1a(key) >>> 31;
const halfOf = (corpus: string, pair: FaqPair) => (bit(`${corpus}:half:${pair.row}`) === 0 ? 'A' : 'B');
const tuningPartOf = (corpus: string, pair: FaqPair) => (bit(`${corpus}:tune:${pair.row}`) === 0 ? 'feedback' : 'measured');

function sample(queries: EvalQuery[], max: number | undefined): EvalQuery[] {
  if (max === undefined || queries.length <= max) return queries;
  const kept = new Set([...queries].sort((a, b) => fnv1a(a.id) - fnv1a(b.id) || a.id.localeCompare(b.id)).slice(0, max));
  return queries.filter((query) => kept.has(query));
}

const LABELS: Record<FaqCorpus, string> = { lcqmc: 'LCQMC dev', bq: 'BQ dev', 'atec-ccks': 'ATEC/CCKS dev' };

/** The protocol's data for one corpus, or undefined when its file is absent. */
export function loadFaqLearning(dataDirectory: string, corpus: FaqCorpus, options: LearningLoadOptions = {}): LearningProtocolData | undefined {
  const read = readFaqPairs(dataDirectory, corpus, { maxPairs: options.maxPairs });
  if (!read) return undefined;
  const entryIds = new Map<string, string>();
  for (const pair of read.pairs) if (!entryIds.has(pair.second)) entryIds.set(pair.second, `${corpus}-e${entryIds.size + 1}`);
  const entries = [...entryIds].map(([sentence, externalId]) => ({
    externalId,
    question: sentence,
    answer: sentence,
    evidence: [{ kind: 'other' as const, title: LABELS[corpus] }],
    status: 'approved' as const,
  }));
  const query = (pair: FaqPair): EvalQuery => ({ id: `${corpus}-q${pair.row}`, text: pair.first, relevant: [entryIds.get(pair.second)!] });
  const positives = read.pairs.filter((pair) => pair.positive);
  const a = positives.filter((pair) => halfOf(corpus, pair) === 'A');
  const feedbackTuning = a.filter((pair) => tuningPartOf(corpus, pair) === 'feedback').map(query);
  const tuning = a.filter((pair) => tuningPartOf(corpus, pair) === 'measured').map(query);
  const heldOutAll = positives.filter((pair) => halfOf(corpus, pair) === 'B').map(query);
  const tuningMeasured = sample(tuning, options.maxQueries);
  const heldOut = sample(heldOutAll, options.maxQueries);
  const notes = [
    `${LABELS[corpus]}: ${positives.length} positive pairs split by FNV-1a of the pair's position into A (${a.length}) and B (${heldOutAll.length}); A into A′ (${feedbackTuning.length}, feedback) and A″ (${tuning.length}).`,
  ];
  if (heldOut.length < heldOutAll.length || tuningMeasured.length < tuning.length) {
    notes.push(`Measured: ${tuningMeasured.length} of A″ and ${heldOut.length} of B (deterministic samples); feedback uses every pair of A.`);
  }
  return {
    corpus,
    dataset: {
      name: `${corpus} (learning)`,
      description: `${LABELS[corpus]}: ${entries.length} entries (every distinct second sentence of A and B) in one tenant`,
      entries,
      queries: [],
      outOfScope: [],
      notes: [],
    },
    feedbackTuning,
    tuning,
    tuningMeasured,
    heldOut,
    notes,
  };
}

/** A configuration of the server measured through the protocol. */
export interface LearningConfig {
  name: string;
  /** Search options passed to `ask` (besides the full-ranking ones the protocol sets). */
  options?: SearchOptions;
}

export interface LearningCell {
  configuration: string;
  phase: LearningPhase;
  half: LearningHalf;
  summary: RankingSummary;
  /** Question id → hit in the top 3, for paired comparisons. */
  hits: Array<{ id: string; hit: boolean }>;
}

export interface LearningResult {
  corpus: FaqCorpus;
  label: string;
  entries: number;
  feedback: { tuning: number; all: number };
  /** The BM25 character-unigram anchor on each half (it learns nothing). */
  anchor: Record<LearningHalf, RankingSummary>;
  cells: LearningCell[];
  /** Duration of each `learnNow` (the A′ one, then all of A). */
  learnMs: number[];
  /** Successes the service refused (an error in the report path). */
  refused: number;
  importMs: number;
  notes: string[];
}

export type LearningProgress = (phase: string, done: number, total: number) => void;

/** One tenant per configuration would double the imports; instead every configuration is measured on the same tenant at each phase. */
export async function runLearningProtocol(
  data: LearningProtocolData,
  configs: readonly LearningConfig[],
  onProgress: LearningProgress = () => {},
): Promise<LearningResult> {
  const kb: PreparedKnowledgeBase = await prepareKnowledgeBase(data.dataset, undefined, (phase, done, total) => onProgress(phase, done, total));
  try {
    const { ctx, tenantId, externalOf } = kb;
    const entryOf = new Map([...externalOf].map(([id, external]) => [external, id]));
    const principal: Principal = { kind: 'secret', tenantId, keyId: 'learning-eval' };
    const cells: LearningCell[] = [];
    const measure = async (label: string, configuration: LearningConfig, phase: LearningPhase, half: LearningHalf, queries: EvalQuery[]) => {
      const records = [];
      for (const [index, query] of queries.entries()) {
        const response = await ask(ctx, tenantId, { question: query.text, limit: RANK_DEPTH }, { ...configuration.options, floor: 0, keepOnNone: true });
        const ranked = response.matches.map((match) => externalOf.get(match.entry.id)!);
        records.push({ id: query.id, relevant: query.relevant, ranked, abstained: response.abstained });
        if (index % 25 === 0) onProgress(`${label} · ${configuration.name}`, index, queries.length);
      }
      cells.push({
        configuration: configuration.name,
        phase,
        half,
        summary: rankingSummary(records),
        hits: records.map((record) => ({ id: record.id, hit: record.ranked.slice(0, 3).some((id) => record.relevant.includes(id)) })),
      });
    };
    let refused = 0;
    const teach = async (label: string, queries: EvalQuery[]) => {
      for (const [index, query] of queries.entries()) {
        // The rep asks as usual (default options), finds the entry and reports that it worked.
        const { askId } = await ask(ctx, tenantId, { question: query.text });
        try {
          await reportOutcome(ctx, principal, { entryId: entryOf.get(query.relevant[0]!)!, outcome: 'success', askId });
        } catch {
          refused++;
        }
        if (index % 25 === 0) onProgress(label, index, queries.length);
      }
    };
    const learnMs: number[] = [];
    const retrain = async () => {
      const started = performance.now();
      await learnNow(ctx, tenantId);
      learnMs.push(performance.now() - started);
    };

    for (const config of configs) {
      await measure('before, A″', config, 'before', 'tuning', data.tuningMeasured);
      await measure('before, B', config, 'before', 'held-out', data.heldOut);
    }
    await teach("feedback A′", data.feedbackTuning);
    await retrain();
    for (const config of configs) await measure('after A′, A″', config, 'after', 'tuning', data.tuningMeasured);
    await teach('feedback A″', data.tuning);
    await retrain();
    for (const config of configs) await measure('after A, B', config, 'after', 'held-out', data.heldOut);

    const bm25 = new CharacterBm25(data.dataset.entries.map((entry) => ({ id: entry.externalId, text: entry.question })));
    const anchorOn = (queries: EvalQuery[]) => rankingSummary(queries.map((query) => ({ relevant: query.relevant, ranked: bm25.search(query.text, RANK_DEPTH), abstained: false })));
    return {
      corpus: data.corpus,
      label: LABELS[data.corpus],
      entries: data.dataset.entries.length,
      feedback: { tuning: data.feedbackTuning.length, all: data.feedbackTuning.length + data.tuning.length },
      anchor: { tuning: anchorOn(data.tuningMeasured), 'held-out': anchorOn(data.heldOut) },
      cells,
      learnMs,
      refused,
      importMs: kb.importMs,
      notes: data.notes,
    };
  } finally {
    await kb.close();
  }
}

/** The cell of one configuration, phase and half. */
export function learningCell(result: LearningResult, configuration: string, phase: LearningPhase, half: LearningHalf): LearningCell | undefined {
  return result.cells.find((cell) => cell.configuration === configuration && cell.phase === phase && cell.half === half);
}
