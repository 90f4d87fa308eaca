import { z } from 'zod';
import { CONDITION_OPS, type Condition } from '../signals/conditions.js';
import { isoDurationMs, parseIsoDuration } from '../working-time.js';
import { HttpUrl, Id, IsoDateTime } from './common.js';

/**
 * Intent signal rules (`PUT /v1/signal-rules`), the intent a lead carries
 * (`GET /v1/leads/:id` → `lead.intent`), the dry-run and tracked share links.
 * A bad rule set is refused with issues that name the rule and the field:
 * `sequences.0.within: rule "evaluating_competitors": …`.
 */

export const MAX_WEIGHT_RULES = 200;
export const MAX_SEQUENCE_RULES = 50;
export const MAX_SILENCE_RULES = 50;
export const MAX_THRESHOLDS = 10;
export const MAX_SEQUENCE_STEPS = 10;
export const MAX_CONDITIONS = 20;
export const MAX_IN_VALUES = 100;
/** A signal's weight is added to the decaying sum; 5 alone already scores 99. */
export const MAX_ABS_WEIGHT = 5;
/** Sequence and silence windows, and the half-life, in calendar time. */
export const MIN_WINDOW_MS = 1000;
export const MAX_WINDOW_MS = 90 * 24 * 3600_000;
export const MIN_HALF_LIFE_MS = 60_000;
export const MAX_HALF_LIFE_MS = 365 * 24 * 3600_000;
export const MAX_DRY_RUN_DAYS = 90;
export const DEFAULT_DRY_RUN_DAYS = 30;

const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const OUTBOX_EVENT = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
/** `identify` links a visitor to a lead; it is not behaviour a rule can weigh. */
const RESERVED_EVENTS = new Set(['identify']);

export const SignalLabel = z.object({ zh: z.string().trim().min(1).max(200), en: z.string().trim().min(1).max(200) }).strict();

const Scalar = z.union([z.string().max(500), z.number(), z.boolean()]);

export const SignalCondition = z
  .object({
    property: z.string().trim().min(1).max(200),
    op: z.enum(CONDITION_OPS),
    value: z.union([Scalar, z.array(Scalar).max(MAX_IN_VALUES)]).optional(),
  })
  .strict()
  .superRefine((condition, ctx) => {
    const fail = (message: string) => ctx.addIssue({ code: 'custom', path: ['value'], message });
    const { op, value } = condition;
    if (op === 'exists' && value !== undefined) fail('exists takes no value');
    if ((op === 'gte' || op === 'lte') && (typeof value !== 'number' || !Number.isFinite(value))) {
      fail(`${op} needs a number${value === undefined ? '' : `, not ${JSON.stringify(value)}`}: no property value can be compared with it`);
    }
    if (op === 'eq' && (value === undefined || Array.isArray(value))) fail('eq needs one string, number or boolean');
    if (op === 'in' && (!Array.isArray(value) || value.length === 0)) fail('in needs a non-empty list of values');
  });

/** Why these conditions on one event can never all hold, or undefined. */
export function impossibleConditions(where: readonly Condition[]): { index: number; message: string } | undefined {
  const byProperty = new Map<string, { condition: Condition; index: number }[]>();
  where.forEach((condition, index) => byProperty.set(condition.property, [...(byProperty.get(condition.property) ?? []), { condition, index }]));
  for (const [property, list] of byProperty) {
    if (list.length < 2) continue;
    const last = list[list.length - 1]!.index;
    let lower = Number.NEGATIVE_INFINITY;
    let upper = Number.POSITIVE_INFINITY;
    const equals: unknown[] = [];
    let allowed: unknown[] | undefined;
    for (const { condition } of list) {
      if (condition.op === 'gte' && typeof condition.value === 'number') lower = Math.max(lower, condition.value);
      if (condition.op === 'lte' && typeof condition.value === 'number') upper = Math.min(upper, condition.value);
      if (condition.op === 'eq') equals.push(condition.value);
      if (condition.op === 'in' && Array.isArray(condition.value)) allowed = allowed ? allowed.filter((v) => (condition.value as unknown[]).includes(v)) : [...condition.value];
    }
    const bounded = lower !== Number.NEGATIVE_INFINITY || upper !== Number.POSITIVE_INFINITY;
    const fits = (value: unknown) => {
      if (!bounded) return true;
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
      return Number.isFinite(n) && n >= lower && n <= upper;
    };
    if (lower > upper) return { index: last, message: `${property} ≥ ${lower} and ≤ ${upper} can never both hold` };
    if (new Set(equals.map((v) => JSON.stringify(v))).size > 1) return { index: last, message: `${property} cannot equal ${equals.map((v) => JSON.stringify(v)).join(' and ')} at once` };
    const candidates = equals.length > 0 ? equals : allowed;
    if (candidates && !candidates.some((value) => fits(value) && (!allowed || allowed.includes(value)))) {
      return { index: last, message: `no value of ${property} satisfies all of its conditions` };
    }
  }
  return undefined;
}

