import { z } from 'zod';
import { HttpUrl, IsoDateTime } from './common.js';

/**
 * Task cards between roles (server/src/tasks): a rep asks presales, delivery
 * or finance for something; the card carries the deal's context, its
 * deliverable follows the task type's template, and every step is on an
 * append-only timeline.
 */
export const MAX_TEMPLATE_SECTIONS = 30;
export const MAX_SECTION_TEXT = 20_000;
const Key = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits, _ . : - only');
const Label = z.string().trim().min(1).max(100);
const Text = z.string().trim().min(1).max(2000);

export const TaskType = Key;
export const TASK_STATUSES = ['open', 'accepted', 'submitted', 'changes_requested', 'approved', 'cancelled'] as const;
export const TaskStatus = z.enum(TASK_STATUSES);
export type TaskStatus = z.infer<typeof TaskStatus>;
/** Statuses a task leaves only by being approved or cancelled: what "pending" counts. */
export const OPEN_TASK_STATUSES: readonly TaskStatus[] = ['open', 'accepted', 'submitted', 'changes_requested'];

export const TaskTemplateSection = z
  .object({ key: Key, title: Label, required: z.boolean().default(true) })
  .strict();

export const TaskTemplateRequest = z
  .object({
    /** The deliverable's name, e.g. 《技术可行性评估报告》. */
    title: Label.optional(),
    sections: z.array(TaskTemplateSection).min(1).max(MAX_TEMPLATE_SECTIONS),
  })
  .strict()
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.sections.forEach((section, index) => {
      if (seen.has(section.key)) ctx.addIssue({ code: 'custom', path: ['sections', index, 'key'], message: `section "${section.key}" is defined twice` });
      seen.add(section.key);
    });
  });
export type TaskTemplateRequest = z.input<typeof TaskTemplateRequest>;

export const TaskTemplate = z.object({
  type: z.string(),
  title: z.string().nullable(),
  sections: z.array(z.object({ key: z.string(), title: z.string(), required: z.boolean() })),
  updatedAt: IsoDateTime,
});
export type TaskTemplate = z.infer<typeof TaskTemplate>;
export const TaskTemplateResponse = z.object({ template: TaskTemplate });

/** Who acted: a rep token's rep, or whom the CRM names when it calls with the secret key. */
export const TaskActorInput = z
  .object({ id: Label, name: Label.optional(), role: Label.optional(), department: Label.optional() })
  .strict();
export type TaskActorInput = z.infer<typeof TaskActorInput>;
export const TaskActor = z.object({ id: z.string(), name: z.string().nullable(), role: z.string().nullable(), department: z.string().nullable() });
export type TaskActor = z.infer<typeof TaskActor>;

/** Fields shared by every write: the business role and department the actor acts in (sales, presales, 售前部). */
const ActingAs = {
  actor: TaskActorInput.optional(),
  role: Label.optional(),
  department: Label.optional(),
};

export const TaskCreateRequest = z
  .object({
    type: TaskType,
    title: Label.optional(),
    dealId: z.string().trim().min(1).max(100).optional(),
    leadId: z.string().trim().min(1).max(64).optional(),
    /** The business role the card goes to (presales, delivery, finance). */
    assigneeRole: Label.optional(),
    /** A named person (rep id). */
    assignee: Label.optional(),
    due: IsoDateTime.optional(),
    /** The meeting summary the rep passes along. */
    summary: z.string().trim().min(1).max(MAX_SECTION_TEXT).optional(),
    /** Terms agreed with the customer, exactly as the rep states them (付款方式: 分三期 …); merged over the deal's fields. */
    keyTerms: z.record(z.string().trim().min(1).max(64), z.string().trim().max(500)).optional(),
    /** The date the rep promised the customer. */
    promisedDate: z.iso.date().optional(),
    ...ActingAs,
  })
  .strict()
  .superRefine((body, ctx) => {
    if (!body.assigneeRole && !body.assignee) ctx.addIssue({ code: 'custom', path: ['assigneeRole'], message: 'name the role (assigneeRole) or the person (assignee) the task goes to' });
  });
export type TaskCreateRequest = z.input<typeof TaskCreateRequest>;

export const TaskContext = z.object({
  lead: z.object({ id: z.string(), name: z.string().nullable(), company: z.string().nullable(), title: z.string().nullable(), industry: z.string().nullable(), region: z.string().nullable(), source: z.string() }).nullable(),
  deal: z
    .object({
      id: z.string(),
      stage: z.string().nullable(),
      owner: z.string().nullable(),
      team: z.string().nullable(),
      region: z.string().nullable(),
      industry: z.string().nullable(),
      productLine: z.string().nullable(),
      contacts: z.array(z.object({ name: z.string(), role: z.string().nullable() })),
      files: z.array(z.object({ kind: z.string(), name: z.string().nullable() })),
    })
    .nullable(),
  lastNotes: z.array(z.object({ text: z.string(), author: z.string().nullable(), at: IsoDateTime })),
  meetingSummary: z.string().nullable(),
  /** The deal's fields with the rep's stated terms over them: what delivery and finance read instead of re-asking. */
  keyTerms: z.record(z.string(), z.unknown()),
  promisedDate: z.string().nullable(),
  /** Constraints presales confirmed (comments of kind constraint). */
  constraints: z.array(z.string()),
});
export type TaskContext = z.infer<typeof TaskContext>;

