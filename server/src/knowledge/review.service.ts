import { DEFAULT_DUPLICATE_SIMILARITY, type KnowledgeEntry, type ReviewQueue, type SimilarEntry } from '@huashu/core';
import type { Principal } from '../platform/auth/authenticate.js';
import type { AppContext } from '../platform/context.js';
import type { Queryable } from '../platform/db/types.js';
import { embeddingText } from '../retrieval/embedder.js';
import { entriesByIds } from './knowledge.store.js';
import { listEntries, requireReviewer } from './knowledge.service.js';
import * as store from './review.store.js';

/** Similarities are shown to three decimals: enough to rank, not a false precision. */
const round = (value: number) => Math.round(value * 1000) / 1000;

const similarView = (entry: KnowledgeEntry, similarity: number): SimilarEntry => ({
  entry: { id: entry.id, question: entry.question, answer: entry.answer, tags: entry.tags, industry: entry.industry, status: entry.status },
  similarity: round(similarity),
});

/**
 * The reviewers' desk: entries waiting for review, oldest first, each beside
 * the approved entries most like it (cosine similarity of the stored vectors)
 * so a duplicate is caught before it goes live; and the approved entries whose
 * verification date has passed, to re-verify or archive.
 */
export async function reviewQueue(ctx: AppContext, principal: Principal, query: { limit: number; offset: number; similar: number }): Promise<ReviewQueue> {
  requireReviewer(principal);
  const tenantId = principal.tenantId;
  const pending = await listEntries(ctx, principal, { status: 'pending_review', limit: query.limit, offset: query.offset });
  const ids = pending.entries.map((entry) => entry.id);
  const neighbours = await store.approvedNeighbours(ctx.db, tenantId, ids, query.similar);
  const similarIds = [...new Set([...neighbours.values()].flat().map((neighbour) => neighbour.id))];
  const similarEntries = await entriesByIds(ctx.db, tenantId, similarIds);
  const reviews = await store.lastReviews(ctx.db, tenantId, ids);
  const expired = await listEntries(ctx, principal, { stale: true, limit: query.limit, offset: 0 });
  return {
    pending: pending.entries.map((entry) => {
      const similar = (neighbours.get(entry.id) ?? []).flatMap((neighbour) => {
        const match = similarEntries.get(neighbour.id);
        return match ? [similarView(match, neighbour.similarity)] : [];
      });
      return {
        entry,
        similar,
        likelyDuplicate: (similar[0]?.similarity ?? 0) >= DEFAULT_DUPLICATE_SIMILARITY,
        lastReview: reviews.get(entry.id) ?? null,
      };
    }),
    total: pending.total,
    expired: expired.entries,
    expiredTotal: expired.total,
    duplicateSimilarity: DEFAULT_DUPLICATE_SIMILARITY,
  };
}

/** The closest approved entry to a piece of text (a captured customer question), or undefined in an empty base. */
export async function closestApproved(ctx: AppContext, tenantId: string, text: { question: string; tags?: readonly string[] }): Promise<{ entry: KnowledgeEntry; similarity: number } | undefined> {
  const vector = await ctx.embedder.embeddings.embedQuery(embeddingText(text));
  const [nearest] = await store.approvedNearVector(ctx.db, tenantId, vector, ctx.embedder.model, 1);
  if (!nearest) return undefined;
  const entry = (await entriesByIds(ctx.db, tenantId, [nearest.id])).get(nearest.id);
  return entry ? { entry, similarity: round(nearest.similarity) } : undefined;
}

/** Who wrote an entry: null for imported entries, undefined when it does not exist. Usable inside another domain's transaction. */
export function entryAuthor(q: Queryable, tenantId: string, entryId: string): Promise<string | null | undefined> {
  return store.entryAuthor(q, tenantId, entryId);
}

/** Approved entries by industry and/or tags, for learning packs. */
export function approvedEntries(db: Queryable, tenantId: string, filter: { industry?: string | undefined; tags?: readonly string[] | undefined; limit: number }): Promise<KnowledgeEntry[]> {
  return store.approvedMatching(db, tenantId, filter);
}

/** Which of `ids` are approved entries now. */
export function approvedEntriesByIds(db: Queryable, tenantId: string, ids: readonly string[]): Promise<Map<string, KnowledgeEntry>> {
  return store.approvedByIds(db, tenantId, ids);
}
