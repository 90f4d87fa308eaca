import { z } from 'zod';
import { parseWorkingHours } from '../working-time.js';
import { HttpUrl, IsoDateTime } from './common.js';

/**
 * Pipeline visibility: the host CRM keeps its pipeline and reports it here as
 * events; Huashu rebuilds each deal's history from them and answers gate
 * checks, time-in-stage statistics, stalled deals and process-health metrics.
 */

export const MAX_PIPELINE_STAGES = 50;
export const MAX_CHECKLIST_ITEMS = 50;
export const MAX_PIPELINE_EVENTS = 1000;
export const MAX_NOTE_LENGTH = 5000;
/** Notes a `deal.stalled` alert carries. */
export const STALL_NOTES = 3;
/** Who a stalled deal alerts when its stage names nobody. */
export const DEFAULT_STALL_ALERT = ['owner', 'manager'] as const;
/** The stage 线索培育有效性 counts as "reached" when no other is configured (matched by key or name). */
export const DEFAULT_NURTURING_STAGE = '方案演示';

const Key = z.string().trim().min(1).max(64);
const Label = z.string().trim().min(1).max(200);
/** owner, team, region … as the CRM names them. */
const Attribute = z.string().trim().min(1).max(100);
const FieldValue = z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]);

export const StageKey = Key;

/** A field the deal must have (non-empty) to enter the stage: its key, or the key with labels for the messages. */
export const FieldRequirement = z.union([Key, z.object({ key: Key, label: Label.optional(), labelEn: Label.optional() }).strict()]);
export type FieldRequirement = z.infer<typeof FieldRequirement>;

/** A file the deal must carry, by kind (定制化PPT, 竞品分析); `min` of them, default 1. */
export const FileRequirement = z.union([
  Key,
  z.object({ kind: Key, label: Label.optional(), labelEn: Label.optional(), min: z.number().int().min(1).max(20).optional() }).strict(),
]);
export type FileRequirement = z.infer<typeof FileRequirement>;

export const ChecklistItem = z.object({ key: Key, label: Label, labelEn: Label.optional() }).strict();
export type ChecklistItem = z.infer<typeof ChecklistItem>;

/** k-of-n: at least `minChecked` of `items` must be ticked (已确认产线节拍瓶颈 / 已采集PLC型号 / … 任选2项). */
export const GateChecklist = z
  .object({ items: z.array(ChecklistItem).min(1).max(MAX_CHECKLIST_ITEMS), minChecked: z.number().int().min(1) })
  .strict()
  .superRefine((checklist, ctx) => {
    if (checklist.minChecked > checklist.items.length) {
      ctx.addIssue({ code: 'custom', path: ['minChecked'], message: `must be at most the number of items (${checklist.items.length})` });
    }
    const seen = new Set<string>();
    checklist.items.forEach((item, index) => {
      if (seen.has(item.key)) ctx.addIssue({ code: 'custom', path: ['items', index, 'key'], message: `"${item.key}" is listed twice` });
      seen.add(item.key);
    });
  });
export type GateChecklist = z.infer<typeof GateChecklist>;

/** Linked contacts: at least `min`, and one in each of `roles` (决策人, 技术负责人). */
export const ContactRequirement = z
  .object({ min: z.number().int().min(1).max(50).optional(), roles: z.array(Label).max(20).optional() })
  .strict();
export type ContactRequirement = z.infer<typeof ContactRequirement>;

/** What must hold for a deal to enter a stage. */
export const StageGate = z
  .object({
    requiredFields: z.array(FieldRequirement).max(50).optional(),
    requiredFiles: z.array(FileRequirement).max(20).optional(),
    contacts: ContactRequirement.optional(),
    checklist: GateChecklist.optional(),
  })
  .strict();
export type StageGate = z.infer<typeof StageGate>;

