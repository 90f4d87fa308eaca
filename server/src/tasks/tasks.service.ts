import { randomUUID } from 'node:crypto';
import {
  HuashuError,
  OPEN_TASK_STATUSES,
  type Task,
  type TaskActor,
  type TaskActorInput,
  type TaskChangeRequest,
  type TaskCommentRequest,
  type TaskContext,
  type TaskCreateRequest,
  type TaskDeliverableRequest,
  type TaskEvent,
  type TaskProfile,
  type TaskReviewRequest,
  type TaskStatus,
  type TaskTemplate,
  type TaskTemplateRequest,
} from '@huashu/core';
import { getLead } from '../leads/leads.service.js';
import type { Principal } from '../platform/auth/authenticate.js';
import type { AppContext } from '../platform/context.js';
import type { Queryable } from '../platform/db/types.js';
import { emit } from '../platform/jobs/outbox.js';
import { dealSummary } from '../pipeline/pipeline.service.js';
import * as store from './tasks.store.js';

/** Tasks a list returns at most. */
export const MAX_TASKS_LISTED = 500;
const MINUTE_MS = 60_000;
const RATE_DECIMALS = 10_000;
const MINUTE_DECIMALS = 100;

/** Who acts, and in which business role and department. */
interface ActingAs {
  actor?: TaskActorInput;
  role?: string;
  department?: string;
}

/** A rep token names its rep; the secret key (the CRM) names whom it acts for in `actor`, or acts as `crm`. */
export function actorOf(principal: Principal, body: ActingAs): TaskActor {
  if (principal.kind === 'rep') {
    return { id: principal.rep.repId, name: principal.rep.name, role: body.role ?? body.actor?.role ?? null, department: body.department ?? body.actor?.department ?? null };
  }
  const actor = body.actor;
  return { id: actor?.id ?? 'crm', name: actor?.name ?? null, role: body.role ?? actor?.role ?? null, department: body.department ?? actor?.department ?? null };
}

function notFound(id: string): HuashuError {
  return new HuashuError('not_found', `task ${id} not found`);
}

function templateView(row: store.TemplateRow | undefined): TaskTemplate | null {
  return row ? { type: row.type, title: row.title, sections: row.sections, updatedAt: new Date(row.updated_at).toISOString() } : null;
}

const isOpen = (status: string) => (OPEN_TASK_STATUSES as readonly string[]).includes(status);

