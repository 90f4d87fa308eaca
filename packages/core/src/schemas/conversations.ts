import { z } from 'zod';
import { Id, IsoDateTime } from './common.js';

export const SpeakerRole = z.enum(['customer', 'rep']);
export type SpeakerRole = z.infer<typeof SpeakerRole>;

/** Longest single chat message kept: a WeCom message tops out near this, pasted documents do not belong here. */
export const MAX_MESSAGE_LENGTH = 4000;
/** Messages per capture: a long WeCom / DingTalk conversation export, not a whole archive. */
export const MAX_CAPTURE_MESSAGES = 2000;

export const ConversationMessage = z
  .object({
    role: SpeakerRole,
    text: z.string().trim().min(1).max(MAX_MESSAGE_LENGTH),
    at: IsoDateTime,
    /** Display name in the export; kept in the snippet's context only. */
    speaker: z.string().trim().max(60).optional(),
  })
  .strict();
export type ConversationMessage = z.infer<typeof ConversationMessage>;

export const CaptureRequest = z
  .object({
    messages: z.array(ConversationMessage).min(1).max(MAX_CAPTURE_MESSAGES),
    /** Where the export came from (`wecom`, `dingtalk` …), recorded with the capture. */
    source: z.string().trim().min(1).max(40).optional(),
    /** The export's own id: capturing it again returns the stored snippets instead of new candidates. */
    conversationId: z.string().trim().min(1).max(200).optional(),
    leadId: Id.optional(),
    /** Industry given to candidate entries. */
    industry: z.string().trim().min(1).max(60).optional(),
    /** Match and report only: no candidates, no links, nothing stored. */
    dryRun: z.boolean().optional(),
  })
  .strict();
export type CaptureRequest = z.input<typeof CaptureRequest>;

const Term = z.string().trim().min(1).max(40);

/**
 * Terms that stand for one another: the group `['价格', '报价', '价钱']` makes
 * a rule naming any of them match all of them. A term may hold `*`, which
 * stands for one to three letters or digits (`*家` finds 华为家, 东软家).
 */
export const TermGroup = z.union([
  z.array(Term).min(1).max(50),
  z
    .object({
      terms: z.array(Term).min(1).max(50),
      /**
       * Count occurrences after a negation (没有预算) too. Off by default, so
       * 不需要折扣 is no discount request; on where the negated form is the
       * signal itself (没有预算 is a budget objection).
       */
      countNegated: z.boolean().optional(),
    })
    .strict(),
]);
export type TermGroup = z.input<typeof TermGroup>;

/** Longest window a rule may span: a few turns of a chat, not the whole conversation. */
export const MAX_RULE_WINDOW = 20;

export const CaptureRule = z
  .object({
    id: z.string().trim().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1–64 lower-case letters, digits, _ or -'),
    /** The tag a match gives its snippet (and the candidate entry). */
    tag: z.string().trim().min(1).max(40),
    /** Every group must occur within the window. */
    allOf: z.array(TermGroup).max(10).optional(),
    /** At least one group must occur within the window. */
    anyOf: z.array(TermGroup).max(10).optional(),
    /** The window must contain none of these (negated or not). */
    noneOf: z.array(Term).max(50).optional(),
    /** Consecutive messages (all speakers) the terms must fall within. */
    window: z.number().int().min(1).max(MAX_RULE_WINDOW).default(3),
    /** Whose messages the terms are looked for in. */
    speaker: z.enum(['customer', 'rep', 'any']).default('customer'),
    /** Words that contain a term without meaning it (贵公司 for 贵, 大家 for *家); an occurrence inside one does not count. */
    ignore: z.array(Term).max(100).optional(),
  })
  .strict()
  .refine((rule) => (rule.allOf?.length ?? 0) + (rule.anyOf?.length ?? 0) > 0, { message: 'a rule needs allOf or anyOf terms', path: ['allOf'] });
export type CaptureRule = z.input<typeof CaptureRule>;