const EventName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((name) => !RESERVED_EVENTS.has(name), 'identify links a visitor to a lead and cannot be a rule’s event');

const Where = z
  .array(SignalCondition)
  .max(MAX_CONDITIONS)
  .superRefine((where, ctx) => {
    const problem = impossibleConditions(where);
    if (problem) ctx.addIssue({ code: 'custom', path: [problem.index], message: `impossible condition: ${problem.message}` });
  });

export const SignalEventMatcher = z
  .object({
    /** A track event's name (`page_dwell`, `document_download`, `poc_requested` …), or `page` for page views. */
    event: EventName,
    where: Where.optional(),
    label: SignalLabel.optional(),
  })
  .strict();
export type SignalEventMatcher = z.infer<typeof SignalEventMatcher>;

function duration(min: number, max: number, what: string) {
  return z
    .string()
    .trim()
    .max(40)
    .superRefine((text, ctx) => {
      const parsed = parseIsoDuration(text);
      if (!parsed) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is not an ISO 8601 duration in weeks, days, hours, minutes or seconds (PT10M, P7D); years and months have no fixed length` });
        return;
      }
      const ms = isoDurationMs(parsed);
      if (ms < min || ms > max) ctx.addIssue({ code: 'custom', message: `${what} must be between ${describeMs(min)} and ${describeMs(max)}, not ${text}` });
    });
}

function describeMs(ms: number): string {
  const DAY = 24 * 3600_000;
  if (ms >= DAY) return `${ms / DAY} days`;
  if (ms >= 60_000) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

export const SignalWindow = duration(MIN_WINDOW_MS, MAX_WINDOW_MS, 'a window');
export const HalfLife = duration(MIN_HALF_LIFE_MS, MAX_HALF_LIFE_MS, 'the half-life');

const RuleId = z.string().regex(RULE_ID, 'must be 1–64 letters, digits, _ . : or - (ASCII), starting with a letter or digit');
const Weight = z.number().min(-MAX_ABS_WEIGHT).max(MAX_ABS_WEIGHT);

export const WeightRule = z
  .object({ id: RuleId, event: EventName, where: Where.optional(), weight: Weight, label: SignalLabel })
  .strict();
export type WeightRule = z.infer<typeof WeightRule>;

export const SequenceRule = z
  .object({
    id: RuleId,
    steps: z
      .array(SignalEventMatcher)
      .max(MAX_SEQUENCE_STEPS)
      .superRefine((steps, ctx) => {
        if (steps.length >= 2) return;
        ctx.addIssue({ code: 'custom', message: steps.length === 0 ? 'a sequence needs at least two steps; this one has none' : 'a sequence needs at least two steps; for a single event use a weight rule' });
      }),
    within: SignalWindow,
    weight: Weight,
    label: SignalLabel,
  })
  .strict();
export type SequenceRule = z.infer<typeof SequenceRule>;

export const SilenceRule = z
  .object({ id: RuleId, after: SignalEventMatcher, expect: SignalEventMatcher, within: SignalWindow, weight: Weight, label: SignalLabel })
  .strict();
export type SilenceRule = z.infer<typeof SilenceRule>;

export const SignalThreshold = z
  .object({
    score: z.number().gt(0).lt(100),
    /** The outbox event fired when a lead's score crosses `score` upwards (`lead.hot`). */
    event: z.string().max(60).regex(OUTBOX_EVENT, 'must look like noun.verb (lead.hot)'),
  })
  .strict();

const RULE_KINDS = ['weights', 'sequences', 'silences'] as const;

export const SignalRuleSetInput = z
  .object({
    /** How fast the score forgets: every signal's weight halves each half-life (`P7D`). */
    halfLife: HalfLife,
    weights: z.array(WeightRule).max(MAX_WEIGHT_RULES).default([]),
    sequences: z.array(SequenceRule).max(MAX_SEQUENCE_RULES).default([]),
    silences: z.array(SilenceRule).max(MAX_SILENCE_RULES).default([]),
    thresholds: z.array(SignalThreshold).max(MAX_THRESHOLDS).default([]),
  })
  .strict()
  .superRefine((set, ctx) => {
    const seen = new Map<string, string>();
    for (const kind of RULE_KINDS) {
      set[kind].forEach((rule, index) => {
        const earlier = seen.get(rule.id);
        if (earlier) ctx.addIssue({ code: 'custom', path: [kind, index, 'id'], message: `is already the id of ${earlier}; rule ids are unique across weights, sequences and silences` });
        else seen.set(rule.id, `${kind}.${index}`);
      });
    }
    const thresholds = new Set<string>();
    set.thresholds.forEach((threshold, index) => {
      const key = `${threshold.score}\n${threshold.event}`;
      if (thresholds.has(key)) ctx.addIssue({ code: 'custom', path: ['thresholds', index], message: `${threshold.event} at ${threshold.score} is listed twice` });
      thresholds.add(key);
    });
  });
export type SignalRuleSetInput = z.input<typeof SignalRuleSetInput>;
export type SignalRuleSet = z.output<typeof SignalRuleSetInput>;

/** Drops null-valued keys (null on an optional field means absent; nothing in a rule set takes null as a value). */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (child === null) continue;
    Object.defineProperty(out, key, { value: dropNulls(child), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The rule a path points into, e.g. `['sequences', 0, 'within']` → the id of that sequence. */
function ruleIdAt(root: unknown, path: readonly PropertyKey[]): string | undefined {
  let node: unknown = root;
  for (let index = 0; index < path.length; index++) {
    const key = path[index]!;
    if (node === null || typeof node !== 'object') return undefined;
    const child = (node as Record<PropertyKey, unknown>)[key as string];
    if ((RULE_KINDS as readonly PropertyKey[]).includes(key) && typeof path[index + 1] === 'number') {
      const rule = Array.isArray(child) ? child[path[index + 1] as number] : undefined;
      const id = rule && typeof rule === 'object' ? (rule as { id?: unknown }).id : undefined;
      return typeof id === 'string' && id.length <= 64 ? id : `#${path[index + 1] as number}`;
    }
    node = child;
  }
  return undefined;
}

