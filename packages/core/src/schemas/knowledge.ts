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
/** Other ways customers say an entry's question (FastGPT's custom indexes, MaxKB's linked questions). */
export const VARIANTS_MAX = 50;

/** One more customer phrasing of an entry's question; a match on it is a match on the entry. */
export const VariantText = z.string().trim().min(1, 'a variant needs text').max(QUESTION_MAX);

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
    /** Imported or edited variants are approved with the entry; learned ones wait for review (see KnowledgeVariant). */
    variants: z.array(VariantText).max(VARIANTS_MAX).optional(),
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
  /** The approved variants (other customer phrasings) the assistant also matches on. */
  variants: z.array(z.string()),
  /** The last review decision's note (what to change, why rejected), for the author to read; null before any review. */
  review: z.object({ note: z.string().nullable(), reviewer: z.string(), at: IsoDateTime }).nullable(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type KnowledgeEntry = z.infer<typeof KnowledgeEntry>;

export const VariantStatus = z.enum(['pending', 'approved', 'rejected']);
export type VariantStatus = z.infer<typeof VariantStatus>;
/** `import`: from an import or an entry write; `manual`: added through the variants route; `learned`: a rep's question that a reported success tied to the entry. */
export const VariantSource = z.enum(['import', 'manual', 'learned']);
export type VariantSource = z.infer<typeof VariantSource>;

export const KnowledgeVariant = z.object({
  id: z.string(),
  entryId: z.string(),
  /** The entry's own question, so a reviewer sees both side by side. */
  entryQuestion: z.string(),
  text: z.string(),
  status: VariantStatus,
  source: VariantSource,
  /** Reported successes and failures of the entry for this very question (learned variants). */
  successes: z.number().int(),
  failures: z.number().int(),
  /** Distinct reps whose success taught it; it is approved on its own at the tenant's threshold. */
  reporters: z.number().int(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type KnowledgeVariant = z.infer<typeof KnowledgeVariant>;

export const VariantCreateRequest = z.object({ text: VariantText }).strict();
export const VariantReviewRequest = z.object({ decision: z.enum(['approve', 'reject']) }).strict();
export type VariantReviewRequest = z.input<typeof VariantReviewRequest>;

/** How many different reps' successes approve a learned variant without a reviewer, unless the tenant sets another number. */
export const DEFAULT_VARIANT_APPROVALS = 2;
export const LearningSettings = z
  .object({ variantApprovals: z.number().int().min(1).max(100) })
  .strict();
export type LearningSettings = z.infer<typeof LearningSettings>;

/** What one retraining of a tenant's learned associations did (`POST /v1/assistant/learn`). */
export const LearnResult = z.object({
  /** (question, entry) pairs from reported outcomes the model was trained on. */
  pairs: z.number().int(),
  /** Question terms that have learned associations. */
  terms: z.number().int(),
  /** Phrasings tied to others by reported successes (each links a question to entries reps found right). */
  phrasings: z.number().int(),
  /** Learned variants approved by this run (reporters reached the threshold). */
  variantsApproved: z.number().int(),
  trainedAt: IsoDateTime,
  durationMs: z.number(),
});
export type LearnResult = z.infer<typeof LearnResult>;

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

/**
 * What is on the rep's screen: entries of the lead's industry and product, and
 * in the rep's language, are preferred by a small bounded boost (never a filter).
 */
export const AskContext = z
  .object({
    /** The lead being worked on; its industry and product (lead fields) apply when not given here. */
    leadId: z.string().trim().min(1).max(64).optional(),
    industry: z.string().trim().min(1).max(60).optional(),
    product: z.string().trim().min(1).max(120).optional(),
    /** The page or rep language (BCP 47, e.g. `zh-CN`, `en`); absent: the question's own script decides. */
    lang: z.string().trim().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, 'lang must be a language tag such as zh-CN or en').optional(),
  })
  .strict();
export type AskContext = z.input<typeof AskContext>;

export const AskRequest = z
  .object({
    question: z.string().trim().min(1, 'question is required').max(QUESTION_MAX),
    limit: z.number().int().min(1).max(10).optional(),
    context: AskContext.optional(),
    /** A hard filter on the entries' industry (unlike `context.industry`, which only prefers). */
    industry: z.string().max(60).optional(),
    /** A hard filter: entries carrying any of these tags. */
    tags: z.array(z.string().max(40)).max(10).optional(),
  })
  .strict();
export type AskRequest = z.input<typeof AskRequest>;

/**
 * `high`: a confident answer. `low`: possibly related (the widget shows it
 * under 「可能相关」 with the contribute prompt). `none`: off-topic, nothing returned.
 */
export const Confidence = z.enum(['high', 'low', 'none']);
export type Confidence = z.infer<typeof Confidence>;

export const AskMatch = z.object({
  entry: KnowledgeEntry.pick({ id: true, externalId: true, question: true, answer: true, evidence: true, tags: true, industry: true, product: true, stale: true }),
  score: z.number(),
  successRate: SuccessRate,
  confidence: z.enum(['high', 'low']),
  /** The variant (another customer phrasing) that matched best, when it beat the entry's own question. */
  matchedVariant: z.string().optional(),
  /** Present when reps' reported successes link the question's words to this entry (learned, not reviewed). */
  linked: z.literal(true).optional(),
});
export type AskMatch = z.infer<typeof AskMatch>;

export const AskResponse = z.object({
  /** Send it back with `POST /v1/outcomes` so the question teaches the assistant. */
  askId: z.string(),
  confidence: Confidence,
  matches: z.array(AskMatch),
  /** `confidence === 'none'`: no matches. */
  abstained: z.boolean(),
});
export type AskResponse = z.infer<typeof AskResponse>;

export const OutcomeRequest = z
  .object({
    entryId: z.string().min(1).max(64),
    outcome: z.enum(['success', 'failure']),
    leadId: z.string().max(64).optional(),
    /** The `askId` of the question the script answered: a success teaches the question to the entry. */
    askId: z.string().min(1).max(64).optional(),
  })
  .strict();
export type OutcomeRequest = z.input<typeof OutcomeRequest>;