export const StageDefinition = z
  .object({
    key: Key,
    name: Label,
    nameEn: Label.optional(),
    order: z.number().int().min(0).max(10_000),
    /** Deals end here (赢单, 输单): entries are counted, time in it is not, and it never stalls. */
    terminal: z.boolean().optional(),
    gate: StageGate.optional(),
    /** A deal longer than this in the stage with no note in that time is stalled. */
    stall: z.object({ workingDays: z.number().positive().max(365) }).strict().optional(),
    /** Who a stall alerts: `owner`, `manager`, or a named role (法务). @default ['owner', 'manager'] */
    alert: z.array(z.string().trim().min(1).max(64)).min(1).max(10).optional(),
  })
  .strict()
  .refine((stage) => !(stage.terminal && stage.stall), { path: ['stall'], message: 'a terminal stage cannot stall' });
export type StageDefinition = z.infer<typeof StageDefinition>;

/** Working windows of a workday, Beijing time, e.g. `[{ start: '09:00', end: '18:00' }]`. */
export const PipelineWorkingHours = z
  .array(z.object({ start: z.string(), end: z.string() }).strict())
  .min(1)
  .max(4)
  .superRefine((pairs, ctx) => {
    const parsed = parseWorkingHours(pairs);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
  });

export const PipelineStagesRequest = z
  .object({
    stages: z.array(StageDefinition).min(1).max(MAX_PIPELINE_STAGES),
    /** The working day that time in stage is counted in. @default 09:00–18:00 */
    workingHours: PipelineWorkingHours.optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    const keys = new Set<string>();
    const orders = new Set<number>();
    body.stages.forEach((stage, index) => {
      if (keys.has(stage.key)) ctx.addIssue({ code: 'custom', path: ['stages', index, 'key'], message: `stage "${stage.key}" is defined twice` });
      if (orders.has(stage.order)) ctx.addIssue({ code: 'custom', path: ['stages', index, 'order'], message: `another stage already has order ${stage.order}` });
      keys.add(stage.key);
      orders.add(stage.order);
    });
  });
export type PipelineStagesRequest = z.input<typeof PipelineStagesRequest>;

export const PipelineStagesResponse = z.object({
  stages: z.array(StageDefinition),
  workingHours: z.array(z.object({ start: z.string(), end: z.string() })),
});
export type PipelineStagesResponse = z.infer<typeof PipelineStagesResponse>;

// ——— Events from the CRM ———

export const PIPELINE_EVENT_TYPES = [
  'deal.stage_changed',
  'deal.note_added',
  'deal.file_attached',
  'deal.field_updated',
  'deal.contact_linked',
  'deal.message',
] as const;
export const PipelineEventType = z.enum(PIPELINE_EVENT_TYPES);
export type PipelineEventType = z.infer<typeof PipelineEventType>;

const NoteText = z.string().trim().min(1).max(MAX_NOTE_LENGTH);

/** What each event type must carry besides the envelope. */
const REQUIRED_BY_TYPE: Record<PipelineEventType, 'to' | 'note' | 'file' | 'fields' | 'contact' | 'message'> = {
  'deal.stage_changed': 'to',
  'deal.note_added': 'note',
  'deal.file_attached': 'file',
  'deal.field_updated': 'fields',
  'deal.contact_linked': 'contact',
  'deal.message': 'message',
};

