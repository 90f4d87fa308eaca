import {
  decayedSum,
  decayFactor,
  describeEvent,
  evaluateHistory,
  explainWeight,
  HuashuError,
  isoDurationMs,
  matchesEvent,
  parseIsoDuration,
  roundScore,
  scoreOfSum,
  trendOf,
  TREND_WINDOW_MS,
  type ActivityItem,
  type LeadIntent,
  type SignalRuleSet,
  type SignalRulesResponse,
} from '@huashu/core';
import { activeVersion } from '../console/console.service.js';
import { listEvents } from '../events/index.js';
import type { Database, Queryable } from '../platform/db/types.js';
import { emit, type OutboxEvent } from '../platform/jobs/index.js';

/** A rule set's live configuration changed (who, before, after); the console's audit log records it. */
const CONFIG_CHANGED = 'config.changed';
import { forgetRules, liveRules, recordSignals, signalView, toLiveRules, type LiveRules } from './evaluation.js';
import * as store from './signals.store.js';

export { onEventsStored } from './evaluation.js';
export { dryRun } from './dry-run.js';

/** Signals a lead's intent shows, newest first. */
export const MAX_SIGNALS_SHOWN = 50;
/** Events the activity (行为轨迹) shows, newest first, from this far back. */
export const ACTIVITY_LIMIT = 20;
const ACTIVITY_LOOKBACK_MS = 30 * 24 * 3600_000;
const MAX_LISTED_VERSIONS = 50;

// ——— Rules ———

const rulesResponse = (row: store.RuleSetRow | undefined): SignalRulesResponse => ({
  version: row?.version ?? 0,
  rules: row?.rules ?? null,
  createdAt: row ? new Date(row.created_at).toISOString() : null,
});

export async function getRules(db: Queryable, tenantId: string, version?: number): Promise<SignalRulesResponse> {
  const row = await store.ruleSet(db, tenantId, version);
  if (version !== undefined && !row) throw new HuashuError('not_found', `signal rules version ${version} not found`);
  return rulesResponse(row);
}

export async function listRuleVersions(db: Queryable, tenantId: string) {
  const rows = await store.ruleVersions(db, tenantId, MAX_LISTED_VERSIONS);
  return {
    versions: rows.map((row) => ({
      version: row.version,
      createdAt: new Date(row.created_at).toISOString(),
      createdBy: row.created_by,
      rules: row.rules.weights.length + row.rules.sequences.length + row.rules.silences.length,
    })),
  };
}

/**
 * Appends a new version and makes it live (the body was validated by
 * `SignalRuleSetRequest`, so a bad set never gets here and the live rules
 * stay as they were). A new half-life re-decays every lead's running sum.
 * Signals already fired keep the weight they fired with.
 */
/**
 * `via.tx` writes in the caller's transaction (the console publishes a version
 * and marks it published in one); `via.consoleVersion` names that version in
 * `config.changed`, which the console's audit then knows it wrote itself.
 */
export async function putRules(
  db: Database,
  tenantId: string,
  rules: SignalRuleSet,
  actor: string | null,
  now = new Date(),
  via: { tx?: Queryable; consoleVersion?: number } = {},
): Promise<SignalRulesResponse> {
  const write = async (tx: Queryable) => {
    await store.lockRuleSets(tx, tenantId);
    const previous = await store.ruleSet(tx, tenantId);
    const row = await store.appendRuleSet(tx, tenantId, rules, actor);
    const halfLifeMs = isoDurationMs(parseIsoDuration(rules.halfLife)!);
    const previousHalfLife = previous && parseIsoDuration(previous.rules.halfLife);
    if (previous && (!previousHalfLife || isoDurationMs(previousHalfLife) !== halfLifeMs)) await store.recomputeScores(tx, tenantId, now, halfLifeMs);
    await emit(tx, { tenantId, type: CONFIG_CHANGED, data: { ruleSet: 'signal-rules', actor: actor ?? 'system', before: previous?.rules ?? null, after: rules, consoleVersion: via.consoleVersion ?? null } });
    return rulesResponse(row);
  };
  if (via.tx) {
    const result = await write(via.tx);
    if (via.tx.afterCommit) via.tx.afterCommit(() => forgetRules(tenantId));
    else forgetRules(tenantId);
    return result;
  }
  const result = await db.transaction(write);
  forgetRules(tenantId);
  return result;
}

// ——— Intent ———

const DEFAULT_HALF_LIFE = 'P7D';