/**
 * `schema` with every issue inside a rule prefixed by that rule's id
 * (`rule "evaluating_competitors": …`), so a 400 names the rule as well as
 * the field. Unknown fields are reported at their own path.
 */
export function namingRules<S extends z.ZodType>(schema: S) {
  return z.preprocess((raw, ctx) => {
    const value = dropNulls(raw);
    const result = schema.safeParse(value);
    if (result.success) return value;
    for (const issue of result.error.issues) {
      const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
      for (const path of paths) {
        const rule = ruleIdAt(value, path);
        const message = issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message;
        ctx.addIssue({ code: 'custom', path: path as (string | number)[], message: rule ? `rule "${rule}": ${message}` : message });
      }
    }
    return value;
  }, schema);
}

export const SignalRuleSetRequest = namingRules(SignalRuleSetInput);

export const SignalRulesResponse = z.object({
  /** 0 while the tenant has no rules. */
  version: z.number().int(),
  rules: SignalRuleSetInput.nullable(),
  createdAt: IsoDateTime.nullable(),
});
export type SignalRulesResponse = z.infer<typeof SignalRulesResponse>;

export const SignalRuleVersions = z.object({
  versions: z.array(z.object({ version: z.number().int(), createdAt: IsoDateTime, createdBy: z.string().nullable(), rules: z.number().int() })),
});

export const SignalKindSchema = z.enum(['weight', 'sequence', 'silence']);

export const IntentSignal = z.object({
  id: z.string(),
  ruleId: z.string(),
  kind: SignalKindSchema,
  label: z.object({ zh: z.string(), en: z.string() }),
  /** The weight it fired with (later rule versions do not change it). */
  weight: z.number(),
  /** What it adds to the score's sum right now: weight × 2^(−age / halfLife). */
  contribution: z.number(),
  at: IsoDateTime,
  explanation: z.object({ zh: z.string(), en: z.string() }),
  /** The events that caused it. */
  messageIds: z.array(z.string()),
  rulesVersion: z.number().int(),
});
export type IntentSignal = z.infer<typeof IntentSignal>;