export const PipelineEvent = z
  .object({
    /** The CRM's id of this event: sending it again is a no-op. */
    id: z.string().trim().min(1).max(100),
    type: PipelineEventType,
    dealId: Key,
    /** When it happened in the CRM; history is rebuilt in this order, whatever the arrival order. */
    at: IsoDateTime,
    owner: Attribute.optional(),
    manager: Attribute.optional(),
    team: Attribute.optional(),
    region: Attribute.optional(),
    industry: Attribute.optional(),
    productLine: Attribute.optional(),
    /** The Huashu lead this deal came from: links its tracking events (documents opened) to the deal. */
    leadId: z.string().max(64).optional(),
    from: Key.optional(),
    to: Key.optional(),
    /** `deal.note_added`: the text, or `{ text, author, fields? }` (`fields`: what POST /v1/notes/extract read from it). */
    note: z.union([NoteText, z.object({ text: NoteText, author: Attribute.optional(), fields: z.record(z.string(), z.unknown()).optional() }).strict()]).optional(),
    /** `deal.file_attached`. */
    file: z.object({ kind: Key, name: z.string().trim().max(300).optional(), url: HttpUrl.optional() }).strict().optional(),
    /** `deal.field_updated`: the fields that changed (null clears one). */
    fields: z.record(Key, FieldValue).optional(),
    /** `deal.contact_linked`. */
    contact: z.object({ id: z.string().max(100).optional(), name: Label, role: Label.optional() }).strict().optional(),
    /** `deal.message`: a message between the rep and the customer (its text stays in the CRM). */
    message: z.object({ from: z.enum(['customer', 'rep']), channel: z.string().max(50).optional() }).strict().optional(),
  })
  .strict()
  .superRefine((event, ctx) => {
    const required = REQUIRED_BY_TYPE[event.type];
    if (event[required] === undefined) ctx.addIssue({ code: 'custom', path: [required], message: `a ${event.type} event needs ${required}` });
  });
export type PipelineEvent = z.infer<typeof PipelineEvent>;

export const PipelineEventsRequest = z.object({ events: z.array(z.unknown()).min(1).max(MAX_PIPELINE_EVENTS) }).strict();
export type PipelineEventsRequest = { events: z.input<typeof PipelineEvent>[] };

export const PipelineEventsResponse = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.array(z.object({ index: z.number().int(), error: z.string() })),
  /** Deals whose history was rebuilt. */
  deals: z.number().int(),
});
export type PipelineEventsResponse = z.infer<typeof PipelineEventsResponse>;

// ——— Gate check ———

export const GateCheckRequest = z
  .object({
    dealId: Key,
    toStage: Key,
    /** Field values the CRM holds now; merged over those reported by events. */
    fields: z.record(Key, FieldValue).optional(),
    /** Files by kind (or `{ kind, name }`), besides those reported by events. */
    files: z.array(z.union([Key, z.object({ kind: Key, name: z.string().max(300).optional() }).strict()])).max(200).optional(),
    /** Ticked checklist items: their keys, or `{ key: true }`. */
    checklist: z.union([z.array(Key).max(MAX_CHECKLIST_ITEMS), z.record(Key, z.boolean())]).optional(),
    /** Linked contacts besides those reported by events. */
    contacts: z.array(z.object({ id: z.string().max(100).optional(), name: Label.optional(), role: Label.optional() }).strict()).max(200).optional(),
    /** Language of `message`. @default 'zh-CN' */
    lang: z.enum(['zh-CN', 'en']).optional(),
  })
  .strict();
export type GateCheckRequest = z.input<typeof GateCheckRequest>;

export const GateMissing = z.object({
  kind: z.enum(['field', 'file', 'contact', 'checklist']),
  key: z.string(),
  /** In the request's language (Chinese by default). */
  message: z.string(),
  messages: z.object({ zh: z.string(), en: z.string() }),
});
export type GateMissing = z.infer<typeof GateMissing>;

export const GateCheckResponse = z.object({
  allowed: z.boolean(),
  missing: z.array(GateMissing),
  stage: z.string(),
  checkId: z.string(),
});
export type GateCheckResponse = z.infer<typeof GateCheckResponse>;

// ——— Time in stage ———

export const PIPELINE_GROUPS = ['region', 'industry', 'productLine', 'team', 'owner'] as const;
export const PipelineGroupBy = z.enum(PIPELINE_GROUPS);
export type PipelineGroupBy = z.infer<typeof PipelineGroupBy>;

/** A date (`2026-10-01`, midnight Beijing time) or an ISO date-time. */
export const PeriodBound = z.union([z.iso.date(), IsoDateTime]);

export const StageStatsQuery = z
  .object({ groupBy: PipelineGroupBy.optional(), from: PeriodBound.optional(), to: PeriodBound.optional() })
  .strict();
