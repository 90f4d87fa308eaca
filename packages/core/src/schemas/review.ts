import { z } from 'zod';
import { IsoDateTime } from './common.js';
import { KnowledgeEntry } from './knowledge.js';

export const ReviewQueueQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    offset: z.coerce.number().int().min(0).default(0),
    /** Approved look-alikes shown per pending entry. */
    similar: z.coerce.number().int().min(1).max(10).default(3),
  })
  .strict();

export const SimilarEntry = z.object({
  entry: KnowledgeEntry.pick({ id: true, question: true, answer: true, tags: true, industry: true, status: true }),
  /** Cosine similarity of the two entries' vectors, in [-1, 1]; 1 is the same text. */
  similarity: z.number(),
});
export type SimilarEntry = z.infer<typeof SimilarEntry>;

export const LastReview = z.object({ reviewer: z.string(), note: z.string().nullable(), at: IsoDateTime });

export const ReviewQueueItem = z.object({
  entry: KnowledgeEntry,
  /** Most similar approved entries, most similar first. */
  similar: z.array(SimilarEntry),
  /** The closest approved entry is at least `duplicateSimilarity` alike: probably a duplicate. */
  likelyDuplicate: z.boolean(),
  /** The previous decision (a resubmission after "changes requested"), if any. */
  lastReview: LastReview.nullable(),
});
export type ReviewQueueItem = z.infer<typeof ReviewQueueItem>;

export const ReviewQueue = z.object({
  pending: z.array(ReviewQueueItem),
  total: z.number().int(),
  /** Approved entries whose verification date has passed: re-verify (approve again) or archive them. */
  expired: z.array(KnowledgeEntry),
  expiredTotal: z.number().int(),
  duplicateSimilarity: z.number(),
});
export type ReviewQueue = z.infer<typeof ReviewQueue>;

/** Outbox event types of the knowledge domain (emitted in the transaction of the change they describe). */
export const KNOWLEDGE_ENTRY_REVIEWED = 'knowledge.entry_reviewed';
export const KNOWLEDGE_OUTCOME_REPORTED = 'knowledge.outcome_reported';

/**
 * `knowledge.entry_reviewed`, emitted with every review decision in the
 * decision's transaction (consumers: points). `status` is the entry's status
 * after the decision.
 */
export const KnowledgeEntryReviewedEvent = z.object({
  entryId: z.string(),
  status: z.string(),
  authorRepId: z.string().nullable(),
  /** The reviewing rep's id, or `secret-key`. */
  reviewer: z.string(),
  note: z.string().nullish(),
  at: IsoDateTime.optional(),
});
export type KnowledgeEntryReviewedEvent = z.infer<typeof KnowledgeEntryReviewedEvent>;

/** `knowledge.outcome_reported`, emitted with every outcome report (consumers: points). */
export const KnowledgeOutcomeReportedEvent = z.object({
  entryId: z.string(),
  outcome: z.enum(['success', 'failure']),
  /** The reporting rep; null when a secret key reported. */
  repId: z.string().nullish(),
  /** The entry's author, when the emitter knows it (otherwise the consumer looks it up). */
  authorRepId: z.string().nullable().optional(),
  outcomeId: z.string().optional(),
  at: IsoDateTime.optional(),
});
export type KnowledgeOutcomeReportedEvent = z.infer<typeof KnowledgeOutcomeReportedEvent>;
