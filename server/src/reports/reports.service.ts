import { CHINA_UTC_OFFSET_MINUTES, HuashuError, localDate, type DailyReport, type DailyReportQuery, type LeadTimelineEvent, type LeadTimelineResponse } from '@huashu/core';
import { listEvents } from '../events/events.service.js';
import { outcomesOfLead } from '../knowledge/knowledge.service.js';
import { getLead, leadsForReport } from '../leads/leads.service.js';
import type { Principal } from '../platform/auth/authenticate.js';
import type { AppContext } from '../platform/context.js';
import { dealHistory, dealsOfLeads, findStalled, getStages } from '../pipeline/pipeline.service.js';
import { getRules, intentScores, leadIntent } from '../signals/index.js';
import { pendingTasks, tasksAbout } from '../tasks/index.js';
import { renderDailyMarkdown } from './markdown.js';

/**
 * The customer journey on one list, and the rep's daily report. Everything
 * here is read from the other domains through their services: this domain
 * owns no table.
 */

const DAY_MS = 86_400_000;
/** Each source contributes at most this many items to a lead's timeline. */
const TIMELINE_LIMIT_PER_SOURCE = 500;
/** Intent score from which a lead counts as 高意向 when the tenant's rules set no `lead.hot` threshold. */
export const DEFAULT_HIGH_INTENT_SCORE = 60;
const HOT_EVENT = 'lead.hot';
/** Leads a report reads at most per rep (or tenant). */
const MAX_REPORT_LEADS = 5000;
/** Rows a report lists per section (its counts are of all). */
const LISTED = 20;
const MANUFACTURING = /制造/;
const round1 = (value: number) => Math.round(value * 10) / 10;

/** A rep token of role `rep` sees its own leads only; reviewers, admins and the secret key see the tenant's. */
const ownOnly = (principal: Principal) => (principal.kind === 'rep' && principal.rep.role === 'rep' ? principal.rep.repId : undefined);

// ——— Lead timeline ———

const PIPELINE_SUMMARY: Record<string, (payload: Record<string, any>) => string> = {
  'deal.stage_changed': (p) => `阶段 ${p.from ?? '—'} → ${p.to}`,
  'deal.note_added': (p) => `跟进记录：${typeof p.note === 'string' ? p.note : p.note?.text}`,
  'deal.file_attached': (p) => `上传文件：${p.file?.name ?? p.file?.kind}`,
  'deal.field_updated': (p) => `字段更新：${Object.keys(p.fields ?? {}).join('、')}`,
  'deal.contact_linked': (p) => `关联联系人：${p.contact?.name}${p.contact?.role ? `（${p.contact.role}）` : ''}`,
  'deal.message': (p) => (p.message?.from === 'customer' ? '客户消息' : '销售回复'),
};