export function taskView(row: store.TaskRow, template: store.TemplateRow | undefined, now = new Date()): Task {
  const due = row.due ? new Date(row.due) : null;
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    status: row.status as TaskStatus,
    leadId: row.lead_id,
    dealId: row.deal_id,
    requester: row.requester,
    assignee: row.assignee,
    assigneeRole: row.assignee_role,
    due: due?.toISOString() ?? null,
    overdue: due !== null && isOpen(row.status) && due.getTime() < now.getTime(),
    context: row.context as TaskContext,
    template: templateView(template),
    deliverable: row.deliverable ? { ...row.deliverable, version: row.deliverable_version } : null,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

function eventView(row: store.EventRow): TaskEvent {
  return {
    seq: Number(row.seq),
    at: new Date(row.at).toISOString(),
    kind: row.kind as TaskEvent['kind'],
    actor: row.actor,
    actorName: row.actor_name,
    role: row.role,
    department: row.department,
    summary: row.summary,
    data: row.data,
  };
}

const eventOf = (actor: TaskActor, kind: string, summary: string, data: unknown, at: Date): store.NewEvent => ({
  kind,
  actor: actor.id,
  actorName: actor.name,
  role: actor.role,
  department: actor.department,
  summary,
  data,
  at,
});

/** What the outbox carries for a task: enough for a group-robot card and for the CRM to fetch the rest. */
function outboxTask(task: Task) {
  return {
    id: task.id,
    type: task.type,
    title: task.title,
    status: task.status,
    leadId: task.leadId,
    dealId: task.dealId,
    assignee: task.assignee,
    assigneeRole: task.assigneeRole,
    due: task.due,
    requester: task.requester,
    context: { meetingSummary: task.context.meetingSummary, keyTerms: task.context.keyTerms, promisedDate: task.context.promisedDate, deal: task.context.deal, lead: task.context.lead },
  };
}

// ——— Templates ———

export async function putTemplate(ctx: AppContext, tenantId: string, type: string, body: TaskTemplateRequest): Promise<{ template: TaskTemplate }> {
  const sections = body.sections.map((section) => ({ key: section.key, title: section.title, required: section.required ?? true }));
  return { template: templateView(await store.putTemplate(ctx.db, tenantId, type, body.title ?? null, sections))! };
}

export async function getTemplate(ctx: AppContext, tenantId: string, type: string): Promise<{ template: TaskTemplate }> {
  const template = templateView(await store.getTemplate(ctx.db, tenantId, type));
  if (!template) throw new HuashuError('not_found', `no template for task type ${type}`);
  return { template };
}

// ——— Tasks ———

/** The card's context, gathered once when it is created: what the assignee would otherwise have to ask for. */
async function gatherContext(ctx: AppContext, tenantId: string, body: TaskCreateRequest): Promise<{ context: TaskContext; leadId: string | null }> {
  const summary = body.dealId ? await dealSummary(ctx.db, tenantId, body.dealId) : undefined;
  const leadId = body.leadId ?? summary?.deal.lead_id ?? null;
  let lead: TaskContext['lead'] = null;
  if (leadId) {
    try {
      const found = await getLead(ctx.db, tenantId, leadId);
      lead = { id: found.id, name: found.name, company: found.company, title: found.title, industry: found.industry, region: found.region, source: found.source };
    } catch (error) {
      // A lead named by the caller must exist; one the deal's events point at may be in another system.
      if (body.leadId) throw error;
    }
  }
  const deal = summary?.deal;
  return {
    leadId: lead?.id ?? body.leadId ?? null,
    context: {
      lead,
      deal: deal
        ? {
            id: deal.id,
            stage: deal.stage,
            owner: deal.owner,
            team: deal.team,
            region: deal.region,
            industry: deal.industry,
            productLine: deal.product_line,
            contacts: deal.contacts.map((contact) => ({ name: contact.name, role: contact.role })),
            files: deal.files.map((file) => ({ kind: file.kind, name: file.name })),
          }
        : null,
      lastNotes: summary?.lastNotes ?? [],
      meetingSummary: body.summary ?? null,
      keyTerms: { ...(deal?.fields ?? {}), ...(body.keyTerms ?? {}) },
      promisedDate: body.promisedDate ?? null,
      constraints: [],
    },
  };
}

export async function createTask(ctx: AppContext, principal: Principal, body: TaskCreateRequest, now = new Date()): Promise<{ task: Task }> {
  const tenantId = principal.tenantId;
  const requester = actorOf(principal, body);
  const { context, leadId } = await gatherContext(ctx, tenantId, body);
  const template = await store.getTemplate(ctx.db, tenantId, body.type);
  const id = `task_${randomUUID().replace(/-/g, '')}`;
  const task = await ctx.db.transaction(async (tx) => {
    const row = await store.insertTask(tx, tenantId, {
      id,
      type: body.type,
      title: body.title ?? template?.title ?? body.type,
      leadId,
      dealId: body.dealId ?? null,
      requester,
      assignee: body.assignee ?? null,
      assigneeRole: body.assigneeRole ?? null,
      due: body.due ? new Date(body.due).toISOString() : null,
      context,
      createdAt: now,
    });
    const to = body.assignee ?? body.assigneeRole!;
    await store.appendEvent(tx, tenantId, id, eventOf(requester, 'created', `发起 → ${to}`, { assignee: body.assignee ?? null, assigneeRole: body.assigneeRole ?? null, due: row.due }, now));
    const view = taskView(row, template, now);
    // Delivered to webhook subscriptions and group robots by the outbox, exactly when the task exists.
    await emit(tx, { tenantId, type: 'task.created', data: { task: outboxTask(view) } });
    return view;
  });
  return { task };
}

async function loadTask(db: Queryable, tenantId: string, id: string): Promise<{ row: store.TaskRow; template: store.TemplateRow | undefined }> {
  const row = await store.getTask(db, tenantId, id);
  if (!row) throw notFound(id);
  return { row, template: await store.getTemplate(db, tenantId, row.type) };
}

export async function getTask(ctx: AppContext, tenantId: string, id: string): Promise<{ task: Task }> {
  const { row, template } = await loadTask(ctx.db, tenantId, id);
  return { task: taskView(row, template) };
}

export async function listTasks(ctx: AppContext, principal: Principal, query: { status?: TaskStatus; leadId?: string; dealId?: string; assigneeRole?: string; mine?: 'true' | 'false' }): Promise<{ tasks: Task[] }> {
  const rows = await store.listTasks(ctx.db, principal.tenantId, {
    status: query.status,
    leadIds: query.leadId ? [query.leadId] : undefined,
    dealIds: query.dealId ? [query.dealId] : undefined,
    assigneeRole: query.assigneeRole,
    involving: query.mine === 'true' && principal.kind === 'rep' ? principal.rep.repId : undefined,
    limit: MAX_TASKS_LISTED,
  });
  const templates = new Map<string, store.TemplateRow | undefined>();
  for (const type of new Set(rows.map((row) => row.type))) templates.set(type, await store.getTemplate(ctx.db, principal.tenantId, type));
  const now = new Date();
  return { tasks: rows.map((row) => taskView(row, templates.get(row.type), now)) };
}

/**
 * One step on a task inside a transaction holding its row: the change, its
 * timeline events, and the assignee's first action (the response time of the
 * role profile). A task sent to a role is claimed by whoever accepts it or
 * delivers for it (`claims`).
 */
async function step(
  ctx: AppContext,
  tenantId: string,
  id: string,
  actor: TaskActor,
  now: Date,
  act: (row: store.TaskRow, template: store.TemplateRow | undefined, tx: Queryable) => Promise<{ update: Omit<store.TaskUpdate, 'at'>; events: store.NewEvent[]; outbox?: string; claims?: boolean }>,
): Promise<{ task: Task }> {
  return ctx.db.transaction(async (tx) => {
    const row = await store.getTask(tx, tenantId, id, true);
    if (!row) throw notFound(id);
    const template = await store.getTemplate(tx, tenantId, row.type);
    const { update, events, outbox, claims } = await act(row, template, tx);
    const claiming = Boolean(claims) && row.assignee === null && update.assignee === undefined;
    const assignee = claiming ? actor.id : row.assignee;
    const responding = assignee === actor.id && actor.id !== row.requester_id;
    const updated = await store.updateTask(tx, tenantId, id, {
      ...update,
      ...(responding && !row.first_response_at ? { firstResponseAt: now } : {}),
      ...(claiming ? { assignee: actor.id } : {}),
      at: now,
    });
    for (const event of events) await store.appendEvent(tx, tenantId, id, event);
    const view = taskView(updated, template, now);
    if (outbox) await emit(tx, { tenantId, type: outbox, data: { task: outboxTask(view) } });
    return { task: view };
  });
}

function refuseWhenClosed(row: store.TaskRow): void {
  if (!isOpen(row.status)) throw new HuashuError('conflict', `task ${row.id} is ${row.status}`);
}

/** Required sections with no text, in template order. */
export function missingSections(template: store.TemplateRow | undefined, sections: Record<string, string>): Array<{ key: string; title: string }> {
  return (template?.sections ?? []).filter((section) => section.required && !(sections[section.key] ?? '').trim()).map(({ key, title }) => ({ key, title }));
}

export async function submitDeliverable(ctx: AppContext, principal: Principal, id: string, body: TaskDeliverableRequest, now = new Date()): Promise<{ task: Task }> {
  const actor = actorOf(principal, body);
  return step(ctx, principal.tenantId, id, actor, now, async (row, template) => {
    refuseWhenClosed(row);
    const missing = missingSections(template, body.sections);
    if (missing.length > 0) {
      throw new HuashuError('validation_failed', `invalid body: sections: missing required ${missing.map((section) => `"${section.key}" (${section.title})`).join(', ')}`, {
        issues: missing.map((section) => ({ path: `sections.${section.key}`, message: `required section "${section.title}" is missing` })),
        missing,
      });
    }
    const sections = Object.fromEntries(Object.entries(body.sections).map(([key, text]) => [key, text.trim()]));
    const events = [eventOf(actor, 'deliverable', `提交交付物 v${row.deliverable_version + 1}（${Object.keys(sections).length} 节）`, { version: row.deliverable_version + 1, sections }, now)];
    if (body.attachments?.length) events.push(eventOf(actor, 'attachment', `附件 ${body.attachments.map((file) => file.name).join('、')}`, { attachments: body.attachments }, now));
    return { update: { status: 'submitted', deliverable: { sections, submittedAt: now.toISOString() } }, events, outbox: 'task.submitted', claims: true };
  });
}

export async function review(ctx: AppContext, principal: Principal, id: string, body: TaskReviewRequest, now = new Date()): Promise<{ task: Task }> {
  const actor = actorOf(principal, body);
  return step(ctx, principal.tenantId, id, actor, now, async (row) => {
    if (row.status !== 'submitted') throw new HuashuError('conflict', `task ${row.id} has no deliverable waiting for review (it is ${row.status})`);
    const approve = body.decision === 'approve';
    const summary = approve ? '审批通过' : `退回修改：${body.comment}`;
    return {
      update: { status: approve ? 'approved' : 'changes_requested', firstDecision: body.decision, ...(approve ? { resolvedAt: now } : {}) },
      events: [eventOf(actor, 'decision', summary, { decision: body.decision, comment: body.comment ?? null, version: row.deliverable_version }, now)],
      outbox: 'task.reviewed',
    };
  });
}

export async function comment(ctx: AppContext, principal: Principal, id: string, body: TaskCommentRequest, now = new Date()): Promise<{ task: Task }> {
  const actor = actorOf(principal, body);
  return step(ctx, principal.tenantId, id, actor, now, async (row) => {
    const events: store.NewEvent[] = [];
    let context: TaskContext | undefined;
    if (body.text) {
      const constraint = body.kind === 'constraint';
      events.push(eventOf(actor, 'comment', constraint ? `确认约束：${body.text}` : body.text, { text: body.text, kind: body.kind ?? 'comment' }, now));
      if (constraint) {
        const current = row.context as TaskContext;
        context = { ...current, constraints: [...(current.constraints ?? []), body.text] };
      }
    }
    if (body.attachments?.length) events.push(eventOf(actor, 'attachment', `附件 ${body.attachments.map((file) => file.name).join('、')}`, { attachments: body.attachments }, now));
    return { update: context ? { context } : {}, events };
  });
}

export async function change(ctx: AppContext, principal: Principal, id: string, body: TaskChangeRequest, now = new Date()): Promise<{ task: Task }> {
  const actor = actorOf(principal, body);
  return step(ctx, principal.tenantId, id, actor, now, async (row) => {
    refuseWhenClosed(row);
    const update: Omit<store.TaskUpdate, 'at'> = {};
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    const accepting = body.status === 'accepted';
    if (accepting) {
      update.status = 'accepted';
      changes['status'] = { from: row.status, to: 'accepted' };
    }
    if (body.status === 'cancelled') {
      update.status = 'cancelled';
      changes['status'] = { from: row.status, to: 'cancelled' };
    }
    if (body.assignee !== undefined) {
      update.assignee = body.assignee;
      changes['assignee'] = { from: row.assignee, to: body.assignee };
    }
    if (body.due !== undefined) {
      update.due = new Date(body.due).toISOString();
      changes['due'] = { from: row.due ? new Date(row.due).toISOString() : null, to: update.due };
    }
    const summary = Object.entries(changes).map(([field, { from, to }]) => `${field}: ${from ?? '—'} → ${to}`).join('; ');
    return { update, events: [eventOf(actor, 'change', summary, { changes }, now)], claims: accepting };
  });
}

export async function approvalView(ctx: AppContext, tenantId: string, id: string) {
  const { row, template } = await loadTask(ctx.db, tenantId, id);
  return { task: taskView(row, template), missing: missingSections(template, row.deliverable?.sections ?? {}) };
}

export async function timeline(ctx: AppContext, tenantId: string, id: string): Promise<{ events: TaskEvent[] }> {
  const row = await store.getTask(ctx.db, tenantId, id);
  if (!row) throw notFound(id);
  return { events: (await store.eventsOf(ctx.db, tenantId, [id])).map(eventView) };
}

export async function taskProfiles(ctx: AppContext, tenantId: string, role?: string): Promise<{ profiles: TaskProfile[] }> {
  const rows = await store.profiles(ctx.db, tenantId, role);
  return {
    profiles: rows.map((row) => ({
      assignee: row.assignee,
      role: row.role,
      tasks: row.tasks,
      resolved: row.resolved,
      avgResponseMinutes: row.avg_response_ms === null ? null : Math.round((row.avg_response_ms / MINUTE_MS) * MINUTE_DECIMALS) / MINUTE_DECIMALS,
      firstPassApprovalRate: row.decided === 0 ? null : Math.round((row.first_pass / row.decided) * RATE_DECIMALS) / RATE_DECIMALS,
    })),
  };
}

// ——— Reads for other domains (the lead timeline, the daily report) ———

export interface TaskWithEvents {
  task: Task;
  events: TaskEvent[];
}

/** Tasks about these leads or deals, each with its timeline. */
export async function tasksAbout(db: Queryable, tenantId: string, subject: { leadIds: readonly string[]; dealIds: readonly string[] }, now = new Date()): Promise<TaskWithEvents[]> {
  if (subject.leadIds.length === 0 && subject.dealIds.length === 0) return [];
  const rows = await store.listTasks(db, tenantId, { leadIds: subject.leadIds, dealIds: subject.dealIds, limit: MAX_TASKS_LISTED });
  const events = await store.eventsOf(db, tenantId, rows.map((row) => row.id));
  return rows.map((row) => ({ task: taskView(row, undefined, now), events: events.filter((event) => event.task_id === row.id).map(eventView) }));
}

/** Open tasks a rep asked for or is assigned (every open task of the tenant without a rep). */
export async function pendingTasks(db: Queryable, tenantId: string, repId: string | undefined, now = new Date()): Promise<Task[]> {
  const rows = await store.listTasks(db, tenantId, { statuses: OPEN_TASK_STATUSES, involving: repId, limit: MAX_TASKS_LISTED });
  return rows.map((row) => taskView(row, undefined, now));
}
