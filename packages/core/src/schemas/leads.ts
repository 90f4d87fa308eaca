import { z } from 'zod';
import { parseIsoDuration, parseWorkingHours } from '../working-time.js';
import { IsoDateTime } from './common.js';

export const LeadSource = z.string().trim().min(1).max(64);

/**
 * Contact fields are checked on the server too (phone numbers through
 * libphonenumber); here they are only bounded so the browser bundle stays small.
 */
export const LeadInput = z
  .object({
    idempotencyKey: z.string().min(8).max(128).optional(),
    name: z.string().trim().min(1).max(100).optional(),
    phone: z.string().trim().min(3).max(32).optional(),
    email: z.string().trim().max(254).optional(),
    wechat: z.string().trim().max(64).optional(),
    company: z.string().trim().max(200).optional(),
    source: LeadSource,
    campaign: z.string().trim().max(128).optional(),
    consent: z.boolean().optional(),
    page: z.string().max(2048).optional(),
    anonymousId: z.string().max(128).optional(),
    fields: z.record(z.string().max(64), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()])).optional(),
  })
  .strict();
export type LeadInput = z.input<typeof LeadInput>;

/** Text in two languages: reasons shown to reps and managers. */
export const Bilingual = z.object({ zh: z.string(), en: z.string() });
export type Bilingual = z.infer<typeof Bilingual>;

export const RepRef = z.object({ id: z.string(), name: z.string().nullable() });
export type RepRef = z.infer<typeof RepRef>;

/** Why this rep got this lead: the rule, the strategy and a sentence in zh and en. */
export const AssignmentReason = z.object({
  ruleId: z.string().nullable(),
  ruleName: z.string().nullable(),
  strategy: z.enum(['round_robin', 'least_loaded']).nullable(),
  zh: z.string(),
  en: z.string(),
});
export type AssignmentReason = z.infer<typeof AssignmentReason>;

export const LeadChannel = z.enum(['api', 'web_form', 'ad_platform', 'call_center', 'trade_show_qr', 'custom']);
export type LeadChannel = z.infer<typeof LeadChannel>;