/**
 * `lead.intent`: the score now and its trend over TREND_WINDOW_MS, from the
 * lead's signals decayed to `now`, with the signals that explain it and the
 * lead's recent behaviour. Null while the tenant has neither rules nor signals.
 */
export async function leadIntent(db: Queryable, tenantId: string, leadId: string, now = new Date(), assigneeRepId?: string | null): Promise<LeadIntent | null> {
  // A lead of a rep in a signal-rule pilot (the manager's console) is scored by the pilot version.
  const pilot = assigneeRepId ? await activeVersion(db, tenantId, 'signal-rules', assigneeRepId, now) : undefined;
  if (pilot) return pilotIntent(db, tenantId, leadId, toLiveRules(pilot.content as SignalRuleSet, pilot.version, now), now);
  const rules = await liveRules(db, tenantId);
  const rows = await store.signalsOfLead(db, tenantId, leadId, MAX_SIGNALS_SHOWN);
  if (!rules && rows.length === 0) return null;
  const halfLife = rules?.source.halfLife ?? DEFAULT_HALF_LIFE;
  const halfLifeMs = rules?.halfLifeMs ?? isoDurationMs(parseIsoDuration(DEFAULT_HALF_LIFE)!);
  const sums = await store.decayedSumsOfLead(db, tenantId, leadId, now, halfLifeMs, TREND_WINDOW_MS);
  const exact = scoreOfSum(sums.all);
  const then = scoreOfSum(sums.older * decayFactor(-TREND_WINDOW_MS, halfLifeMs));
  return {
    score: roundScore(exact),
    trend: trendOf(then, exact),
    signals: rows
      .filter((row) => new Date(row.fired_at).getTime() <= now.getTime())
      .map((row) => ({ ...signalView(row), contribution: Number(row.weight) * decayFactor(now.getTime() - new Date(row.fired_at).getTime(), halfLifeMs) })),
    halfLife,
    rulesVersion: rules?.version ?? 0,
    activity: await activityOf(db, tenantId, leadId, rules, now),
  };
}

/**
 * A pilot version's score is computed from the lead's events of the last
 * PILOT_LOOKBACK_MS as the dry-run computes it (nothing stored): everyone
 * else's running sums stay untouched. `rulesVersion` is the console version.
 */
const PILOT_LOOKBACK_MS = 30 * 24 * 3600_000;
const PILOT_HISTORY_LIMIT = 5000;
async function pilotIntent(db: Queryable, tenantId: string, leadId: string, rules: LiveRules, now: Date): Promise<LeadIntent> {
  const visitors = await store.visitorsOfLeads(db, tenantId, [leadId]);
  const stored = await listEvents(db, tenantId, {
    leadIds: [leadId],
    anonymousIds: visitors.map((visitor) => visitor.anonymousId),
    names: [...rules.names],
    pages: rules.pages,
    from: new Date(now.getTime() - PILOT_LOOKBACK_MS),
    to: now,
    limit: PILOT_HISTORY_LIMIT,
    newestFirst: true,
  });
  const events = stored.map((event) => ({ messageId: event.messageId, type: event.type, event: event.event, properties: event.properties, at: event.occurredAt.getTime() })).reverse();
  const fired = evaluateHistory(rules, events, now.getTime());
  const exact = scoreOfSum(decayedSum(fired, now.getTime(), rules.halfLifeMs));
  const then = scoreOfSum(decayedSum(fired, now.getTime() - TREND_WINDOW_MS, rules.halfLifeMs));
  return {
    score: roundScore(exact),
    trend: trendOf(then, exact),
    signals: fired
      .slice(-MAX_SIGNALS_SHOWN)
      .reverse()
      .map((signal) => ({
        id: `pilot:${rules.version}:${signal.ruleId}:${signal.keyMessageId}`,
        ruleId: signal.ruleId,
        kind: signal.kind,
        label: signal.label,
        weight: signal.weight,
        contribution: signal.weight * decayFactor(now.getTime() - signal.at, rules.halfLifeMs),
        at: new Date(signal.at).toISOString(),
        explanation: signal.explanation,
        messageIds: signal.messageIds,
        rulesVersion: rules.version,
      })),
    halfLife: rules.source.halfLife,
    rulesVersion: rules.version,
    activity: await activityOf(db, tenantId, leadId, rules, now),
  };
}