export async function leadTimeline(ctx: AppContext, principal: Principal, leadId: string, now = new Date()): Promise<LeadTimelineResponse> {
  const tenantId = principal.tenantId;
  const own = ownOnly(principal);
  const lead = await getLead(ctx.db, tenantId, leadId, own ? { viewer: { repId: own } } : {});
  const events: LeadTimelineEvent[] = [];
  const assignee = lead.assignee?.id ?? null;

  events.push({ at: lead.createdAt, kind: 'lead.created', source: 'leads', actor: null, role: null, summary: `新线索（${lead.source}）${lead.company ?? lead.name ?? ''}`.trim() });
  for (const touch of lead.touchpoints) {
    events.push({ at: touch.occurredAt, kind: 'touchpoint', source: 'leads', actor: null, role: 'customer', summary: `${touch.channel} · ${touch.source}${touch.campaign ? ` · ${touch.campaign}` : ''}`, ref: touch.id });
  }
  if (lead.firstRespondedAt) events.push({ at: lead.firstRespondedAt, kind: 'first_response', source: 'leads', actor: assignee, role: 'sales', summary: '首次响应' });
  if (lead.slaBreachedAt) {
    events.push({ at: lead.slaBreachedAt, kind: 'sla_breach', source: 'leads', actor: assignee, role: 'sales', summary: `首次响应超时（应于 ${lead.firstResponseDueAt ?? '—'} 前响应）`, flagged: true });
  } else if (lead.overdue && lead.firstResponseDueAt) {
    events.push({ at: lead.firstResponseDueAt, kind: 'sla_breach', source: 'leads', actor: assignee, role: 'sales', summary: '首次响应已超时，尚未响应', flagged: true });
  }

  const tracked = await listEvents(ctx.db, tenantId, { leadIds: [lead.id], from: new Date(0), to: now, limit: TIMELINE_LIMIT_PER_SOURCE });
  for (const event of tracked) {
    events.push({ at: event.occurredAt.toISOString(), kind: 'event', source: 'tracking', actor: null, role: 'customer', summary: event.type === 'track' ? `${event.event}` : event.type, ref: event.messageId });
  }

  const intent = await leadIntent(ctx.db, tenantId, lead.id, now, assignee);
  for (const signal of intent?.signals ?? []) {
    events.push({ at: signal.at, kind: 'signal', source: 'signals', actor: null, role: 'customer', summary: signal.explanation.zh, ref: signal.ruleId });
  }

  const deals = await dealsOfLeads(ctx.db, tenantId, [lead.id]);
  const dealIds = deals.map((deal) => deal.id);
  for (const event of await dealHistory(ctx.db, tenantId, dealIds)) {
    const payload = event.payload as Record<string, any>;
    const author = typeof payload.note === 'object' ? (payload.note?.author ?? null) : null;
    events.push({
      at: new Date(event.at).toISOString(),
      kind: event.type,
      source: 'pipeline',
      actor: author ?? payload.owner ?? null,
      role: payload.message?.from === 'customer' ? 'customer' : 'sales',
      summary: `${event.deal_id} ${(PIPELINE_SUMMARY[event.type] ?? (() => event.type))(payload)}`,
      ref: event.deal_id,
    });
  }
  if (dealIds.length > 0) {
    for (const stalled of (await findStalled(ctx, tenantId, now)).filter((deal) => dealIds.includes(deal.dealId))) {
      events.push({
        at: stalled.alertedAt ?? now.toISOString(),
        kind: 'deal.stalled',
        source: 'pipeline',
        actor: stalled.owner,
        role: 'sales',
        summary: `${stalled.dealId} 在「${stalled.stageName}」停滞 ${stalled.workingDays} 个工作日（阈值 ${stalled.thresholdWorkingDays}）`,
        flagged: true,
        ref: stalled.dealId,
      });
    }
  }

  for (const { task, events: steps } of await tasksAbout(ctx.db, tenantId, { leadIds: [lead.id], dealIds }, now)) {
    for (const step of steps) {
      events.push({ at: step.at, kind: `task.${step.kind}`, source: 'tasks', actor: step.actor, role: step.role, summary: `「${task.title}」${step.summary}`, ref: task.id });
    }
    if (task.overdue && task.due) {
      events.push({ at: task.due, kind: 'task.overdue', source: 'tasks', actor: task.assignee, role: task.assigneeRole, summary: `「${task.title}」已逾期（${task.status}）`, flagged: true, ref: task.id });
    }
  }

  for (const outcome of await outcomesOfLead(ctx.db, tenantId, lead.id, TIMELINE_LIMIT_PER_SOURCE)) {
    events.push({
      at: new Date(outcome.created_at).toISOString(),
      kind: 'outcome',
      source: 'assistant',
      actor: outcome.rep_id,
      role: 'sales',
      summary: `话术「${outcome.title ?? outcome.entry_id}」${outcome.outcome === 'success' ? '有效' : '无效'}`,
      ref: outcome.entry_id,
    });
  }

  // Chronological; the sort is stable, so same-instant items keep their source order.
  events.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return { leadId: lead.id, events, breaks: events.filter((event) => event.flagged).length };
}

// ——— Daily report ———

/** `date` (Asia/Shanghai) as [from, to). */
export function dayWindow(date: string): { from: Date; to: Date } {
  const from = new Date(`${date}T00:00:00+08:00`);
  return { from, to: new Date(from.getTime() + DAY_MS) };
}

async function highIntentThreshold(ctx: AppContext, tenantId: string): Promise<number> {
  const thresholds = (await getRules(ctx.db, tenantId)).rules?.thresholds ?? [];
  const hot = thresholds.find((threshold) => threshold.event === HOT_EVENT) ?? [...thresholds].sort((a, b) => a.score - b.score)[0];
  return hot?.score ?? DEFAULT_HIGH_INTENT_SCORE;
}

function whoseReport(principal: Principal, rep: string | undefined): string | undefined {
  const own = ownOnly(principal);
  if (own === undefined) return rep;
  if (rep !== undefined && rep !== own) throw new HuashuError('forbidden', 'a rep token reads its own daily report only; a manager (reviewer or admin token) or the secret key reads any rep’s');
  return own;
}

