import type { Queryable } from '../platform/db/types.js';

/**
 * All SQL of the tasks tables. task_events has an insert and reads only:
 * there is deliberately no update or delete of it here (and the database
 * refuses both, see migration 0014), so the timeline cannot be rewritten.
 */

export interface TemplateRow {
  type: string;
  title: string | null;
  sections: Array<{ key: string; title: string; required: boolean }>;
  updated_at: Date;
}

export async function putTemplate(db: Queryable, tenantId: string, type: string, title: string | null, sections: unknown): Promise<TemplateRow> {
  const result = await db.query<TemplateRow>(
    `INSERT INTO task_templates (tenant_id, type, title, sections) VALUES ($1, $2, $3, $4::jsonb)
     ON CONFLICT (tenant_id, type) DO UPDATE SET title = EXCLUDED.title, sections = EXCLUDED.sections, updated_at = now()
     RETURNING type, title, sections, updated_at`,
    [tenantId, type, title, JSON.stringify(sections)],
  );
  return result.rows[0]!;
}

export async function getTemplate(db: Queryable, tenantId: string, type: string): Promise<TemplateRow | undefined> {
  const result = await db.query<TemplateRow>(`SELECT type, title, sections, updated_at FROM task_templates WHERE tenant_id = $1 AND type = $2`, [tenantId, type]);
  return result.rows[0];
}

export interface TaskRow {
  id: string;
  type: string;
  title: string;
  status: string;
  lead_id: string | null;
  deal_id: string | null;
  requester_id: string;
  requester: { id: string; name: string | null; role: string | null; department: string | null };
  assignee: string | null;
  assignee_role: string | null;
  due: Date | null;
  context: Record<string, unknown>;
  deliverable: { sections: Record<string, string>; submittedAt: string } | null;
  deliverable_version: number;
  first_response_at: Date | null;
  first_decision: string | null;
  resolved_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const TASK_COLUMNS = `id, type, title, status, lead_id, deal_id, requester_id, requester, assignee, assignee_role, due, context, deliverable,
  deliverable_version, first_response_at, first_decision, resolved_at, created_at, updated_at`;

export interface NewTask {
  id: string;
  type: string;
  title: string;
  leadId: string | null;
  dealId: string | null;
  requester: TaskRow['requester'];
  assignee: string | null;
  assigneeRole: string | null;
  due: string | null;
  context: unknown;
  createdAt: Date;
}

export async function insertTask(db: Queryable, tenantId: string, task: NewTask): Promise<TaskRow> {
  const result = await db.query<TaskRow>(
    `INSERT INTO tasks (tenant_id, id, type, title, status, lead_id, deal_id, requester_id, requester, assignee, assignee_role, due, context, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8::jsonb, $9, $10, $11, $12::jsonb, $13, $13)
     RETURNING ${TASK_COLUMNS}`,
    [tenantId, task.id, task.type, task.title, task.leadId, task.dealId, task.requester.id, JSON.stringify(task.requester), task.assignee, task.assigneeRole, task.due, JSON.stringify(task.context), task.createdAt],
  );
  return result.rows[0]!;
}

/** The task, locked for the rest of the transaction when `forUpdate`. */
export async function getTask(db: Queryable, tenantId: string, id: string, forUpdate = false): Promise<TaskRow | undefined> {
  const result = await db.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE tenant_id = $1 AND id = $2${forUpdate ? ' FOR UPDATE' : ''}`, [tenantId, id]);
  return result.rows[0];
}

export interface TaskFilter {
  status?: string;
  statuses?: readonly string[];
  leadIds?: readonly string[];
  dealIds?: readonly string[];
  assigneeRole?: string;
  /** Tasks this person asked for or is assigned. */
  involving?: string;
  limit: number;
}

export async function listTasks(db: Queryable, tenantId: string, filter: TaskFilter): Promise<TaskRow[]> {
  const params: unknown[] = [tenantId];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (filter.status) where.push(`status = ${param(filter.status)}`);
  if (filter.statuses) where.push(`status = ANY(${param(filter.statuses)}::text[])`);
  if (filter.assigneeRole) where.push(`assignee_role = ${param(filter.assigneeRole)}`);
  if (filter.involving) {
    const who = param(filter.involving);
    where.push(`(requester_id = ${who} OR assignee = ${who})`);
  }
  const subjects: string[] = [];
  if (filter.leadIds) subjects.push(`lead_id = ANY(${param(filter.leadIds)}::text[])`);
  if (filter.dealIds) subjects.push(`deal_id = ANY(${param(filter.dealIds)}::text[])`);
  if (subjects.length > 0) where.push(`(${subjects.join(' OR ')})`);
  const result = await db.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE tenant_id = $1${where.map((condition) => ` AND ${condition}`).join('')} ORDER BY created_at DESC, id DESC LIMIT ${param(filter.limit)}`, params);
  return result.rows;
}

