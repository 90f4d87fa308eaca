import { HuashuError, type ConsoleRuleSet, type HealthMetrics, type PilotComparison } from '@huashu/core';
import type { AppContext } from '../platform/context.js';
import { healthReport } from '../pipeline/pipeline.service.js';
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
  };
}