/**
 * Cosine similarity above which a captured customer question counts as the
 * same question as an approved entry. Measured with the built-in local
 * embedder on the demo base: an entry and its copy with one particle added
 * score 0.91, the closest two *different* entries 0.57, paraphrases of one
 * worry 0.40–0.47. So 0.75 links near-verbatim repeats only; with a semantic
 * embedder (bge-m3, OpenAI) paraphrases score higher and a tenant may lower it.
 */
export const DEFAULT_DUPLICATE_SIMILARITY = 0.75;

export const CaptureRules = z
  .object({
    rules: z
      .array(CaptureRule)
      .max(100)
      .superRefine((rules, issue) => {
        const seen = new Set<string>();
        rules.forEach((rule, index) => {
          if (seen.has(rule.id)) issue.addIssue({ code: 'custom', path: [index, 'id'], message: `rule id "${rule.id}" appears twice` });
          seen.add(rule.id);
        });
      }),
    /** Groups of interchangeable terms, applied to every rule. */
    synonyms: z.array(z.array(Term).min(2).max(50)).max(200).default([]),
    /** Words that negate the term after them within a clause. @default 不, 没, 没有, 无, 无需, 不用, 不需要, 不要, 别, 未, 并非 … */
    negators: z.array(z.string().trim().min(1).max(10)).max(50).optional(),
    /** Messages kept before and after a match as its context. */
    context: z.object({ before: z.number().int().min(0).max(10).default(2), after: z.number().int().min(0).max(10).default(2) }).strict().default({ before: 2, after: 2 }),
    /** A snippet this similar to an approved entry becomes a real-world example of it instead of a new candidate. */
    linkSimilarity: z.number().min(0).max(1).default(DEFAULT_DUPLICATE_SIMILARITY),
  })
  .strict();
export type CaptureRules = z.output<typeof CaptureRules>;
export type CaptureRulesInput = z.input<typeof CaptureRules>;

export const CapturedMessage = z.object({
  index: z.number().int(),
  role: SpeakerRole,
  text: z.string(),
  at: IsoDateTime,
  speaker: z.string().nullable(),
  /** Inside the matched span (the rest is context). */
  matched: z.boolean(),
});
export type CapturedMessage = z.infer<typeof CapturedMessage>;

export const TermHit = z.object({
  /** The configured term (or its synonym) that was looked for. */
  term: z.string(),
  /** The text as it stood in the message. */
  found: z.string(),
  messageIndex: z.number().int(),
});
export type TermHit = z.infer<typeof TermHit>;

export const RuleMatch = z.object({
  ruleId: z.string(),
  tag: z.string(),
  /** One sentence saying which terms were found where. */
  why: z.string(),
  terms: z.array(TermHit),
  /** Occurrences that did not count, and why (negated, inside an ignored word). */
  skipped: z.array(TermHit.extend({ reason: z.enum(['negated', 'ignored']) })),
});
export type RuleMatch = z.infer<typeof RuleMatch>;

export const Snippet = z.object({
  id: z.string().nullable(),
  tags: z.array(z.string()),
  matches: z.array(RuleMatch),
  /** First and last message index of the matched span. */
  span: z.object({ from: z.number().int(), to: z.number().int() }),
  /** The span with the messages before and after it. */
  context: z.array(CapturedMessage),
  /** The customer's words in the span: the candidate's question. */
  question: z.string(),
  /** The rep's reply in the window, when there was one. */
  answer: z.string().nullable(),
  candidateEntryId: z.string().optional(),
  linkedEntryId: z.string().optional(),
  /** Similarity to the closest approved entry. */
  similarity: z.number().optional(),
});
export type Snippet = z.infer<typeof Snippet>;

export const CaptureResponse = z.object({
  captureId: z.string().nullable(),
  snippets: z.array(Snippet),
  /** True when this conversationId had been captured before and the stored snippets were returned. */
  replayed: z.boolean(),
});
export type CaptureResponse = z.infer<typeof CaptureResponse>;

export const EntryExamples = z.object({
  examples: z.array(
    z.object({ snippetId: z.string(), entryId: z.string(), similarity: z.number(), tags: z.array(z.string()), question: z.string(), context: z.array(CapturedMessage), createdAt: IsoDateTime }),
  ),
});