export interface TaskUpdate {
  status?: string;
  assignee?: string | null;
  due?: string | null;
  context?: unknown;
  deliverable?: unknown;
  firstResponseAt?: Date;
  firstDecision?: string;
  resolvedAt?: Date;
  at: Date;
}

/** The task's current state; first_response_at and first_decision keep their first value. */
export async function updateTask(db: Queryable, tenantId: string, id: string, update: TaskUpdate): Promise<TaskRow> {
  const result = await db.query<TaskRow>(
    `UPDATE tasks SET
       status = COALESCE($3, status),
       assignee = CASE WHEN $4::boolean THEN $5 ELSE assignee END,
       due = CASE WHEN $6::boolean THEN $7::timestamptz ELSE due END,
       context = COALESCE($8::jsonb, context),
       deliverable = COALESCE($9::jsonb, deliverable),
       deliverable_version = deliverable_version + CASE WHEN $9::jsonb IS NULL THEN 0 ELSE 1 END,
       first_response_at = COALESCE(first_response_at, $10),
       first_decision = COALESCE(first_decision, $11),
       resolved_at = COALESCE($12, resolved_at),
       updated_at = $13
     WHERE tenant_id = $1 AND id = $2
     RETURNING ${TASK_COLUMNS}`,
    [
      tenantId,
      id,
      update.status ?? null,
      update.assignee !== undefined,
      update.assignee ?? null,
      update.due !== undefined,
      update.due ?? null,
      update.context === undefined ? null : JSON.stringify(update.context),
      update.deliverable === undefined ? null : JSON.stringify(update.deliverable),
      update.firstResponseAt ?? null,
      update.firstDecision ?? null,
      update.resolvedAt ?? null,
      update.at,
    ],
  );
  return result.rows[0]!;
}

export interface EventRow {
  seq: string;
  at: Date;
  kind: string;
  actor: string | null;
  actor_name: string | null;
  role: string | null;
  department: string | null;
  summary: string;
  data: Record<string, unknown>;
  task_id: string;
}

export interface NewEvent {
  kind: string;
  actor: string | null;
  actorName: string | null;
  role: string | null;
  department: string | null;
  summary: string;
  data: unknown;
  at: Date;
}

/** The only write of task_events. */
export async function appendEvent(db: Queryable, tenantId: string, taskId: string, event: NewEvent): Promise<void> {
  await db.query(
    `INSERT INTO task_events (tenant_id, task_id, at, kind, actor, actor_name, role, department, summary, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)`,
    [tenantId, taskId, event.at, event.kind, event.actor, event.actorName, event.role, event.department, event.summary, JSON.stringify(event.data ?? {})],
  );
}

export async function eventsOf(db: Queryable, tenantId: string, taskIds: readonly string[]): Promise<EventRow[]> {
  if (taskIds.length === 0) return [];
  const result = await db.query<EventRow>(
    `SELECT task_id, seq::text AS seq, at, kind, actor, actor_name, role, department, summary, data FROM task_events
     WHERE tenant_id = $1 AND task_id = ANY($2::text[]) ORDER BY task_events.at, task_events.seq`,
    [tenantId, taskIds],
  );
  return result.rows;
}

export interface ProfileRow {
  assignee: string;
  role: string | null;
  tasks: number;
  resolved: number;
  avg_response_ms: number | null;
  decided: number;
  first_pass: number;
}

/** Per assignee (of one business role, or all): tasks, approved ones, mean time to first action, first-review approvals. */
export async function profiles(db: Queryable, tenantId: string, role: string | undefined): Promise<ProfileRow[]> {
  const result = await db.query<ProfileRow>(
    `SELECT assignee, max(assignee_role) AS role, count(*)::int AS tasks,
            count(*) FILTER (WHERE status = 'approved')::int AS resolved,
            avg(extract(epoch FROM first_response_at - created_at) * 1000) FILTER (WHERE first_response_at IS NOT NULL)::float8 AS avg_response_ms,
            count(*) FILTER (WHERE first_decision IS NOT NULL)::int AS decided,
            count(*) FILTER (WHERE first_decision = 'approve')::int AS first_pass
     FROM tasks
     WHERE tenant_id = $1 AND assignee IS NOT NULL AND ($2::text IS NULL OR assignee_role = $2)
     GROUP BY assignee ORDER BY assignee`,
    [tenantId, role ?? null],
  );
  return result.rows;
}
