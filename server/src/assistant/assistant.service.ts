import { HuashuError, type AskMatch, type AskRequest, type AskResponse } from '@huashu/core';
import type { AppContext } from '../platform/context.js';
import { toEntry } from '../knowledge/knowledge.store.js';
import { searchKnowledge, type SearchHit, type SearchOptions } from '../knowledge/knowledge.search.js';

export function toMatch(hit: SearchHit): AskMatch {
  const entry = toEntry(hit.row);
  const { uses, successes } = hit.outcomes;
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
    successRate: { uses, successes, rate: uses > 0 ? Math.round((successes / uses) * 1000) / 1000 : null },
  };
}

/** `/v1/assistant/ask`: the best approved scripts for a rep's question, or an abstention. */
export async function ask(ctx: AppContext, tenantId: string, request: AskRequest, options: SearchOptions = {}): Promise<AskResponse & { staleEmbeddings: boolean }> {
  const result = await searchKnowledge(ctx.db, tenantId, ctx.embedder, request.question, {
    ...options,
    limit: request.limit ?? 3,
    industry: request.industry,
    tags: request.tags,
  });
  return { matches: result.hits.map(toMatch), abstained: result.abstained, staleEmbeddings: result.staleEmbeddings };
}


export function requireChat(ctx: AppContext) {
  if (!ctx.chat) {
    throw new HuashuError('llm_unavailable', 'no chat model is configured (set OPENAI_API_KEY or HUASHU_CHAT_MODEL); /v1/assistant/ask still works');
  }
  return ctx.chat;
}
