import type { LearnResult } from '@huashu/core';
import type { AppContext } from '../platform/context.js';
import type { Queryable } from '../platform/db/types.js';
import { BACKGROUND_QUESTIONS, CONVERSATION_FRAMING, trainDomainGate, type DomainGate, type GateDocument } from '../retrieval/domain-gate.js';
import { normalizeText } from '../retrieval/normalize.js';
import { buildSuccessLinks, phrasingKey, type LinkPair, type SuccessLinks } from '../retrieval/success-links.js';
import { trainAssociations, type AssociationPair, type AssociationTable } from '../retrieval/term-association.js';
import { lexicalTerms, normalizedAnswer } from '../retrieval/terms.js';
import { embeddingText } from '../retrieval/embedder.js';
import { changedCorpus, corpusGeneration } from './knowledge.store.js';
import * as learning from './learning.store.js';
import * as variants from './variants.store.js';

/**
 * What the assistant learns per tenant, and the caches that hold it in each
 * process: the domain gate (rebuilt from the entries whenever the corpus
 * generation changes) and the term associations (trained from reported
 * outcomes, stored in the database so every replica shares one model).
 */

/** Weight of an answer script and of a tag list in the gate's in-domain class (a question counts 1). */
const GATE_ANSWER_WEIGHT = 0.5;
const GATE_TAGS_WEIGHT = 0.5;
/** Bounds memory: a gate is 512 KB; the least recently built go first. */
const GATE_CACHE_TENANTS = 200;
/** Other replicas' writes reach this process's caches within this time. */
const CACHE_TTL_MS = 5 * 60_000;

const backgroundDocuments: GateDocument[] = BACKGROUND_QUESTIONS.map((question) => ({ text: normalizeText(question.text), weight: 1 }));
const framingDocuments: GateDocument[] = CONVERSATION_FRAMING.map((text) => ({ text: normalizeText(text), weight: 1 }));

const gates = new Map<string, { generation: number; until: number; gate: Promise<DomainGate> }>();

async function buildGate(db: Queryable, tenantId: string): Promise<DomainGate> {
  const entries = await learning.gateTexts(db, tenantId);
  const variantTexts = await variants.approvedVariantTexts(db, tenantId);
  // Questions reps reported a success for are this tenant's kind of question, reviewed or not.
  const succeeded = await learning.succeededQuestions(db, tenantId);
  const inDomain: GateDocument[] = [...framingDocuments];
  for (const entry of entries) {
    inDomain.push({ text: normalizeText(entry.question), weight: 1 });
    // normalizedAnswer caches: the search normalises the same answers.
    inDomain.push({ text: normalizedAnswer(entry.answer), weight: GATE_ANSWER_WEIGHT });
    if (entry.tags.length > 0) inDomain.push({ text: normalizeText(entry.tags.join(' ')), weight: GATE_TAGS_WEIGHT });
  }
  for (const text of new Set([...variantTexts, ...succeeded])) inDomain.push({ text, weight: 1 });
  return trainDomainGate(inDomain, backgroundDocuments);
}

/** The tenant's domain gate, retrained when its approved entries or variants changed. */
export function domainGate(db: Queryable, tenantId: string): Promise<DomainGate> {
  const generation = corpusGeneration(tenantId);
  const now = Date.now();
  const cached = gates.get(tenantId);
  if (cached && cached.generation === generation && cached.until > now) return cached.gate;
  const gate = buildGate(db, tenantId);
  gates.delete(tenantId);
  if (gates.size >= GATE_CACHE_TENANTS) gates.delete(gates.keys().next().value!);
  gates.set(tenantId, { generation, until: now + CACHE_TTL_MS, gate });
  gate.catch(() => gates.delete(tenantId));
  return gate;
}

interface LearnedModel {
  table: AssociationTable;
  links?: SuccessLinks;
}

const learnedModels = new Map<string, { until: number; model: Promise<LearnedModel | undefined> }>();

function learnedModel(db: Queryable, tenantId: string): Promise<LearnedModel | undefined> {
  const now = Date.now();
  const cached = learnedModels.get(tenantId);
  if (cached && cached.until > now) return cached.model;
  const model = learning.loadAssociations(db, tenantId);
  learnedModels.delete(tenantId);
  if (learnedModels.size >= GATE_CACHE_TENANTS) learnedModels.delete(learnedModels.keys().next().value!);
  learnedModels.set(tenantId, { until: now + CACHE_TTL_MS, model });
  model.catch(() => learnedModels.delete(tenantId));
  return model;
}