export async function dailyReport(ctx: AppContext, principal: Principal, query: DailyReportQuery, now = new Date()): Promise<DailyReport> {
  const tenantId = principal.tenantId;
  const rep = whoseReport(principal, query.rep);
  const date = query.date ?? localDate(now, CHINA_UTC_OFFSET_MINUTES);
  const { from, to } = dayWindow(date);
  // A past day is reported as it stood at its end.
  const asOf = new Date(Math.min(now.getTime(), to.getTime()));

  const arrived = await leadsForReport(ctx.db, tenantId, { repId: rep, createdFrom: from, createdTo: to, limit: MAX_REPORT_LEADS });
  const byIndustry = new Map<string, number>();
  for (const lead of arrived) byIndustry.set(lead.industry ?? '未填写', (byIndustry.get(lead.industry ?? '未填写') ?? 0) + 1);

  const threshold = await highIntentThreshold(ctx, tenantId);
  const followed = await leadsForReport(ctx.db, tenantId, { repId: rep, createdTo: to, limit: MAX_REPORT_LEADS });
  const scores = await intentScores(ctx.db, tenantId, followed.map((lead) => lead.id), asOf);
  const warm = followed.filter((lead) => (scores.get(lead.id) ?? 0) >= threshold);
  const deals = await dealsOfLeads(ctx.db, tenantId, warm.map((lead) => lead.id));
  // 跟进中: a lead whose every deal sits in a terminal stage (won, lost) is no longer followed up.
  const terminal = new Set((await getStages(ctx, tenantId)).stages.filter((stage) => stage.terminal).map((stage) => stage.key));
  const closed = new Set(warm.filter((lead) => {
    const own = deals.filter((deal) => deal.lead_id === lead.id);
    return own.length > 0 && own.every((deal) => deal.stage !== null && terminal.has(deal.stage));
  }).map((lead) => lead.id));
  const hot = warm.filter((lead) => !closed.has(lead.id));
  const sinceOf = new Map<string, number>();
  for (const deal of deals) {
    if (!deal.lead_id || !deal.stage_entered_at) continue;
    const entered = new Date(deal.stage_entered_at).getTime();
    // A lead with several deals: the one that moved last.
    sinceOf.set(deal.lead_id, Math.max(sinceOf.get(deal.lead_id) ?? 0, entered));
  }
  const hotLeads = hot
    .map((lead) => {
      const since = sinceOf.get(lead.id) ?? new Date(lead.created_at).getTime();
      return { leadId: lead.id, name: lead.name, company: lead.company, score: Math.round(scores.get(lead.id)!), stalledDays: round1(Math.max(0, asOf.getTime() - since) / DAY_MS) };
    })
    .sort((a, b) => b.score - a.score || b.stalledDays - a.stalledDays);

  const tasks = (await pendingTasks(ctx.db, tenantId, rep, asOf)).filter((task) => Date.parse(task.createdAt) < to.getTime());
  const breaches = await leadsForReport(ctx.db, tenantId, { repId: rep, breachedFrom: from, breachedTo: to, limit: MAX_REPORT_LEADS });
  const stalled = await findStalled(ctx, tenantId, asOf, rep ? { owner: rep } : {});

  const report: Omit<DailyReport, 'headline'> = {
    rep: rep ?? null,
    date,
    from: from.toISOString(),
    to: to.toISOString(),
    asOf: asOf.toISOString(),
    newLeads: {
      total: arrived.length,
      manufacturing: arrived.filter((lead) => lead.industry && MANUFACTURING.test(lead.industry)).length,
      byIndustry: [...byIndustry].map(([industry, count]) => ({ industry, count })).sort((a, b) => b.count - a.count || a.industry.localeCompare(b.industry, 'zh-CN')),
    },
    highIntent: {
      customers: hotLeads.length,
      avgStalledDays: hotLeads.length === 0 ? null : round1(hotLeads.reduce((sum, lead) => sum + lead.stalledDays, 0) / hotLeads.length),
      threshold,
      leads: hotLeads.slice(0, LISTED),
    },
    pendingTasks: {
      total: tasks.length,
      overdue: tasks.filter((task) => task.overdue).length,
      tasks: tasks.slice(0, LISTED).map((task) => ({ id: task.id, type: task.type, title: task.title, status: task.status, due: task.due, overdue: task.overdue })),
    },
    slaBreaches: { total: breaches.length, leads: breaches.slice(0, LISTED).map((lead) => ({ leadId: lead.id, name: lead.name, breachedAt: new Date(lead.sla_breached_at!).toISOString() })) },
    stalledDeals: { total: stalled.length, deals: stalled.slice(0, LISTED).map((deal) => ({ dealId: deal.dealId, stage: deal.stage, stageName: deal.stageName, workingDays: deal.workingDays })) },
  };
  return { ...report, headline: headline(report) };
}

/** The report's sentences, as a manager reads them. */
export function headline(report: Omit<DailyReport, 'headline'>): string[] {
  const hot = report.highIntent;
  return [
    `今日新增线索 ${report.newLeads.total} 条（其中制造业 ${report.newLeads.manufacturing} 条）`,
    `跟进中高意向客户 ${hot.customers} 家${hot.avgStalledDays === null ? '' : `（平均停滞 ${hot.avgStalledDays} 天）`}`,
    `待处理跨部门协同任务 ${report.pendingTasks.total} 项${report.pendingTasks.overdue > 0 ? `（逾期 ${report.pendingTasks.overdue} 项）` : ''}`,
    `首次响应超时 ${report.slaBreaches.total} 条`,
    `停滞商机 ${report.stalledDeals.total} 个`,
  ];
}

export { renderDailyMarkdown };
