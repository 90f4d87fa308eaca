import { z } from 'zod';
import { HttpUrl, IsoDateTime } from './common.js';

export const EvidenceKind = z.enum(['case', 'test_report', 'certification', 'document', 'other']);
export type EvidenceKind = z.infer<typeof EvidenceKind>;

export const Evidence = z
  .object({
    kind: EvidenceKind,
    title: z.string().trim().min(1, 'evidence needs a title').max(300),
    url: HttpUrl.optional(),
  })
  .strict();
export type Evidence = z.infer<typeof Evidence>;

export const KnowledgeStatus = z.enum(['draft', 'pending_review', 'changes_requested', 'approved', 'rejected', 'archived']);
export type KnowledgeStatus = z.infer<typeof KnowledgeStatus>;

/** Limits keep one entry readable on a phone in front of a customer. */
export const QUESTION_MAX = 500;
export const ANSWER_MAX = 4000;

/**
 * A knowledge entry always has the three parts — the customer's own words, the
 * answer script and at least one piece of evidence — so the base never fills up
 * with vague "experience" (杜绝空泛经验).
 */
export const KnowledgeEntryInput = z
  .object({
    externalId: z.string().trim().min(1).max(200).optional(),
    question: z.string({ error: 'question (客户原话) is required' }).trim().min(1, 'question (客户原话) is required').max(QUESTION_MAX),
    answer: z.string({ error: 'answer (标准应答话术) is required' }).trim().min(1, 'answer (标准应答话术) is required').max(ANSWER_MAX),
    evidence: z
      .array(Evidence, { error: 'evidence (佐证材料) is required: at least one case, test report or certification' })
      .min(1, 'evidence (佐证材料) is required: at least one case, test report or certification')
      .max(20),
    tags: z.array(z.string().trim().min(1).max(40)).max(20).optional(),
    industry: z.string().trim().min(1).max(60).optional(),
    product: z.string().trim().min(1).max(120).optional(),
    status: KnowledgeStatus.optional(),
  })
  .strict();
export type KnowledgeEntryInput = z.input<typeof KnowledgeEntryInput>;

export const KnowledgeEntry = z.object({
  id: z.string(),
  externalId: z.string().nullable(),
  question: z.string(),
  answer: z.string(),
  evidence: z.array(Evidence),
  tags: z.array(z.string()),
  industry: z.string().nullable(),
  product: z.string().nullable(),
  status: KnowledgeStatus,
  authorRepId: z.string().nullable(),
  verifiedUntil: IsoDateTime.nullable(),
  stale: z.boolean(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type KnowledgeEntry = z.infer<typeof KnowledgeEntry>;

export const KnowledgeImportRequest = z.object({ entries: z.array(z.unknown()).min(1).max(5000) }).strict();

export const KnowledgeImportResult = z.object({
  imported: z.number().int(),
  updated: z.number().int(),
  rejected: z.array(z.object({ index: z.number().int(), externalId: z.string().optional(), reason: z.string() })),
});
export type KnowledgeImportResult = z.infer<typeof KnowledgeImportResult>;

export const ReviewRequest = z
  .object({ decision: z.enum(['approve', 'reject', 'request_changes', 'archive']), note: z.string().trim().max(1000).optional() })
  .strict();
export type ReviewRequest = z.input<typeof ReviewRequest>;

export const SuccessRate = z.object({ uses: z.number().int(), successes: z.number().int(), rate: z.number().nullable() });
export type SuccessRate = z.infer<typeof SuccessRate>;

/** How many scripts the assistant returns when the caller does not say. */
export const DEFAULT_ASK_LIMIT = 3;

/**
 * The success rate shown to reps: the raw share of reported successes, to three
 * decimals, `null` before any report. (Ranking uses a smoothed rate; see the
 * server's retrieval/ranking.ts.) The one place this rule lives.
 */
export function successRate(outcomes: { uses: number; successes: number }): SuccessRate {
  const { uses, successes } = outcomes;
  return { uses, successes, rate: uses > 0 ? Math.round((successes / uses) * 1000) / 1000 : null };
}

export const AskRequest = z
  .object({
    question: z.string().trim().min(1, 'question is required').max(QUESTION_MAX),
    limit: z.number().int().min(1).max(10).optional(),
    industry: z.string().max(60).optional(),
    tags: z.array(z.string().max(40)).max(10).optional(),
  })
  .strict();
export type AskRequest = z.input<typeof AskRequest>;

export const AskMatch = z.object({
  entry: KnowledgeEntry.pick({ id: true, externalId: true, question: true, answer: true, evidence: true, tags: true, industry: true, stale: true }),
  score: z.number(),
  successRate: SuccessRate,
});
export type AskMatch = z.infer<typeof AskMatch>;

export const AskResponse = z.object({ matches: z.array(AskMatch), abstained: z.boolean() });
export type AskResponse = z.infer<typeof AskResponse>;

export const OutcomeRequest = z
  .object({ entryId: z.string().min(1).max(64), outcome: z.enum(['success', 'failure']), leadId: z.string().max(64).optional() })
  .strict();
export type OutcomeRequest = z.input<typeof OutcomeRequest>;