export const ActivityItem = z.object({
  at: IsoDateTime,
  type: z.string(),
  event: z.string().nullable(),
  messageId: z.string(),
  summary: z.object({ zh: z.string(), en: z.string() }),
});
export type ActivityItem = z.infer<typeof ActivityItem>;

export const LeadIntent = z.object({
  /** 0–100: 100 × (1 − e^(−Σ wᵢ·2^(−Δtᵢ/halfLife))), whole points. */
  score: z.number().int().min(0).max(100),
  /** Against the score 7 days ago: ±5 points or more is rising / falling. */
  trend: z.enum(['rising', 'falling', 'flat']),
  /** Newest first, at most 50. */
  signals: z.array(IntentSignal),
  halfLife: z.string(),
  rulesVersion: z.number().int(),
  /** The lead's recent behaviour (行为轨迹), newest first. */
  activity: z.array(ActivityItem),
});
export type LeadIntent = z.infer<typeof LeadIntent>;

export const DryRunRequest = namingRules(
  z
    .object({
      rules: SignalRuleSetInput,
      days: z.number().int().min(1).max(MAX_DRY_RUN_DAYS).default(DEFAULT_DRY_RUN_DAYS),
    })
    .strict(),
);

const Distribution = z.object({
  leads: z.number().int(),
  mean: z.number(),
  p50: z.number(),
  p90: z.number(),
  /** Leads at or above each threshold of the proposed set. */
  atOrAbove: z.array(z.object({ score: z.number(), leads: z.number().int() })),
  buckets: z.array(z.object({ from: z.number(), to: z.number(), leads: z.number().int() })),
});

export const DryRunResponse = z.object({
  days: z.number().int(),
  from: IsoDateTime,
  to: IsoDateTime,
  events: z.number().int(),
  leads: z.number().int(),
  rules: z.array(z.object({ ruleId: z.string(), kind: SignalKindSchema, label: z.object({ zh: z.string(), en: z.string() }), leads: z.number().int(), signals: z.number().int() })),
  /** Live scores now; the proposed set's scores over the same window. */
  distribution: z.object({ before: Distribution, after: Distribution }),
  examples: z.array(
    z.object({
      leadId: z.string(),
      before: z.number().int(),
      after: z.number().int(),
      signals: z.array(z.object({ ruleId: z.string(), at: IsoDateTime, weight: z.number(), explanation: z.object({ zh: z.string(), en: z.string() }), messageIds: z.array(z.string()) })),
    }),
  ),
  /** Set when the window held more events than one dry-run reads; the figures cover the newest ones. */
  truncated: z.boolean(),
});
export type DryRunResponse = z.infer<typeof DryRunResponse>;

// ——— Tracked share links ———

export const ShareLinkInput = z
  .object({
    leadId: Id,
    /** The document: a proposal, case study or white paper (http or https). */
    url: HttpUrl,
    title: z.string().trim().min(1).max(200),
  })
  .strict();
export type ShareLinkInput = z.infer<typeof ShareLinkInput>;

export const ShareLink = z.object({
  id: z.string(),
  /** The short link to send: `<server>/s/<id>`. */
  url: z.string(),
  target: z.string(),
  title: z.string(),
  leadId: z.string(),
  createdAt: IsoDateTime,
});
export type ShareLink = z.infer<typeof ShareLink>;

export const ShareLinkResponse = z.object({ link: ShareLink });

export const ShareLinkEngagement = z.object({
  linkId: z.string(),
  leadId: z.string(),
  title: z.string(),
  /** 方案文档打开次数. */
  opens: z.number().int(),
  /** Opens after the first. */
  revisits: z.number().int(),
  firstOpenedAt: IsoDateTime.nullable(),
  lastOpenedAt: IsoDateTime.nullable(),
  devices: z.record(z.string(), z.number().int()),
  referrers: z.array(z.object({ host: z.string(), opens: z.number().int() })),
  /** 停留时长: active seconds over all sections. */
  dwellSeconds: z.number(),
  /** 重点章节回访: per section, active seconds, views and views after the first. */
  sections: z.array(z.object({ section: z.string(), dwellSeconds: z.number(), views: z.number().int(), revisits: z.number().int(), lastViewedAt: IsoDateTime })),
});
export type ShareLinkEngagement = z.infer<typeof ShareLinkEngagement>;

/** The open event a share link records (usable in rules like any event). */
export const SHARE_LINK_OPENED = 'share_link_opened';
