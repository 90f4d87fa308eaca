import { z } from 'zod';
import { IsoDateTime } from './common.js';

/** The customer journey on one list and the rep's daily report (server/src/reports). */
export const LEAD_TIMELINE_KINDS = [
  'lead.created',
  'touchpoint',
  'first_response',
  'sla_breach',
  'event',
  'signal',
  'deal',
  'deal.stalled',
  'task',
  'task.overdue',
  'outcome',
] as const;
export const LeadTimelineEvent = z.object({
  at: IsoDateTime,
  kind: z.string(),
  /** The domain it came from: leads, tracking, signals, pipeline, tasks, assistant. */
  source: z.string(),
  actor: z.string().nullable().optional(),
  role: z.string().nullable().optional(),
  summary: z.string(),
  /** A break in the journey: an SLA breach, a stalled stage, an overdue task. */
  flagged: z.boolean().optional(),
  ref: z.string().nullable().optional(),
});
export type LeadTimelineEvent = z.infer<typeof LeadTimelineEvent>;
export const LeadTimelineResponse = z.object({ leadId: z.string(), events: z.array(LeadTimelineEvent), breaks: z.number().int() });
export type LeadTimelineResponse = z.infer<typeof LeadTimelineResponse>;

export const DailyReportQuery = z
  .object({
    rep: z.string().trim().min(1).max(128).optional(),
    date: z.iso.date().optional(),
    format: z.enum(['json', 'md']).optional(),
    lang: z.enum(['zh-CN', 'en']).optional(),
  })
  .strict();
export type DailyReportQuery = z.infer<typeof DailyReportQuery>;

export const DailyReport = z.object({
  rep: z.string().nullable(),
  /** Local date in Asia/Shanghai. */
  date: z.iso.date(),
  from: IsoDateTime,
  to: IsoDateTime,
  asOf: IsoDateTime,
  newLeads: z.object({ total: z.number().int(), manufacturing: z.number().int(), byIndustry: z.array(z.object({ industry: z.string(), count: z.number().int() })) }),
  highIntent: z.object({
    customers: z.number().int(),
    /** Days since each one's deal entered its stage (or the lead arrived), averaged; null with none. */
    avgStalledDays: z.number().nullable(),
    threshold: z.number(),
    leads: z.array(z.object({ leadId: z.string(), name: z.string().nullable(), company: z.string().nullable(), score: z.number(), stalledDays: z.number() })),
  }),
  pendingTasks: z.object({ total: z.number().int(), overdue: z.number().int(), tasks: z.array(z.object({ id: z.string(), type: z.string(), title: z.string(), status: z.string(), due: z.string().nullable(), overdue: z.boolean() })) }),
  slaBreaches: z.object({ total: z.number().int(), leads: z.array(z.object({ leadId: z.string(), name: z.string().nullable(), breachedAt: IsoDateTime })) }),
  stalledDeals: z.object({ total: z.number().int(), deals: z.array(z.object({ dealId: z.string(), stage: z.string(), stageName: z.string(), workingDays: z.number() })) }),
  /** The report's sentences (zh-CN), as in the Markdown. */
  headline: z.array(z.string()),
});
export type DailyReport = z.infer<typeof DailyReport>;