/** The lead's recent events in words (行为轨迹): a weight rule's explanation when one matches, else the event described. */
async function activityOf(db: Queryable, tenantId: string, leadId: string, rules: LiveRules | undefined, now: Date): Promise<ActivityItem[]> {
  const visitors = await store.visitorsOfLeads(db, tenantId, [leadId]);
  const events = await listEvents(db, tenantId, {
    leadIds: [leadId],
    anonymousIds: visitors.map((visitor) => visitor.anonymousId),
    from: new Date(now.getTime() - ACTIVITY_LOOKBACK_MS),
    to: now,
    limit: ACTIVITY_LIMIT,
    newestFirst: true,
  });
  return events.map((stored) => {
    const event = { messageId: stored.messageId, type: stored.type, event: stored.event, properties: stored.properties, at: stored.occurredAt.getTime() };
    const rule = rules?.weights.find((candidate) => matchesEvent({ event: candidate.event, where: candidate.where }, event));
    const summary = rule ? explainWeight(rule.label, { event: rule.event, where: rule.where }, event) : describeEvent(event);
    return { at: stored.occurredAt.toISOString(), type: stored.type, event: stored.event, messageId: stored.messageId, summary };
  });
}

/** Current scores (0–100, unrounded) of `leadIds` from their running sums; leads without signals are absent. */
export async function intentScores(db: Queryable, tenantId: string, leadIds: readonly string[], now = new Date()): Promise<Map<string, number>> {
  const rows = await store.scoreRows(db, tenantId, leadIds);
  return new Map(rows.map((row) => [row.lead_id, scoreOfSum(Number(row.sum) * decayFactor(now.getTime() - new Date(row.sum_at).getTime(), Number(row.half_life_ms)))]));
}

// ——— Silence ———

/** Most silences one sweep fires; the next tick takes the rest. */
export const SILENCE_SWEEP_BATCH = 500;

/**
 * Fires every silence whose window closed by `now` without an expected event,
 * across tenants, once (claimed rows are locked, a concurrent sweep skips
 * them): a `silence` signal, `signal.fired` and `lead.going_silent`.
 */
export async function sweepSilences(db: Database, now = new Date(), limit = SILENCE_SWEEP_BATCH): Promise<number> {
  return db.transaction(async (tx) => {
    const due = await store.claimDueSilences(tx, now, limit);
    const byTenant = new Map<string, store.SilenceRow[]>();
    for (const row of due) byTenant.set(row.tenant_id, [...(byTenant.get(row.tenant_id) ?? []), row]);
    for (const [tenantId, rows] of byTenant) {
      const rules = (await liveRules(tx, tenantId)) ?? toLiveRules({ halfLife: DEFAULT_HALF_LIFE, weights: [], sequences: [], silences: [], thresholds: [] }, 0, now);
      await recordSignals(
        tx,
        tenantId,
        rules,
        rows.map((row) => ({
          ruleId: row.rule_id,
          keyMessageId: row.anchor_message_id,
          kind: 'silence' as const,
          rulesVersion: row.rules_version,
          leadId: row.lead_id,
          anonymousId: row.anonymous_id,
          weight: Number(row.weight),
          firedAt: new Date(row.due_at),
          messageIds: [row.anchor_message_id],
          label: row.label,
          explanation: row.explanation,
        })),
        now,
      );
    }
    return due.length;
  });
}

// ——— Lead merges ———

/**
 * `lead.merged` of one existing lead into another: the absorbed lead's
 * signals, visitors and silences join the survivor, whose running sum is
 * rebuilt. (A submission merge brings no lead of its own: nothing moves.)
 */
export async function onLeadMerged(tx: Queryable, event: OutboxEvent): Promise<void> {
  const data = event.data as { lead?: { id?: string }; kind?: string; absorbedLeadId?: string };
  const survivor = data.lead?.id;
  const absorbed = data.absorbedLeadId;
  if (data.kind !== 'lead' || !survivor || !absorbed) return;
  await store.moveLeadSignals(tx, event.tenantId, absorbed, survivor);
  await store.moveVisitors(tx, event.tenantId, absorbed, survivor);
  await store.moveLeadSilences(tx, event.tenantId, absorbed, survivor);
  await store.deleteScore(tx, event.tenantId, absorbed);
  const rules = await liveRules(tx, event.tenantId);
  await store.recomputeScores(tx, event.tenantId, new Date(), rules?.halfLifeMs ?? isoDurationMs(parseIsoDuration(DEFAULT_HALF_LIFE)!), [survivor]);
}
