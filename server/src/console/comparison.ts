import { HuashuError, MAX_LEADS_PAGE, type ConsoleRuleSet, type HealthMetrics, type PilotComparison } from '@huashu/core';
import { listLeads } from '../leads/leads.service.js';
import type { AppContext } from '../platform/context.js';
import { healthReport } from '../pipeline/pipeline.service.js';
import type { Queryable } from '../platform/db/types.js';
import { leadIntent } from '../signals/signals.service.js';
import { versionFor } from './console.service.js';

type Row = { rep: string | null; deals: number; metrics: HealthMetrics };

function summarise(rows: readonly Row[]): PilotComparison['pilot'] {
  const mean = (pick: (metrics: HealthMetrics) => number | null) => {
    const values = rows.map((row) => pick(row.metrics)).filter((value): value is number => value !== null);
    return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
  };
  return {
    reps: rows.length,
    deals: rows.reduce((sum, row) => sum + row.deals, 0),
    leadNurturing: mean((metrics) => metrics.leadNurturing.value),
    progressCompliance: mean((metrics) => metrics.progressCompliance.value),
    customerTrust: mean((metrics) => metrics.customerTrust.value),
  };
}

/** Leads scored per group: each pilot rep's newest page, and one page of everyone else's; enough for a mean, bounded in cost. */
const SCORED_LEADS = MAX_LEADS_PAGE;

async function meanIntent(db: Queryable, tenantId: string, leads: ReadonlyArray<{ id: string; assignee: { id: string } | null }>, now: Date) {
  const scores: number[] = [];
  for (const lead of leads) scores.push((await leadIntent(db, tenantId, lead.id, now, lead.assignee?.id))?.score ?? 0);
  return { leads: scores.length, mean: scores.length === 0 ? null : Math.round((10 * scores.reduce((sum, score) => sum + score, 0)) / scores.length) / 10 };
}

/** The intent scores of the pilot reps' leads (scored by the pilot) against the other leads' (by the live rules). */
async function intentComparison(db: Queryable, tenantId: string, repIds: readonly string[], now: Date): Promise<NonNullable<PilotComparison['intent']>> {
  const inPilot = new Set(repIds);
  const pilotLeads = [];
  for (const repId of repIds) pilotLeads.push(...(await listLeads(db, tenantId, { assignee: repId, limit: SCORED_LEADS })).leads);
  const others = (await listLeads(db, tenantId, { limit: SCORED_LEADS })).leads.filter((lead) => !lead.assignee || !inPilot.has(lead.assignee.id));
  return { pilot: await meanIntent(db, tenantId, pilotLeads, now), rest: await meanIntent(db, tenantId, others, now) };
}

/**
 * The pilot's reps against everyone else over the pilot's own period (up to
 * now while it runs): the process-health metrics, averaged per rep, so a
 * manager sees whether the pilot version did better before publishing it.
 */
export async function comparePilot(ctx: AppContext, tenantId: string, ruleSet: ConsoleRuleSet, version: number, now = new Date()): Promise<PilotComparison> {
  const found = await versionFor(ctx.db, tenantId, ruleSet, version);
  if (!found.pilot) throw new HuashuError('conflict', `${ruleSet} version ${version} was never piloted: there is nothing to compare`);
  const from = found.pilot.from;
  const to = new Date(Math.min(Date.parse(found.pilot.until), now.getTime())).toISOString();
  if (Date.parse(to) <= Date.parse(from)) throw new HuashuError('conflict', `the pilot of ${ruleSet} version ${version} has not started yet`);
  const report = await healthReport(ctx, tenantId, { from, to }, now);
  const inPilot = new Set(found.pilot.repIds);
  return {
    ruleSet,
    version,
    from,
    to,
    pilot: summarise(report.reps.filter((row) => row.rep !== null && inPilot.has(row.rep))),
    rest: summarise(report.reps.filter((row) => row.rep === null || !inPilot.has(row.rep))),
    ...(ruleSet === 'signal-rules' ? { intent: await intentComparison(ctx.db, tenantId, found.pilot.repIds, now) } : {}),
  };
}
