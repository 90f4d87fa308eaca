import type { LeadDetail } from '@huashu/core';
import type { DomainModule } from '../platform/module.js';
import type { Queryable } from '../platform/db/types.js';
import { runningPilot } from '../console/console.service.js';
import { seedSignalsDemo } from './signals.demo.js';
import { signalJobs } from './signals.jobs.js';
import { signalRoutes } from './signals.routes.js';
import { intentScores, leadIntent, onEventsStored, onLeadMerged } from './signals.service.js';

/**
 * Intent signals: rules a sales manager configures (weights, in-order
 * sequences within a window, silences, thresholds, half-life) evaluated as
 * events arrive, a decaying 0–100 score per lead with its explanation, a
 * sandbox, and tracked share links.
 */
export const signalsModule: DomainModule = {
  name: 'signals',
  routes: signalRoutes,
  jobs: signalJobs,
  consumers: [{ name: 'signals.lead_merged', types: ['lead.merged'], deliver: (_ctx, event, tx) => onLeadMerged(tx, event) }],
  seedDemo: seedSignalsDemo,
};

/** For the events module's `onStored`: evaluate the live rules in the storing transaction. */
export const evaluateOnIngest = onEventsStored;

/** For the leads module's `enrichers`: `lead.intent` on `GET /v1/leads/:id`. */
export async function intentEnricher(ctx: { db: Queryable }, tenantId: string, lead: LeadDetail): Promise<Partial<LeadDetail>> {
  return { intent: await leadIntent(ctx.db, tenantId, lead.id, new Date(), lead.assignee?.id) };
}

/**
 * For `GET /v1/leads?sort=intent`: current scores of the listed leads — the
 * stored live ones, except a pilot rep's leads, which are scored by the
 * pilot version as `GET /v1/leads/:id` scores them.
 */
export async function intentRanker(ctx: { db: Queryable }, tenantId: string, leadIds: readonly string[], assignees?: ReadonlyMap<string, string>): Promise<Map<string, number>> {
  const scores = await intentScores(ctx.db, tenantId, leadIds);
  if (!assignees || assignees.size === 0) return scores;
  const now = new Date();
  // One look-up for the running pilot; only its reps' leads need scoring again.
  const pilot = await runningPilot(ctx.db, tenantId, 'signal-rules', now);
  if (!pilot) return scores;
  const inPilot = new Set(pilot.repIds);
  for (const leadId of leadIds) {
    const repId = assignees.get(leadId);
    if (repId && inPilot.has(repId)) scores.set(leadId, (await leadIntent(ctx.db, tenantId, leadId, now, repId))?.score ?? 0);
  }
  return scores;
}

export { dryRun, getRules, leadIntent, putRules, sweepSilences, intentScores } from './signals.service.js';
export { createShareLink, openShareLink, shareLinkEngagement } from './share-links.js';