/** The tenant's learned associations (undefined before any training). */
export async function associationsFor(db: Queryable, tenantId: string): Promise<AssociationTable | undefined> {
  return (await learnedModel(db, tenantId))?.table;
}

/** The tenant's learned links between phrasings (undefined before any training). */
export async function successLinksFor(db: Queryable, tenantId: string): Promise<SuccessLinks | undefined> {
  return (await learnedModel(db, tenantId))?.links;
}

export interface OutcomeLesson {
  entryId: string;
  askId: string;
  question: string;
  outcome: 'success' | 'failure';
  /** The rep id, or `key:<id>` when a secret key reported. */
  reporter: string;
}

/**
 * What one reported outcome on an asked question teaches, in the caller's
 * transaction: the event itself (training data), and on a success the question
 * as a pending learned variant of the entry, approved at once when enough
 * different reps have now reported it. Returns whether a variant went live.
 */
export async function recordLesson(tx: Queryable, tenantId: string, lesson: OutcomeLesson, ctx: Pick<AppContext, 'embedder'>): Promise<boolean> {
  const normalized = normalizeText(lesson.question);
  const stored = await learning.insertLearningEvent(tx, tenantId, { ...lesson, normalized });
  if (!stored || lesson.outcome !== 'success') return false;
  const existing = await variants.findVariant(tx, tenantId, lesson.entryId, normalized);
  if (!existing) {
    await variants.upsertVariants(tx, tenantId, [{ entryId: lesson.entryId, text: lesson.question, status: 'pending', source: 'learned' }], ctx.embedder);
  }
  const approved = await variants.approveLearnedVariants(tx, tenantId, await learning.variantApprovals(tx, tenantId), { entryId: lesson.entryId, normalized });
  if (approved > 0) changedCorpus(tx, tenantId);
  return approved > 0;
}

/**
 * Retrains the tenant's term associations from every recorded outcome (a
 * success adds one to its (question, entry) pair, a failure takes one away),
 * approves learned variants that reached the threshold, and stores the model.
 * The job, `POST /v1/assistant/learn` and `huashu learn` all run this.
 */
export async function learn(ctx: Pick<AppContext, 'db'>, tenantId: string): Promise<LearnResult> {
  const started = performance.now();
  const through = await learning.latestEventAt(ctx.db, tenantId);
  const rows = await learning.learningPairs(ctx.db, tenantId);
  // One read of the approved entries serves both models: the associations need the texts of
  // the entries reported on (every pair's entry is approved), the links every entry by its words.
  const approved = await learning.approvedEntryTexts(ctx.db, tenantId);
  const entryTexts = new Map(approved.map((entry) => [entry.id, entry]));
  const entriesByText = new Map<string, string[]>();
  for (const entry of approved) {
    const text = phrasingKey(entry.question);
    entriesByText.set(text, [...(entriesByText.get(text) ?? []), entry.id]);
  }
  const pairs: AssociationPair[] = [];
  const linkPairs: LinkPair[] = [];
  for (const row of rows) {
    const entry = entryTexts.get(row.entry_id);
    if (!entry) continue;
    const weight = row.successes - row.failures;
    pairs.push({ question: lexicalTerms(row.question), entry: lexicalTerms(embeddingText(entry)), weight });
    linkPairs.push({ question: phrasingKey(row.normalized), entryText: phrasingKey(entry.question), entryId: row.entry_id, weight });
  }
  const table = trainAssociations(pairs);
  const links = buildSuccessLinks(linkPairs, entriesByText);
  const trainedAt = await learning.saveAssociations(ctx.db, tenantId, table, links, pairs.filter((pair) => pair.weight > 0).length, through);
  learnedModels.set(tenantId, { until: Date.now() + CACHE_TTL_MS, model: Promise.resolve({ table, links }) });
  const variantsApproved = await variants.approveLearnedVariants(ctx.db, tenantId, await learning.variantApprovals(ctx.db, tenantId));
  // The gate learns the new questions too: it is rebuilt on the next question.
  changedCorpus(ctx.db, tenantId);
  return {
    pairs: pairs.filter((pair) => pair.weight > 0).length,
    terms: Object.keys(table).length,
    phrasings: Object.keys(links.ties).length,
    variantsApproved,
    trainedAt: trainedAt.toISOString(),
    durationMs: Math.round(performance.now() - started),
  };
}

export { tenantsDueForTraining } from './learning.store.js';
