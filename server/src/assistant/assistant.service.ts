import { DEFAULT_ASK_LIMIT, HuashuError, successRate, type AskMatch, type AskRequest, type AskResponse, type LearnResult, type OutcomeRequest, type SuccessRate } from '@huashu/core';
import type { Principal } from '../platform/auth/authenticate.js';
import type { AppContext } from '../platform/context.js';
import { enqueue } from '../platform/jobs/index.js';
import { languageOfTag, textScript, type ContextPreference } from '../retrieval/context-boost.js';
import { learn, recordLesson, recordOutcome, searchKnowledge, type SearchHit, type SearchOptions } from '../knowledge/knowledge.service.js';
import { getLead } from '../leads/index.js';
import * as store from './assistant.store.js';

/** The job that retrains a tenant's learned associations (see assistant.jobs.ts). */
export const LEARN_JOB = 'assistant.learn';
/**
 * Outcomes within this window share one retraining, run at its end: a busy
 * team's reports train the model every few seconds at most, never once each.
 */
export const LEARN_DEBOUNCE_MS = 10_000;

export function toMatch(hit: SearchHit): AskMatch {
  const { entry } = hit;
  return {
    entry: {
      id: entry.id,
      externalId: entry.externalId,
      question: entry.question,
      answer: entry.answer,
      evidence: entry.evidence,
      tags: entry.tags,
      industry: entry.industry,
      product: entry.product,
      stale: entry.stale,
    },
    score: Math.round(hit.score * 1000) / 1000,
    successRate: successRate(hit.outcomes),
    confidence: hit.confidence,
    ...(hit.matchedVariant ? { matchedVariant: hit.matchedVariant } : {}),
    ...(hit.linked ? { linked: true as const } : {}),
  };
}

const stringField = (fields: Record<string, unknown> | undefined, key: string) => (typeof fields?.[key] === 'string' && fields[key] ? (fields[key] as string) : undefined);

/**
 * The preference an ask carries: the context's industry and product, else the
 * lead's (its `industry`, or the `industry` / `product` custom fields); the
 * question's own script, else the page language. An unknown lead adds no
 * preference: the context only ever reorders near-ties, so it is not worth an
 * error, and nothing about the lead leaves the server.
 */
async function preferenceFor(ctx: AppContext, tenantId: string, request: AskRequest): Promise<ContextPreference> {
  const context = request.context ?? {};
  let industry = context.industry;
  let product = context.product;
  if (context.leadId && (!industry || !product)) {
    try {
      const lead = await getLead(ctx.db, tenantId, context.leadId);
      industry ??= lead.industry ?? stringField(lead.fields, 'industry');
      product ??= stringField(lead.fields, 'product');
    } catch (error) {
      if (!(error instanceof HuashuError && error.code === 'not_found')) throw error;
    }
  }
  return { industry, product, lang: textScript(request.question) ?? languageOfTag(context.lang) };
}

export interface Asker {
  repId?: string | undefined;
}

/** `/v1/assistant/ask`: the best approved scripts for a rep's question with their confidence, or `none`. */
export async function ask(
  ctx: AppContext,
  tenantId: string,
  request: AskRequest,
  options: SearchOptions = {},
  asker: Asker = {},
): Promise<AskResponse & { staleEmbeddings: boolean }> {
  const result = await searchKnowledge(ctx.db, tenantId, ctx.embedder, request.question, {
    ...options,
    limit: request.limit ?? DEFAULT_ASK_LIMIT,
    industry: request.industry,
    tags: request.tags,
    context: await preferenceFor(ctx, tenantId, request),
  });
  const matches = result.hits.map(toMatch);
  const askId = await store.insertAsk(ctx.db, tenantId, {
    question: request.question,
    repId: asker.repId ?? null,
    leadId: request.context?.leadId ?? null,
    confidence: result.confidence,
    shown: matches.map((match) => match.entry.id),
  });
  return { askId, confidence: result.confidence, matches, abstained: result.confidence === 'none', staleEmbeddings: result.staleEmbeddings };
}

const reporterOf = (principal: Principal) => (principal.kind === 'rep' ? principal.rep.repId : `key:${principal.keyId}`);

/**
 * `/v1/outcomes`: a rep's report on a script, attributed to the rep when a rep
 * token sent it. With an `askId` the question is taught to the entry (a
 * learned variant and training data), and a retraining is queued.
 */
export async function reportOutcome(ctx: AppContext, principal: Principal, body: OutcomeRequest): Promise<{ entryId: string; successRate: SuccessRate }> {
  const repId = principal.kind === 'rep' ? principal.rep.repId : undefined;
  const tenantId = principal.tenantId;
  if (!body.askId) return { entryId: body.entryId, successRate: await ctx.db.transaction((tx) => recordOutcome(tx, tenantId, { ...body, repId })) };
  const asked = await store.getAsk(ctx.db, tenantId, body.askId);
  const rate = await ctx.db.transaction(async (tx) => {
    const rate = await recordOutcome(tx, tenantId, { ...body, repId });
    await recordLesson(tx, tenantId, { entryId: body.entryId, askId: body.askId!, question: asked.question, outcome: body.outcome, reporter: reporterOf(principal) }, ctx);
    const window = Math.floor(Date.now() / LEARN_DEBOUNCE_MS);
    await enqueue(tx, { type: LEARN_JOB, tenantId, dedupeKey: `${LEARN_JOB}:${window}`, runAt: new Date((window + 1) * LEARN_DEBOUNCE_MS) });
    return rate;
  });
  return { entryId: body.entryId, successRate: rate };
}

/** `/v1/assistant/learn` and `huashu learn`: retrain now and return when done. */
export function learnNow(ctx: Pick<AppContext, 'db'>, tenantId: string): Promise<LearnResult> {
  return learn(ctx, tenantId);
}

export function requireChat(ctx: AppContext) {
  if (!ctx.chat) {
    throw new HuashuError('llm_unavailable', 'no chat model is configured (set OPENAI_API_KEY or HUASHU_CHAT_MODEL); /v1/assistant/ask still works');
  }
  return ctx.chat;
}
