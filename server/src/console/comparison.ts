import { HuashuError, MAX_LEADS_PAGE, type ConsoleRuleSet, type HealthMetrics, type PilotComparison } from '@huashu/core';
import { listLeads } from '../leads/leads.service.js';
import type { AppContext } from '../platform/context.js';
import { healthReport } from '../pipeline/pipeline.service.js';
import type { Queryable } from '../platform/db/types.js';
import { leadIntent } from '../signals/signals.service.js';
import { capturedByRep } from '../conversations/conversations.service.js';
import { pointsEarnedByRep } from '../points/points.service.js';
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

const perRep = (total: number, reps: number) => (reps === 0 ? null : Math.round((100 * total) / reps) / 100);

/** Splits per-rep values into the pilot (all its reps, zero when a rep has none) and the rest (every other rep with a value). */
function byGroup<T>(values: ReadonlyMap<string, T>, repIds: readonly string[], zero: T): { pilot: T[]; rest: T[] } {
  const inPilot = new Set(repIds);
  return { pilot: repIds.map((repId) => values.get(repId) ?? zero), rest: [...values].filter(([repId]) => !inPilot.has(repId)).map(([, value]) => value) };
}

async function pointsComparison(db: Queryable, tenantId: string, repIds: readonly string[], period: { from: Date; to: Date }): Promise<NonNullable<PilotComparison['points']>> {
  const groups = byGroup(await pointsEarnedByRep(db, tenantId, period), repIds, 0);
  const metric = (values: number[]) => {
    const total = values.reduce((sum, value) => sum + value, 0);
    return { reps: values.length, total, perRep: perRep(total, values.length) };
  };
  return { pilot: metric(groups.pilot), rest: metric(groups.rest) };
}

async function capturesComparison(db: Queryable, tenantId: string, repIds: readonly string[], period: { from: Date; to: Date }): Promise<NonNullable<PilotComparison['captures']>> {
  const groups = byGroup(await capturedByRep(db, tenantId, period), repIds, { snippets: 0, candidates: 0 });
  const metric = (values: Array<{ snippets: number; candidates: number }>) => {
    const snippets = values.reduce((sum, value) => sum + value.snippets, 0);
    const candidates = values.reduce((sum, value) => sum + value.candidates, 0);
    return { reps: values.length, snippets, candidates, snippetsPerRep: perRep(snippets, values.length), candidatesPerRep: perRep(candidates, values.length) };
  };
  return { pilot: metric(groups.pilot), rest: metric(groups.rest) };
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
  const period = { from: new Date(from), to: new Date(to) };
  const inPilot = new Set(found.pilot.repIds);
  return {
    ruleSet,
    version,
    from,
    to,
    pilot: summarise(report.reps.filter((row) => row.rep !== null && inPilot.has(row.rep))),
    rest: summarise(report.reps.filter((row) => row.rep === null || !inPilot.has(row.rep))),
    ...(ruleSet === 'signal-rules' ? { intent: await intentComparison(ctx.db, tenantId, found.pilot.repIds, now) } : {}),
    ...(ruleSet === 'point-rules' ? { points: await pointsComparison(ctx.db, tenantId, found.pilot.repIds, period) } : {}),
    ...(ruleSet === 'capture-rules' ? { captures: await capturesComparison(ctx.db, tenantId, found.pilot.repIds, period) } : {}),
  };
}
