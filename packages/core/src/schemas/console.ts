import { z } from 'zod';
import { Id, IsoDateTime } from './common.js';

/**
 * The manager's console: every rule set a sales director edits is versioned
 * (draft → pilot for some reps over a period → published to all, or
 * discarded), and every change is in an audit log.
 */
export const CONSOLE_RULE_SETS = ['signal-rules', 'pipeline-stages', 'capture-rules', 'health-settings', 'point-rules'] as const;
export const ConsoleRuleSet = z.enum(CONSOLE_RULE_SETS);
export type ConsoleRuleSet = z.infer<typeof ConsoleRuleSet>;

export const RuleVersionStatus = z.enum(['draft', 'pilot', 'published', 'superseded', 'discarded']);
export type RuleVersionStatus = z.infer<typeof RuleVersionStatus>;

/** Reps in one pilot at most: a pilot is a small group tried before everyone. */
export const MAX_PILOT_REPS = 200;
/** The longest pilot: a quarter; longer is a rollout, not a trial. */
export const MAX_PILOT_DAYS = 92;
const DAY_MS = 24 * 3600_000;

export const RulePilot = z.object({ repIds: z.array(z.string()), from: IsoDateTime, until: IsoDateTime });

export const RuleVersion = z.object({
  ruleSet: ConsoleRuleSet,
  version: z.number().int(),
  status: RuleVersionStatus,
  /** The rule set in the owning domain's own shape (`PUT /v1/signal-rules`'s body for signal rules). */
  content: z.unknown(),
  note: z.string().nullable(),
  pilot: RulePilot.nullable(),
  createdBy: z.string(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
  publishedAt: IsoDateTime.nullable(),
});
export type RuleVersion = z.infer<typeof RuleVersion>;

export const RuleVersionList = z.object({
  ruleSet: ConsoleRuleSet,
  /** Whether a version can be piloted: its domain applies a pilot to the pilot reps only. */
  pilotable: z.boolean(),
  /** What the domain runs for everyone now (null before it was ever configured). */
  live: z.unknown(),
  versions: z.array(RuleVersion),
});
export type RuleVersionList = z.infer<typeof RuleVersionList>;

const Note = z.string().trim().max(500);

export const RuleDraftInput = z.object({ content: z.unknown(), note: Note.optional() }).strict();
export type RuleDraftInput = z.input<typeof RuleDraftInput>;

export const RulePilotInput = z
  .object({
    repIds: z.array(Id).min(1).max(MAX_PILOT_REPS),
    /** @default now */
    from: IsoDateTime.optional(),
    until: IsoDateTime,
  })
  .strict()
  .superRefine((input, ctx) => {
    const from = input.from ? Date.parse(input.from) : Date.now();
    const until = Date.parse(input.until);
    if (until <= from) ctx.addIssue({ code: 'custom', path: ['until'], message: 'must be after from' });
    else if (until - from > MAX_PILOT_DAYS * DAY_MS) ctx.addIssue({ code: 'custom', path: ['until'], message: `a pilot lasts at most ${MAX_PILOT_DAYS} days` });
    if (new Set(input.repIds).size !== input.repIds.length) ctx.addIssue({ code: 'custom', path: ['repIds'], message: 'lists a rep twice' });
  });
export type RulePilotInput = z.input<typeof RulePilotInput>;

export const AuditChange = z.object({ path: z.string(), before: z.unknown(), after: z.unknown() });
export const AuditEntry = z.object({
  id: z.string(),
  at: IsoDateTime,
  /** `rep:<id>` or `key:<id>`. */
  actor: z.string(),
  ruleSet: z.string(),
  version: z.number().int().nullable(),
  /** `changed_directly`: written through the domain's own config route, not the console (version null). */
  action: z.enum(['draft_created', 'draft_updated', 'piloted', 'published', 'discarded', 'changed_directly']),
  /** What changed against the version it replaces (JSON paths), at most MAX_AUDIT_CHANGES. */
  changes: z.array(AuditChange),
});
export type AuditEntry = z.infer<typeof AuditEntry>;
export const MAX_AUDIT_CHANGES = 50;

export const AuditQuery = z
  .object({ ruleSet: ConsoleRuleSet.optional(), limit: z.coerce.number().int().min(1).max(200).default(50) })
  .strict();
export const AuditLog = z.object({ entries: z.array(AuditEntry) });
export type AuditLog = z.infer<typeof AuditLog>;

const GroupMetrics = z.object({
  reps: z.number().int(),
  deals: z.number().int(),
  /** Mean over the group's reps that have a value; null when none has. */
  leadNurturing: z.number().nullable(),
  progressCompliance: z.number().nullable(),
  customerTrust: z.number().nullable(),
});
const PilotRuleMetric = z.object({ reps: z.number().int(), total: z.number(), perRep: z.number().nullable() });
const PilotCaptureMetric = z.object({
  reps: z.number().int(),
  snippets: z.number().int(),
  candidates: z.number().int(),
  snippetsPerRep: z.number().nullable(),
  candidatesPerRep: z.number().nullable(),
});
export const PilotComparison = z.object({
  ruleSet: ConsoleRuleSet,
  version: z.number().int(),
  from: IsoDateTime,
  to: IsoDateTime,
  pilot: GroupMetrics,
  rest: GroupMetrics,
  /** Signal rules only: the leads' intent scores now, each lead scored by the version that applies to its rep. */
  intent: z.object({ pilot: z.object({ leads: z.number().int(), mean: z.number().nullable() }), rest: z.object({ leads: z.number().int(), mean: z.number().nullable() }) }).optional(),
  /**
   * Point rules only: points earned over the period (credits net of reversals,
   * spending not counted). `reps` of the pilot are its reps; of the rest, the
   * other reps who earned any. `perRep` = total ÷ reps, null with no reps.
   */
  points: z.object({ pilot: PilotRuleMetric, rest: PilotRuleMetric }).optional(),
  /** Capture rules only: snippets captured over the period and the candidate entries they created, per group (reps counted as for points). */
  captures: z.object({ pilot: PilotCaptureMetric, rest: PilotCaptureMetric }).optional(),
});
export type PilotComparison = z.infer<typeof PilotComparison>;

/** A manager's arrangement of a console widget: which items (metric keys), in which order. */
export const MAX_LAYOUT_ITEMS = 20;
export const ConsoleLayout = z
  .object({ items: z.array(z.string().trim().min(1).max(64)).max(MAX_LAYOUT_ITEMS) })
  .strict()
  .superRefine((layout, ctx) => {
    if (new Set(layout.items).size !== layout.items.length) ctx.addIssue({ code: 'custom', path: ['items'], message: 'lists an item twice' });
  });
export type ConsoleLayout = z.infer<typeof ConsoleLayout>;
export const ConsoleLayoutResponse = z.object({ widget: z.string(), layout: ConsoleLayout.nullable(), updatedAt: IsoDateTime.nullable() });
export type ConsoleLayoutResponse = z.infer<typeof ConsoleLayoutResponse>;