export const Lead = z.object({
  id: z.string(),
  name: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  wechat: z.string().nullable(),
  company: z.string().nullable(),
  title: z.string().nullable(),
  region: z.string().nullable(),
  industry: z.string().nullable(),
  /** The first source the lead arrived from. */
  source: z.string(),
  campaign: z.string().nullable(),
  consent: z.boolean().nullable(),
  fields: z.record(z.string(), z.unknown()),
  assignee: RepRef.nullable(),
  assignmentReason: AssignmentReason.nullable(),
  firstResponseDueAt: IsoDateTime.nullable(),
  firstRespondedAt: IsoDateTime.nullable(),
  /** When the first-response deadline passed unanswered (set once, by the SLA job). */
  slaBreachedAt: IsoDateTime.nullable(),
  /** Unanswered past its deadline now. */
  overdue: z.boolean(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Lead = z.infer<typeof Lead>;

/** Every arrival of a lead: a form, an ad click, a call, a badge scan. */
export const LeadTouchpoint = z.object({
  id: z.string(),
  source: z.string(),
  channel: LeadChannel,
  /** The registered lead source it came through, when there is one. */
  sourceId: z.string().nullable(),
  campaign: z.string().nullable(),
  page: z.string().nullable(),
  /** The raw payload: `webhook:<webhook-id>` for inbound webhooks, `api:<touchpoint id>` for API calls (stored with the touchpoint). */
  payloadRef: z.string(),
  /** The merge that brought this touchpoint to the lead, when it arrived through one. */
  mergeId: z.string().nullable(),
  occurredAt: IsoDateTime,
  receivedAt: IsoDateTime,
});
export type LeadTouchpoint = z.infer<typeof LeadTouchpoint>;

/** Which touchpoint supplied a field's current value, through which source and channel, and when. */
export const FieldProvenance = z.object({
  source: z.string(),
  channel: LeadChannel,
  touchpointId: z.string(),
  mergeId: z.string().nullable(),
  at: IsoDateTime,
});
export type FieldProvenance = z.infer<typeof FieldProvenance>;

export const IdentityKind = z.enum(['phone', 'email', 'wechat', 'unionid']);
export type IdentityKind = z.infer<typeof IdentityKind>;

export const LeadMergeRecord = z.object({
  id: z.string(),
  /** `submission`: a new contact joined the lead; `lead`: another existing lead was absorbed. */
  kind: z.enum(['submission', 'lead']),
  survivorId: z.string(),
  absorbedLeadId: z.string(),
  /** The identities the two shared. */
  matchedOn: z.array(z.object({ kind: IdentityKind, value: z.string() })),
  createdAt: IsoDateTime,
  undoneAt: IsoDateTime.nullable(),
});
export type LeadMergeRecord = z.infer<typeof LeadMergeRecord>;

export const LeadDetail = Lead.extend({
  /** Set when this lead was folded into another one (read that one); `null` for a lead of its own. */
  mergedInto: z.string().nullable(),
  touchpoints: z.array(LeadTouchpoint),
  identities: z.array(z.object({ kind: IdentityKind, value: z.string() })),
  /** Per field (`name`, `company`, `fields.budget` …): who supplied its value. */
  provenance: z.record(z.string(), FieldProvenance),
  merges: z.array(LeadMergeRecord),
  /** Intent score and its explanation; filled by the signals domain, `null` until it has something. */
  intent: z.unknown().nullable(),
});
export type LeadDetail = z.infer<typeof LeadDetail>;

/**
 * What capture answers. A publishable key (a public page) gets only `{ id }`
 * back on a replay or a merge: the visitor learns nothing about the contact
 * details someone else left.
 */
export const CapturedLead = Lead.partial().extend({ id: z.string() });
export type CapturedLead = z.infer<typeof CapturedLead>;

export const LeadCaptureResponse = z.object({
  lead: CapturedLead,
  created: z.boolean(),
  /** The contact joined a lead that already existed (shared phone, email or WeChat id). */
  merged: z.boolean(),
});
export type LeadCaptureResponse = z.infer<typeof LeadCaptureResponse>;

export const LeadResponse = z.object({ lead: LeadDetail });
export type LeadResponse = z.infer<typeof LeadResponse>;

const boolText = z.enum(['true', 'false']).transform((value) => value === 'true');

export const MAX_LEADS_PAGE = 200;
export const DEFAULT_LEADS_PAGE = 50;

export const LeadListQuery = z
  .object({
    phone: z.string().trim().min(3).max(32).optional(),
    email: z.string().trim().min(3).max(254).optional(),
    assignee: z.string().trim().min(1).max(64).optional(),
    source: z.string().trim().min(1).max(64).optional(),
    overdue: boolText.optional(),
    createdFrom: IsoDateTime.optional(),
    createdTo: IsoDateTime.optional(),
    cursor: z.string().max(512).optional(),
    /** `intent`: hottest first (the signals domain's score), otherwise newest first. */
    sort: z.enum(['created', 'intent']).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_LEADS_PAGE).default(DEFAULT_LEADS_PAGE),
  })
  .strict();
export type LeadListQuery = z.output<typeof LeadListQuery>;

export const LeadListResponse = z.object({ leads: z.array(Lead), nextCursor: z.string().nullable() });
export type LeadListResponse = z.infer<typeof LeadListResponse>;

export const UnmergeRequest = z.object({ mergeId: z.string().min(1).max(64).optional() }).strict();
export const UnmergeResponse = z.object({ lead: LeadDetail, restored: LeadDetail, merge: LeadMergeRecord });

// ——— Lead sources ———

export const LEAD_PRESETS = ['web_form', 'ad_platform', 'call_center', 'trade_show_qr', 'custom'] as const;
export const LeadPreset = z.enum(LEAD_PRESETS);
export type LeadPreset = z.infer<typeof LeadPreset>;

export const MAPPING_TRANSFORMS = ['trim', 'lower', 'upper', 'digits', 'e164'] as const;
export const MappingTransform = z.enum(MAPPING_TRANSFORMS);
export type MappingTransform = z.infer<typeof MappingTransform>;

/** Lead fields a mapping may fill; `fields.<key>` fills a custom field too. */
export const MAPPING_TARGETS = [
  'name',
  'phone',
  'email',
  'wechat',
  'wechatUnionId',
  'company',
  'title',
  'region',
  'industry',
  'campaign',
  'page',
  'consent',
  'occurredAt',
  'externalId',
] as const;

/**
 * Where one lead field comes from: a JSON path into the payload (`badge.mobile`,
 * `form_detail[name=公司名称].value`, `items[0].id`), several paths (the first
 * that has a value wins), or a constant; then transforms in order.
 */
export const FieldMapping = z.union([
  z.string().min(1).max(256),
  z
    .object({
      path: z.union([z.string().min(1).max(256), z.array(z.string().min(1).max(256)).min(1).max(8)]).optional(),
      const: z.union([z.string().max(2000), z.number(), z.boolean()]).optional(),
      transform: z.array(MappingTransform).max(5).optional(),
      required: z.boolean().optional(),
    })
    .strict()
    .refine((rule) => (rule.path === undefined) !== (rule.const === undefined), 'give exactly one of path or const'),
]);
export type FieldMapping = z.infer<typeof FieldMapping>;

export const MAX_MAPPING_TARGETS = 64;
export const LeadMapping = z
  .record(z.string().min(1).max(80), FieldMapping)
  .refine((mapping) => Object.keys(mapping).length <= MAX_MAPPING_TARGETS, `at most ${MAX_MAPPING_TARGETS} targets`);
export type LeadMapping = z.infer<typeof LeadMapping>;

export const DEFAULT_FIRST_RESPONSE_SLA = 'PT48H';

export const IsoDurationText = z
  .string()
  .trim()
  .max(64)
  .refine((text) => parseIsoDuration(text) !== undefined, 'must be an ISO 8601 duration without years or months, e.g. PT48H, P2D, PT30M, PT2S');

export const WorkingHoursInput = z
  .array(z.object({ start: z.string(), end: z.string() }).strict())
  .min(1)
  .max(4)
  .superRefine((pairs, ctx) => {
    const parsed = parseWorkingHours(pairs);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
  });

/** `true`: 09:00–18:00 Beijing time on Chinese workdays (调休 included); or give the windows. */
export const WorkingTimeInput = z.union([z.boolean(), z.object({ hours: WorkingHoursInput }).strict()]);

export const LEAD_SOURCE_SLUG = /^[a-z0-9][a-z0-9_-]{1,62}$/;

export const LeadSourceInput = z
  .object({
    slug: z.string().regex(LEAD_SOURCE_SLUG, 'must be 2–63 lower-case letters, digits, - or _'),
    name: z.string().trim().min(1).max(100).optional(),
    preset: LeadPreset,
    mapping: LeadMapping.optional(),
    firstResponseSla: IsoDurationText.optional(),
    workingTime: WorkingTimeInput.optional(),
  })
  .strict();
export type LeadSourceInput = z.input<typeof LeadSourceInput>;

export const LeadSourceView = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string().nullable(),
  preset: LeadPreset,
  mapping: z.record(z.string(), FieldMapping),
  firstResponseSla: z.string(),
  workingTime: z.object({ hours: z.array(z.object({ start: z.string(), end: z.string() })) }).nullable(),
  /** Where the platform sends its webhooks. */
  inboundPath: z.string(),
  createdAt: IsoDateTime,
  secretRotatedAt: IsoDateTime.nullable(),
  /** Until then the secret before the last rotation still verifies. */
  previousSecretValidUntil: IsoDateTime.nullable(),
});
export type LeadSourceView = z.infer<typeof LeadSourceView>;