export const Task = z.object({
  id: z.string(),
  type: z.string(),
  title: z.string(),
  status: TaskStatus,
  leadId: z.string().nullable(),
  dealId: z.string().nullable(),
  requester: TaskActor,
  assignee: z.string().nullable(),
  assigneeRole: z.string().nullable(),
  due: IsoDateTime.nullable(),
  overdue: z.boolean(),
  context: TaskContext,
  template: TaskTemplate.nullable(),
  deliverable: z.object({ sections: z.record(z.string(), z.string()), version: z.number().int(), submittedAt: IsoDateTime }).nullable(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Task = z.infer<typeof Task>;
export const TaskResponse = z.object({ task: Task });
export type TaskResponse = z.infer<typeof TaskResponse>;

export const TaskListQuery = z
  .object({
    status: TaskStatus.optional(),
    leadId: z.string().max(64).optional(),
    dealId: z.string().max(100).optional(),
    assigneeRole: Label.optional(),
    mine: z.enum(['true', 'false']).optional(),
  })
  .strict();
export const TaskListResponse = z.object({ tasks: z.array(Task) });

export const TaskAttachment = z.object({ name: Label, url: HttpUrl }).strict();

export const TaskDeliverableRequest = z
  .object({
    sections: z.record(Key, z.string().max(MAX_SECTION_TEXT)),
    attachments: z.array(TaskAttachment).max(20).optional(),
    ...ActingAs,
  })
  .strict();
export type TaskDeliverableRequest = z.input<typeof TaskDeliverableRequest>;

export const TaskCommentRequest = z
  .object({
    text: Text.optional(),
    /** `constraint`: a constraint the assignee confirmed; it joins the card's context. */
    kind: z.enum(['comment', 'constraint']).optional(),
    attachments: z.array(TaskAttachment).max(20).optional(),
    ...ActingAs,
  })
  .strict()
  .superRefine((body, ctx) => {
    if (!body.text && !(body.attachments && body.attachments.length > 0)) ctx.addIssue({ code: 'custom', path: ['text'], message: 'a comment needs text or attachments' });
  });
export type TaskCommentRequest = z.input<typeof TaskCommentRequest>;

export const TaskChangeRequest = z
  .object({
    status: z.enum(['accepted', 'cancelled']).optional(),
    assignee: Label.optional(),
    due: IsoDateTime.optional(),
    ...ActingAs,
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.status === undefined && body.assignee === undefined && body.due === undefined) ctx.addIssue({ code: 'custom', path: ['status'], message: 'change at least one of status, assignee, due' });
  });
export type TaskChangeRequest = z.input<typeof TaskChangeRequest>;

export const TaskReviewRequest = z
  .object({ decision: z.enum(['approve', 'request_changes']), comment: Text.optional(), ...ActingAs })
  .strict()
  .superRefine((body, ctx) => {
    if (body.decision === 'request_changes' && !body.comment) ctx.addIssue({ code: 'custom', path: ['comment'], message: 'say what has to change' });
  });
export type TaskReviewRequest = z.input<typeof TaskReviewRequest>;

export const TASK_EVENT_KINDS = ['created', 'comment', 'attachment', 'change', 'deliverable', 'decision'] as const;
export const TaskEvent = z.object({
  seq: z.number().int(),
  at: IsoDateTime,
  kind: z.enum(TASK_EVENT_KINDS),
  actor: z.string().nullable(),
  actorName: z.string().nullable(),
  role: z.string().nullable(),
  department: z.string().nullable(),
  summary: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type TaskEvent = z.infer<typeof TaskEvent>;
export const TaskTimelineResponse = z.object({ events: z.array(TaskEvent) });

/** The approval step: the decision to take and everything it rests on. */
export const TaskApprovalResponse = z.object({
  task: Task,
  missing: z.array(z.object({ key: z.string(), title: z.string() })),
});

export const TaskProfilesQuery = z.object({ role: Label.optional() }).strict();
export const TaskProfile = z.object({
  assignee: z.string(),
  role: z.string().nullable(),
  tasks: z.number().int(),
  resolved: z.number().int(),
  /** Minutes from a task's creation to its assignee's first action, averaged; null before any. */
  avgResponseMinutes: z.number().nullable(),
  /** Of the deliverables decided, the share approved at their first review; null before any. */
  firstPassApprovalRate: z.number().nullable(),
});
export type TaskProfile = z.infer<typeof TaskProfile>;
export const TaskProfilesResponse = z.object({ profiles: z.array(TaskProfile) });
export type TaskProfilesResponse = z.infer<typeof TaskProfilesResponse>;