export type StageStatsQuery = z.input<typeof StageStatsQuery>;

export const HeatmapQuery = z
  .object({ groupBy: PipelineGroupBy.optional(), from: PeriodBound.optional(), to: PeriodBound.optional(), lang: z.enum(['zh-CN', 'en']).optional() })
  .strict();

export const StageStat = z.object({
  stage: z.string(),
  stageName: z.string(),
  /** The group's value; `null` when the deals did not report it; `'all'` without `groupBy`. */
  group: z.string().nullable(),
  /** Deals that entered the stage in the period. */
  deals: z.number().int(),
  /** Entries into the stage (a deal that came back counts again). */
  entries: z.number().int(),
  /** Entries still in the stage, timed up to `asOf` (time in a terminal stage is not counted). */
  open: z.number().int(),
  avgWorkingDays: z.number().nullable(),
  p90WorkingDays: z.number().nullable(),
  avgCalendarDays: z.number().nullable(),
  /** Share of the deals at this stage (those that entered it, and those refused that never did) that failed a gate check for it. */
  blockingRate: z.number().nullable(),
  blockedDeals: z.number().int(),
  /** Stall alerts raised in this stage. */
  escalations: z.number().int(),
  /** Moves out of this stage to an earlier one. */
  backwardMoves: z.number().int(),
});
export type StageStat = z.infer<typeof StageStat>;

export const StageStatsResponse = z.object({
  groupBy: PipelineGroupBy.nullable(),
  from: IsoDateTime.nullable(),
  to: IsoDateTime.nullable(),
  asOf: IsoDateTime,
  stages: z.array(z.object({ key: z.string(), name: z.string(), nameEn: z.string().nullable(), order: z.number().nullable(), terminal: z.boolean() })),
  groups: z.array(z.string().nullable()),
  stats: z.array(StageStat),
});
export type StageStatsResponse = z.infer<typeof StageStatsResponse>;

// ——— Stalled deals ———

export const StalledQuery = z
  .object({ owner: Attribute.optional(), team: Attribute.optional(), stage: Key.optional() })
  .strict();

export const NoteView = z.object({ text: z.string(), author: z.string().nullable(), at: IsoDateTime });
export type NoteView = z.infer<typeof NoteView>;

export const StallRecipient = z.object({ role: z.string(), id: z.string().nullable() });

export const StalledDeal = z.object({
  dealId: z.string(),
  stage: z.string(),
  stageName: z.string(),
  /** Working days since the later of entering the stage and the last note. */
  workingDays: z.number(),
  calendarDays: z.number(),
  thresholdWorkingDays: z.number(),
  /** Start of the quiet time: entering the stage, or the last note in it. */
  since: IsoDateTime,
  enteredAt: IsoDateTime,
  owner: z.string().nullable(),
  manager: z.string().nullable(),
  team: z.string().nullable(),
  region: z.string().nullable(),
  industry: z.string().nullable(),
  productLine: z.string().nullable(),
  /** The deal's last three notes' text, newest first. */
  lastNotes: z.array(z.string()),
  lastNoteDetails: z.array(NoteView),
  recipients: z.array(StallRecipient),
  /** When `deal.stalled` went out for this episode; null until the periodic check has run. */
  alertedAt: IsoDateTime.nullable(),
});
export type StalledDeal = z.infer<typeof StalledDeal>;

export const StalledResponse = z.object({ asOf: IsoDateTime, deals: z.array(StalledDeal) });
export type StalledResponse = z.infer<typeof StalledResponse>;

// ——— Process health ———

export const DEFAULT_HEALTH_THRESHOLDS = { leadNurturing: 0.25, progressCompliance: 0.9, customerTrust: 7.2 } as const;
export const DEFAULT_TRUST_WEIGHTS = { documents: 0.3, offHoursReplies: 0.4, customerInitiated: 0.3 } as const;
/** Documents shared a week that earn the full 10 points. */
export const DEFAULT_DOCUMENTS_PER_WEEK_TARGET = 3;
/** An off-hours customer message counts as answered when the rep replied within this. */
export const DEFAULT_OFF_HOURS_REPLY_MINUTES = 120;
/** Silence on a deal after which the next message starts a new conversation. */
export const DEFAULT_CONVERSATION_GAP_HOURS = 24;
/** Health metrics look back this far when `from` is not given. */
export const DEFAULT_HEALTH_PERIOD_DAYS = 28;