export const LeadSourceCreated = z.object({ source: LeadSourceView, secret: z.string() });
export const LeadSourceList = z.object({ sources: z.array(LeadSourceView) });

export const InboundResult = z.object({
  lead: z.object({ id: z.string() }),
  created: z.boolean(),
  merged: z.boolean(),
  /** This webhook-id had been processed before; nothing was stored again. */
  duplicate: z.boolean(),
});

// ——— Assignment ———

const strategy = z
  .enum(['round_robin', 'least_loaded', 'round-robin', 'least-loaded'])
  .transform((value) => value.replace('-', '_') as 'round_robin' | 'least_loaded');

const matchValues = z.union([z.string().trim().min(1).max(128), z.array(z.string().trim().min(1).max(128)).min(1).max(100)]);

export const MAX_ASSIGNMENT_RULES = 100;
export const MAX_DAILY_CAPACITY = 100_000;

export const AssignmentRuleInput = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be 1–64 letters, digits, _ . or -'),
    name: z.string().trim().min(1).max(100).optional(),
    /** Every key given must match (any of its values); an empty match takes every lead. */
    match: z
      .object({ source: matchValues.optional(), region: matchValues.optional(), industry: matchValues.optional(), campaign: matchValues.optional() })
      .strict()
      .default({}),
    strategy,
    reps: z
      .array(
        z
          .object({
            id: z.string().trim().min(1).max(64),
            name: z.string().trim().min(1).max(100).optional(),
            dailyCapacity: z.number().int().min(0).max(MAX_DAILY_CAPACITY).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(200),
    /** Leads per rep per day (Beijing time) unless the rep sets its own; absent = unlimited. */
    dailyCapacity: z.number().int().min(0).max(MAX_DAILY_CAPACITY).optional(),
  })
  .strict();
export type AssignmentRuleInput = z.input<typeof AssignmentRuleInput>;
export type AssignmentRule = z.output<typeof AssignmentRuleInput>;

export const AssignmentRulesInput = z
  .object({ rules: z.array(AssignmentRuleInput).max(MAX_ASSIGNMENT_RULES) })
  .strict()
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.rules.forEach((rule, index) => {
      if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: ['rules', index, 'id'], message: `duplicate rule id "${rule.id}"` });
      seen.add(rule.id);
      const reps = new Set<string>();
      rule.reps.forEach((rep, repIndex) => {
        if (reps.has(rep.id)) ctx.addIssue({ code: 'custom', path: ['rules', index, 'reps', repIndex, 'id'], message: `rep "${rep.id}" is listed twice` });
        reps.add(rep.id);
      });
    });
  });
export const AssignmentRulesResponse = z.object({ rules: z.array(z.unknown()), updatedAt: IsoDateTime.nullable() });

export const FirstResponseResult = z.object({ lead: Lead, alreadyResponded: z.boolean() });
