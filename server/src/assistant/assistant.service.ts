import { DEFAULT_ASK_LIMIT, HuashuError, successRate, type AskMatch, type AskRequest, type AskResponse, type OutcomeRequest, type SuccessRate } from '@huashu/core';
import type { Principal } from '../platform/auth/authenticate.js';
import type { AppContext } from '../platform/context.js';
import { recordOutcome, searchKnowledge, type SearchHit, type SearchOptions } from '../knowledge/knowledge.service.js';

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
      stale: entry.stale,
    },
    score: Math.round(hit.score * 1000) / 1000,
    successRate: successRate(hit.outcomes),
  };
}

/** `/v1/assistant/ask`: the best approved scripts for a rep's question, or an abstention. */
export async function ask(ctx: AppContext, tenantId: string, request: AskRequest, options: SearchOptions = {}): Promise<AskResponse & { staleEmbeddings: boolean }> {
  const result = await searchKnowledge(ctx.db, tenantId, ctx.embedder, request.question, {
    ...options,
    limit: request.limit ?? DEFAULT_ASK_LIMIT,
    industry: request.industry,
    tags: request.tags,
  });
  return { matches: result.hits.map(toMatch), abstained: result.abstained, staleEmbeddings: result.staleEmbeddings };
}

/** `/v1/outcomes`: a rep's report on a script, attributed to the rep when a rep token sent it. */
export async function reportOutcome(ctx: AppContext, principal: Principal, body: OutcomeRequest): Promise<{ entryId: string; successRate: SuccessRate }> {
  const repId = principal.kind === 'rep' ? principal.rep.repId : undefined;
  return { entryId: body.entryId, successRate: await ctx.db.transaction((tx) => recordOutcome(tx, principal.tenantId, { ...body, repId })) };
}

export function requireChat(ctx: AppContext) {
  if (!ctx.chat) {
    throw new HuashuError('llm_unavailable', 'no chat model is configured (set OPENAI_API_KEY or HUASHU_CHAT_MODEL); /v1/assistant/ask still works');
  }
  return ctx.chat;
}