export const HealthSettingsInput = z
  .object({
    /** The stage (key or name) 线索培育有效性 counts as reached. @default '方案演示' */
    nurturingStage: Key.optional(),
    thresholds: z
      .object({ leadNurturing: z.number().min(0).max(1).optional(), progressCompliance: z.number().min(0).max(1).optional(), customerTrust: z.number().min(0).max(10).optional() })
      .strict()
      .optional(),
    trustWeights: z
      .object({ documents: z.number().min(0).max(1).optional(), offHoursReplies: z.number().min(0).max(1).optional(), customerInitiated: z.number().min(0).max(1).optional() })
      .strict()
      .optional(),
    documentsPerWeekTarget: z.number().positive().max(100).optional(),
    offHoursReplyMinutes: z.number().int().min(1).max(1440).optional(),
    conversationGapHours: z.number().positive().max(720).optional(),
  })
  .strict();
export type HealthSettingsInput = z.input<typeof HealthSettingsInput>;

export const HealthSettings = z.object({
  nurturingStage: z.string(),
  thresholds: z.object({ leadNurturing: z.number(), progressCompliance: z.number(), customerTrust: z.number() }),
  trustWeights: z.object({ documents: z.number(), offHoursReplies: z.number(), customerInitiated: z.number() }),
  documentsPerWeekTarget: z.number(),
  offHoursReplyMinutes: z.number(),
  conversationGapHours: z.number(),
});
export type HealthSettings = z.infer<typeof HealthSettings>;

export const HealthQuery = z
  .object({ rep: Attribute.optional(), team: Attribute.optional(), from: PeriodBound.optional(), to: PeriodBound.optional() })
  .strict();
export type HealthQuery = z.input<typeof HealthQuery>;

const Ratio = z.object({
  value: z.number().nullable(),
  numerator: z.number().int(),
  denominator: z.number().int(),
  threshold: z.number(),
  /** null when there is nothing to measure yet. */
  healthy: z.boolean().nullable(),
});

const TrustComponent = z.object({ value: z.number().nullable(), score: z.number().nullable(), weight: z.number() });

export const HealthMetrics = z.object({
  /** 线索培育有效性: new deals that reached the nurturing stage ÷ new deals. */
  leadNurturing: Ratio,
  /** 商机推进合规率: entries into gated stages whose gate check passed ÷ those entries. */
  progressCompliance: Ratio,
  /** 客户信任指数, 0–10. */
  customerTrust: z.object({
    value: z.number().nullable(),
    threshold: z.number(),
    healthy: z.boolean().nullable(),
    components: z.object({
      documentsPerWeek: TrustComponent.extend({ documents: z.number().int(), weeks: z.number() }),
      offHoursReplyRate: TrustComponent.extend({ received: z.number().int(), replied: z.number().int() }),
      customerInitiated: TrustComponent.extend({ conversations: z.number().int(), initiated: z.number().int() }),
    }),
  }),
});
export type HealthMetrics = z.infer<typeof HealthMetrics>;

export const HealthResponse = z.object({
  from: IsoDateTime,
  to: IsoDateTime,
  settings: HealthSettings,
  labels: z.record(z.string(), z.object({ zh: z.string(), en: z.string() })),
  reps: z.array(z.object({ rep: z.string().nullable(), team: z.string().nullable(), deals: z.number().int(), metrics: HealthMetrics })),
  teams: z.array(z.object({ team: z.string().nullable(), deals: z.number().int(), metrics: HealthMetrics })),
});
export type HealthResponse = z.infer<typeof HealthResponse>;
