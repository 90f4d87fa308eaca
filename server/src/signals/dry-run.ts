import { decayedSum, decayFactor, evaluateHistory, roundScore, scoreOfSum, type DryRunResponse, type FiredSignal, type SignalEvent, type SignalRuleSet } from '@huashu/core';
import { listEvents } from '../events/index.js';
import type { Queryable } from '../platform/db/types.js';
import { subjectKey, toLiveRules } from './evaluation.js';
import * as store from './signals.store.js';

/** Events one dry-run reads at most (the newest); beyond this the response says `truncated`. */
export const DRY_RUN_MAX_EVENTS = 200_000;
const EXAMPLES = 5;
const SIGNALS_PER_EXAMPLE = 5;
const BUCKET_WIDTH = 20;
const DAY_MS = 24 * 3600_000;

function distribution(scores: readonly number[], thresholds: readonly number[]): DryRunResponse['distribution']['before'] {
  const sorted = [...scores].sort((a, b) => a - b);
  const quantile = (q: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
  const buckets = [];
  for (let from = 0; from < 100; from += BUCKET_WIDTH) {
    const to = from + BUCKET_WIDTH;
    buckets.push({ from, to, leads: sorted.filter((score) => score >= from && (to === 100 ? score <= to : score < to)).length });
  }
  return {
    leads: sorted.length,
    mean: sorted.length === 0 ? 0 : Math.round((10 * sorted.reduce((sum, score) => sum + score, 0)) / sorted.length) / 10,
    p50: quantile(0.5),
    p90: quantile(0.9),
    atOrAbove: thresholds.map((score) => ({ score, leads: sorted.filter((value) => value >= score).length })),
    buckets,
  };
}

/**
 * The sandbox: `rules` evaluated over the stored events of the last `days`
 * days, reading only — no signal, score, silence or outbox event is written.
 * Visitors count toward the leads they are identified as today. "Before" is
 * every lead's live score now; "after" the proposed set's score now over the
 * window's events.
 */
export async function dryRun(db: Queryable, tenantId: string, input: { rules: SignalRuleSet; days: number }, now = new Date()): Promise<DryRunResponse> {
  const rules = toLiveRules(input.rules, 0, now);
  const from = new Date(now.getTime() - input.days * DAY_MS);
  const read = await listEvents(db, tenantId, { names: [...rules.names], pages: rules.pages, from, to: now, limit: DRY_RUN_MAX_EVENTS + 1, newestFirst: true });
  const truncated = read.length > DRY_RUN_MAX_EVENTS;
  const events = truncated ? read.slice(0, DRY_RUN_MAX_EVENTS) : read;
  const visitors = await store.leadsOfVisitors(db, tenantId, [...new Set(events.filter((e) => !e.leadId && e.anonymousId).map((e) => e.anonymousId!))]);

  const bySubject = new Map<string, { leadId: string | null; events: SignalEvent[] }>();
  for (const stored of events) {
    const leadId = stored.leadId ?? (stored.anonymousId ? visitors.get(stored.anonymousId) : undefined) ?? null;
    if (!leadId && !stored.anonymousId) continue;
    const key = subjectKey(leadId, stored.anonymousId);
    const subject = bySubject.get(key) ?? { leadId, events: [] };
    subject.events.push({ messageId: stored.messageId, type: stored.type, event: stored.event, properties: stored.properties, at: stored.occurredAt.getTime() });
    bySubject.set(key, subject);
  }

  const perRule = new Map<string, { kind: FiredSignal['kind']; label: FiredSignal['label']; leads: Set<string>; signals: number }>();
  for (const rule of rules.weights) perRule.set(rule.id, { kind: 'weight', label: rule.label, leads: new Set(), signals: 0 });
  for (const rule of rules.sequences) perRule.set(rule.id, { kind: 'sequence', label: rule.label, leads: new Set(), signals: 0 });
  for (const rule of rules.silences) perRule.set(rule.id, { kind: 'silence', label: rule.label, leads: new Set(), signals: 0 });

  const after = new Map<string, { score: number; fired: FiredSignal[] }>();
  for (const subject of bySubject.values()) {
    if (!subject.leadId) continue;
    const fired = evaluateHistory(rules, subject.events, now.getTime());
    for (const signal of fired) {
      const stats = perRule.get(signal.ruleId)!;
      stats.leads.add(subject.leadId);
      stats.signals++;
    }
    after.set(subject.leadId, { score: scoreOfSum(decayedSum(fired, now.getTime(), rules.halfLifeMs)), fired });
  }

  const live = await store.allScoreRows(db, tenantId);
  const before = new Map(live.map((row) => [row.lead_id, scoreOfSum(Number(row.sum) * decayFactor(now.getTime() - new Date(row.sum_at).getTime(), Number(row.half_life_ms)))]));
  const leads = [...new Set([...before.keys(), ...after.keys()])];
  const thresholds = rules.thresholds.map((threshold) => threshold.score);
  const examples = [...after]
    .filter(([, result]) => result.fired.length > 0)
    .sort((a, b) => b[1].score - a[1].score || a[0].localeCompare(b[0]))
    .slice(0, EXAMPLES)
    .map(([leadId, result]) => ({
      leadId,
      before: roundScore(before.get(leadId) ?? 0),
      after: roundScore(result.score),
      signals: result.fired
        .slice(-SIGNALS_PER_EXAMPLE)
        .reverse()
        .map((signal) => ({ ruleId: signal.ruleId, at: new Date(signal.at).toISOString(), weight: signal.weight, explanation: signal.explanation, messageIds: signal.messageIds })),
    }));
  return {
    days: input.days,
    from: from.toISOString(),
    to: now.toISOString(),
    events: events.length,
    leads: leads.length,
    rules: [...perRule].map(([ruleId, stats]) => ({ ruleId, kind: stats.kind, label: stats.label, leads: stats.leads.size, signals: stats.signals })),
    distribution: {
      before: distribution(leads.map((leadId) => roundScore(before.get(leadId) ?? 0)), thresholds),
      after: distribution(leads.map((leadId) => roundScore(after.get(leadId)?.score ?? 0)), thresholds),
    },
    examples,
    truncated,
  };
}
