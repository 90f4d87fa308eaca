import { randomUUID } from 'node:crypto';
import { MAX_SCORE, type LocalizedText, type SignalKind, type SignalRuleSet } from '@huashu/core';
import { lockTenantScope } from '../platform/db/tenant-lock.js';
import type { Queryable } from '../platform/db/types.js';
import { outboxInsertSql } from '../platform/jobs/index.js';

/** All SQL of the signals domain's tables (rules, visitors, signals, scores, silences, share links). */

// ——— Rule sets ———

export interface RuleSetRow {
  version: number;
  rules: SignalRuleSet;
  created_by: string | null;
  created_at: Date | string;
}

export async function liveRuleVersion(q: Queryable, tenantId: string): Promise<number> {
  const result = await q.query<{ version: number }>(`SELECT version FROM signal_rule_sets WHERE tenant_id = $1 ORDER BY version DESC LIMIT 1`, [tenantId]);
  return result.rows[0]?.version ?? 0;
}

export async function ruleSet(q: Queryable, tenantId: string, version?: number): Promise<RuleSetRow | undefined> {
  const result = await q.query<RuleSetRow>(
    version === undefined
      ? `SELECT version, rules, created_by, created_at FROM signal_rule_sets WHERE tenant_id = $1 ORDER BY version DESC LIMIT 1`
      : `SELECT version, rules, created_by, created_at FROM signal_rule_sets WHERE tenant_id = $1 AND version = $2`,
    version === undefined ? [tenantId] : [tenantId, version],
  );
  return result.rows[0];
}

export async function ruleVersions(q: Queryable, tenantId: string, limit: number): Promise<RuleSetRow[]> {
  const result = await q.query<RuleSetRow>(
    `SELECT version, rules, created_by, created_at FROM signal_rule_sets WHERE tenant_id = $1 ORDER BY version DESC LIMIT $2`,
    [tenantId, limit],
  );
  return result.rows;
}

/** Appends the next version; concurrent PUTs of one tenant queue on a transaction lock, so versions never collide. */
/** Serialises rule-set writes of a tenant: the version read as "before" is the one the write replaces. */
export async function lockRuleSets(tx: Queryable, tenantId: string): Promise<void> {
  await lockTenantScope(tx, 'signal-rules', tenantId);
}

/** Call under `lockRuleSets`. */
export async function appendRuleSet(tx: Queryable, tenantId: string, rules: SignalRuleSet, createdBy: string | null): Promise<RuleSetRow> {
  const result = await tx.query<RuleSetRow>(
    `INSERT INTO signal_rule_sets (tenant_id, version, rules, created_by)
     SELECT $1, coalesce(max(version), 0) + 1, $2::jsonb, $3 FROM signal_rule_sets WHERE tenant_id = $1
     RETURNING version, rules, created_by, created_at`,
    [tenantId, JSON.stringify(rules), createdBy],
  );
  return result.rows[0]!;
}

// ——— Visitors ———

/**
 * The links of these visitors and every link of these leads, in one query
 * that first takes the subject locks `lockKeys` (see `lockSubjects`): one
 * round trip fewer per batch.
 */
export async function visitorLinks(q: Queryable, tenantId: string, anonymousIds: readonly string[], leadIds: readonly string[], lockKeys: readonly string[] = []): Promise<{ anonymousId: string; leadId: string }[]> {
  if (anonymousIds.length === 0 && leadIds.length === 0 && lockKeys.length === 0) return [];
  // Not prepared (unlike the other statements of evaluation): its generic plan for the two
  // ANY arrays measured slower in `npm run bench` than planning it with the values each time.
  const result = await q.query<{ anonymous_id: string | null; lead_id: string | null }>(
    `SELECT NULL::text AS anonymous_id, NULL::text AS lead_id
     FROM (SELECT pg_advisory_xact_lock(hashtextextended('signal-subject:' || $1::text || ':' || k, 0)) FROM (SELECT DISTINCT k FROM unnest($4::text[]) AS k ORDER BY k) sorted) locks
     UNION ALL
     SELECT anonymous_id, lead_id FROM signal_visitors WHERE tenant_id = $1 AND (anonymous_id = ANY($2::text[]) OR lead_id = ANY($3::text[]))`,
    [tenantId, anonymousIds, leadIds, lockKeys],
  );
  return result.rows.filter((row) => row.anonymous_id !== null).map((row) => ({ anonymousId: row.anonymous_id!, leadId: row.lead_id! }));
}

/**
 * Links visitors not linked yet (the caller looked) to leads; the first link
 * of a visitor wins. Returns the links that are new.
 */
export async function insertVisitorLinks(q: Queryable, tenantId: string, links: readonly { anonymousId: string; leadId: string }[]): Promise<{ anonymousId: string; leadId: string }[]> {
  if (links.length === 0) return [];
  const sorted = [...links].sort((a, b) => (a.anonymousId < b.anonymousId ? -1 : 1));
  // Sorted, so concurrent batches inserting the same visitors wait for each other instead of deadlocking.
  const result = await q.query<{ anonymous_id: string; lead_id: string }>(
    `INSERT INTO signal_visitors (tenant_id, anonymous_id, lead_id)
     SELECT $1, a, l FROM unnest($2::text[], $3::text[]) AS u(a, l) ORDER BY a
     ON CONFLICT (tenant_id, anonymous_id) DO NOTHING
     RETURNING anonymous_id, lead_id`,
    [tenantId, sorted.map((link) => link.anonymousId), sorted.map((link) => link.leadId)],
    { prepare: true },
  );
  return result.rows.map((row) => ({ anonymousId: row.anonymous_id, leadId: row.lead_id }));
}

export async function leadsOfVisitors(q: Queryable, tenantId: string, anonymousIds: readonly string[]): Promise<Map<string, string>> {
  if (anonymousIds.length === 0) return new Map();
  const result = await q.query<{ anonymous_id: string; lead_id: string }>(
    `SELECT anonymous_id, lead_id FROM signal_visitors WHERE tenant_id = $1 AND anonymous_id = ANY($2::text[])`,
    [tenantId, anonymousIds],
  );
  return new Map(result.rows.map((row) => [row.anonymous_id, row.lead_id]));
}

export async function visitorsOfLeads(q: Queryable, tenantId: string, leadIds: readonly string[]): Promise<{ anonymousId: string; leadId: string }[]> {
  if (leadIds.length === 0) return [];
  const result = await q.query<{ anonymous_id: string; lead_id: string }>(
    `SELECT anonymous_id, lead_id FROM signal_visitors WHERE tenant_id = $1 AND lead_id = ANY($2::text[])`,
    [tenantId, leadIds],
  );
  return result.rows.map((row) => ({ anonymousId: row.anonymous_id, leadId: row.lead_id }));
}

export async function moveVisitors(q: Queryable, tenantId: string, fromLeadId: string, toLeadId: string): Promise<void> {
  await q.query(`UPDATE signal_visitors SET lead_id = $3 WHERE tenant_id = $1 AND lead_id = $2`, [tenantId, fromLeadId, toLeadId]);
}

/**
 * Serialises evaluations of the same subjects (a lead, or an anonymous
 * visitor) across concurrent batches: the second waits, then sees the
 * first's events. Taken in one sorted order, so two batches cannot deadlock.
 */
export async function lockSubjects(q: Queryable, tenantId: string, subjects: readonly string[]): Promise<void> {
  if (subjects.length === 0) return;
  await q.query(
    `SELECT pg_advisory_xact_lock(hashtextextended('signal-subject:' || s.tenant_id || ':' || s.k, 0))
     FROM (SELECT $1::text AS tenant_id, k FROM unnest($2::text[]) AS k ORDER BY k) s`,
    [tenantId, [...new Set(subjects)]],
    { prepare: true },
  );
}

// ——— Signals ———

export interface NewSignal {
  /** Given by the caller when it announces the signal (its outbox event names the id). */
  id?: string;
  /**
   * The outbox event to write when the signal is new (not a replay), in the
   * same statement; `score` — the lead's whole-point score after it — is added
   * to its data there.
   */
  announce?: { id: string; type: string; data: Record<string, unknown> };
  ruleId: string;
  keyMessageId: string;
  kind: SignalKind;
  rulesVersion: number;
  leadId: string | null;
  anonymousId: string | null;
  weight: number;
  firedAt: Date;
  messageIds: string[];
  label: LocalizedText;
  explanation: LocalizedText;
}

export interface SignalRow {
  id: string;
  rule_id: string;
  key_message_id: string;
  kind: SignalKind;
  rules_version: number;
  lead_id: string | null;
  anonymous_id: string | null;
  weight: number;
  fired_at: Date | string;
  message_ids: string[];
  label: LocalizedText;
  explanation: LocalizedText;
}

/**
 * `roundScore(scoreOfSum(sum))` in SQL, for the score an announced signal
 * carries (signals-score.test checks the two agree on both engines). Not
 * `round()`: on float8 it rounds halves to even, Math.round rounds them up.
 * The sum is capped where e^−sum would underflow, which Postgres refuses.
 */
const EXP_UNDERFLOW_GUARD = 700;
export const scoreOfSumSql = (sum: string) => `floor(${MAX_SCORE} * (1 - exp(-least(greatest(0::float8, ${sum}), ${EXP_UNDERFLOW_GUARD}))) + 0.5)::int`;

/** The id form of the column default, for callers that must name a signal before it is inserted. */
export const newSignalId = () => `sig_${randomUUID().replaceAll('-', '')}`;

/** A signal as stored, from what was inserted. */
export const signalRow = (signal: NewSignal, id: string): SignalRow => ({
  id,
  rule_id: signal.ruleId,
  key_message_id: signal.keyMessageId,
  kind: signal.kind,
  rules_version: signal.rulesVersion,
  lead_id: signal.leadId,
  anonymous_id: signal.anonymousId,
  weight: signal.weight,
  fired_at: signal.firedAt,
  message_ids: signal.messageIds,
  label: signal.label,
  explanation: signal.explanation,
});

const SIGNAL_COLUMNS = 'id, rule_id, key_message_id, kind, rules_version, lead_id, anonymous_id, weight, fired_at, message_ids, label, explanation';
const SIGNAL_COLUMNS_OF_S = SIGNAL_COLUMNS.split(', ').map((column) => 's.' + column).join(', ');

/**
 * One statement per evaluated batch for all its writes (round trips are what
 * evaluation costs): new silence anchors and the pending silences an expected
 * event broke (the update does not see the anchors inserted beside it; their
 * state was decided from history), and the signals below.
 *
 * Inserts signals not yet fired and adds each lead's decayed delta as of
 * `now` — the new signals' and the `moved` ones' (signals that just became
 * the lead's) — to its running sum, in one statement. The stored sum is
 * decayed to `now` first; a row kept under another half-life is recomputed
 * from the lead's signals (which here do not yet include the new ones, so
 * their delta is added). Returns the new signals and each lead's delta and
 * sum after.
 */
export async function insertSignalsAndScore(
  q: Queryable,
  tenantId: string,
  signals: readonly NewSignal[],
  moved: readonly { leadId: string; delta: number }[],
  now: Date,
  halfLifeMs: number,
  silences: readonly NewSilence[] = [],
  expected: readonly ExpectedEvent[] = [],
): Promise<{ inserted: SignalRow[]; sums: Map<string, { sum: number; delta: number }> }> {
  if (signals.length === 0 && moved.length === 0 && silences.length === 0 && expected.length === 0) return { inserted: [], sums: new Map() };
  const silence = silenceStatements(7);
  // Most batches anchor no silence and break none: two empty CTEs still cost planning, which PGlite feels.
  const withSilences = silences.length > 0 || expected.length > 0;
  const silenceCtes = withSilences ? `, silences AS (${silence.insert}), satisfied AS (${silence.satisfy})` : '';
  const announce = outboxInsertSql(
    `SELECT $1 AS tenant_id, input.oi, input.ot, input.od || jsonb_build_object('score', ${scoreOfSumSql('scores.sum')})
     FROM ins JOIN input ON input.id = ins.id JOIN scores ON scores.lead_id = ins.lead_id WHERE input.oi IS NOT NULL`,
  );
  const result = await q.query<{ what: 'signal' | 'score'; id: string | null; rule_id: string | null; key_message_id: string | null; lead_id: string | null; sum: number | null; delta: number | null }>(
    `WITH input AS MATERIALIZED (
       SELECT * FROM jsonb_to_recordset($2::jsonb)
         AS u(id text, r text, k text, kd text, v int, l text, a text, w float8, f timestamptz, m jsonb, lb jsonb, ex jsonb, oi text, ot text, od jsonb)),
     ins AS (
       INSERT INTO signals (tenant_id, id, rule_id, key_message_id, kind, rules_version, lead_id, anonymous_id, weight, fired_at, message_ids, label, explanation)
       SELECT $1, id, r, k, kd, v, l, a, w, f, m, lb, ex FROM input
       ON CONFLICT (tenant_id, rule_id, key_message_id) DO NOTHING
       RETURNING id, rule_id, key_message_id, lead_id, weight, fired_at),
     deltas AS (
       SELECT lead_id, sum(delta) AS delta, coalesce(sum(delta) FILTER (WHERE fresh), 0) AS fresh_delta FROM (
         SELECT lead_id, weight * power(2::float8, -(extract(epoch FROM ($3::timestamptz - fired_at)) * 1000) / $4::float8) AS delta, true AS fresh FROM ins WHERE lead_id IS NOT NULL
         UNION ALL SELECT ml, md, false FROM unnest($5::text[], $6::float8[]) AS mv(ml, md)) x
       GROUP BY lead_id),
     scores AS (
       INSERT INTO signal_scores AS s (tenant_id, lead_id, sum, sum_at, half_life_ms)
       SELECT $1, lead_id, delta, $3::timestamptz, $4::bigint FROM deltas ORDER BY lead_id
       ON CONFLICT (tenant_id, lead_id) DO UPDATE SET
         sum = CASE WHEN s.half_life_ms = EXCLUDED.half_life_ms
           THEN s.sum * power(2::float8, -(extract(epoch FROM (EXCLUDED.sum_at - s.sum_at)) * 1000) / s.half_life_ms::float8) + EXCLUDED.sum
           ELSE (SELECT coalesce(sum(g.weight * power(2::float8, -(extract(epoch FROM (EXCLUDED.sum_at - g.fired_at)) * 1000) / EXCLUDED.half_life_ms::float8)), 0)
                 FROM signals g WHERE g.tenant_id = s.tenant_id AND g.lead_id = s.lead_id)
                + (SELECT d.fresh_delta FROM deltas d WHERE d.lead_id = s.lead_id) END,
         sum_at = EXCLUDED.sum_at,
         half_life_ms = EXCLUDED.half_life_ms
       RETURNING lead_id, sum),
     announced AS (${announce})${silenceCtes}
     SELECT 'signal' AS what, id, rule_id, key_message_id, NULL::text AS lead_id, NULL::float8 AS sum, NULL::float8 AS delta FROM ins
     UNION ALL
     SELECT 'score', NULL, NULL, NULL, scores.lead_id, scores.sum, deltas.delta FROM scores JOIN deltas ON deltas.lead_id = scores.lead_id`,
    [
      tenantId,
      // One JSON document, not eleven arrays: the driver escapes every quote inside an array's JSON elements, which cost more than the insert.
      JSON.stringify(
        signals.map((s) => ({
          id: s.id ?? newSignalId(),
          r: s.ruleId,
          k: s.keyMessageId,
          kd: s.kind,
          v: s.rulesVersion,
          l: s.leadId,
          a: s.anonymousId,
          w: s.weight,
          f: s.firedAt.toISOString(),
          m: s.messageIds,
          lb: s.label,
          ex: s.explanation,
          oi: s.announce?.id ?? null,
          ot: s.announce?.type ?? null,
          od: s.announce?.data ?? null,
        })),
      ),
      now.toISOString(),
      halfLifeMs,
      moved.map((m) => m.leadId),
      moved.map((m) => m.delta),
      ...(withSilences ? silenceParams(silences, expected) : []),
    ],
    { prepare: true },
  );
  const byKey = new Map(signals.map((signal) => [`${signal.ruleId}\n${signal.keyMessageId}`, signal]));
  const inserted: SignalRow[] = [];
  const sums = new Map<string, { sum: number; delta: number }>();
  for (const row of result.rows) {
    if (row.what === 'score') {
      sums.set(row.lead_id!, { sum: Number(row.sum), delta: Number(row.delta) });
      continue;
    }
    inserted.push(signalRow(byKey.get(`${row.rule_id}\n${row.key_message_id}`)!, row.id!));
  }
  return { inserted, sums };
}

export async function moveLeadSignals(q: Queryable, tenantId: string, fromLeadId: string, toLeadId: string): Promise<number> {
  const result = await q.query(`UPDATE signals SET lead_id = $3 WHERE tenant_id = $1 AND lead_id = $2`, [tenantId, fromLeadId, toLeadId]);
  return result.rowCount;
}

export async function signalsOfLead(q: Queryable, tenantId: string, leadId: string, limit: number): Promise<SignalRow[]> {
  const result = await q.query<SignalRow>(
    `SELECT ${SIGNAL_COLUMNS} FROM signals WHERE tenant_id = $1 AND lead_id = $2 ORDER BY fired_at DESC, id LIMIT $3`,
    [tenantId, leadId, limit],
  );
  return result.rows;
}

/**
 * Σ w·2^(−(now − t)/h) over a lead's signals, for all of them and for those
 * older than `windowMs` (the trend's earlier score is the latter moved back
 * by the window).
 */
export async function decayedSumsOfLead(q: Queryable, tenantId: string, leadId: string, now: Date, halfLifeMs: number, windowMs: number): Promise<{ all: number; older: number; count: number }> {
  const result = await q.query<{ all_sum: number | null; older_sum: number | null; n: number }>(
    `SELECT sum(weight * power(2::float8, -(extract(epoch FROM ($3::timestamptz - fired_at)) * 1000) / $4::float8)) AS all_sum,
            sum(weight * power(2::float8, -(extract(epoch FROM ($3::timestamptz - fired_at)) * 1000) / $4::float8))
              FILTER (WHERE fired_at <= $3::timestamptz - $5::float8 * interval '1 millisecond') AS older_sum,
            count(*)::int AS n
     FROM signals WHERE tenant_id = $1 AND lead_id = $2 AND fired_at <= $3::timestamptz`,
    [tenantId, leadId, now.toISOString(), halfLifeMs, windowMs],
  );
  const row = result.rows[0];
  return { all: Number(row?.all_sum ?? 0), older: Number(row?.older_sum ?? 0), count: row?.n ?? 0 };
}

/** Every lead's signals as (lead, weight, time), for the dry-run's "before". */
export async function leadSignalWeights(q: Queryable, tenantId: string, leadIds: readonly string[]): Promise<{ lead_id: string; weight: number; fired_at: Date | string }[]> {
  if (leadIds.length === 0) return [];
  const result = await q.query<{ lead_id: string; weight: number; fired_at: Date | string }>(
    `SELECT lead_id, weight, fired_at FROM signals WHERE tenant_id = $1 AND lead_id = ANY($2::text[])`,
    [tenantId, leadIds],
  );
  return result.rows;
}

// ——— Scores ———

export interface ScoreRow {
  lead_id: string;
  sum: number;
  sum_at: Date | string;
  half_life_ms: number | string;
}

/**
 * Adds each lead's decayed delta (as of `now`) to its running sum, decaying
 * the stored sum to `now` first. A row kept under another half-life is
 * recomputed from the lead's signals instead (which already include the new
 * ones). Returns the sums after.
 */
export async function addToScores(q: Queryable, tenantId: string, deltas: readonly { leadId: string; delta: number }[], now: Date, halfLifeMs: number): Promise<Map<string, number>> {
  if (deltas.length === 0) return new Map();
  const result = await q.query<{ lead_id: string; sum: number }>(
    `INSERT INTO signal_scores AS s (tenant_id, lead_id, sum, sum_at, half_life_ms)
     SELECT $1, l, d, $4::timestamptz, $5::bigint FROM unnest($2::text[], $3::float8[]) AS u(l, d) ORDER BY l
     ON CONFLICT (tenant_id, lead_id) DO UPDATE SET
       sum = CASE WHEN s.half_life_ms = EXCLUDED.half_life_ms
         THEN s.sum * power(2::float8, -(extract(epoch FROM (EXCLUDED.sum_at - s.sum_at)) * 1000) / s.half_life_ms::float8) + EXCLUDED.sum
         ELSE (SELECT coalesce(sum(g.weight * power(2::float8, -(extract(epoch FROM (EXCLUDED.sum_at - g.fired_at)) * 1000) / EXCLUDED.half_life_ms::float8)), 0)
               FROM signals g WHERE g.tenant_id = s.tenant_id AND g.lead_id = s.lead_id) END,
       sum_at = EXCLUDED.sum_at,
       half_life_ms = EXCLUDED.half_life_ms
     RETURNING lead_id, sum`,
    [tenantId, deltas.map((d) => d.leadId), deltas.map((d) => d.delta), now.toISOString(), halfLifeMs],
  );
  return new Map(result.rows.map((row) => [row.lead_id, Number(row.sum)]));
}

/** Rebuilds the running sums of `leadIds` (all of the tenant's when absent) from their signals, as of `now`. */
export async function recomputeScores(q: Queryable, tenantId: string, now: Date, halfLifeMs: number, leadIds?: readonly string[]): Promise<Map<string, number>> {
  const result = await q.query<{ lead_id: string; sum: number }>(
    `INSERT INTO signal_scores AS s (tenant_id, lead_id, sum, sum_at, half_life_ms)
     SELECT $1, g.lead_id, sum(g.weight * power(2::float8, -(extract(epoch FROM ($2::timestamptz - g.fired_at)) * 1000) / $3::float8)), $2::timestamptz, $3::bigint
     FROM signals g WHERE g.tenant_id = $1 AND g.lead_id IS NOT NULL AND ($4::text[] IS NULL OR g.lead_id = ANY($4::text[]))
     GROUP BY g.lead_id
     ON CONFLICT (tenant_id, lead_id) DO UPDATE SET sum = EXCLUDED.sum, sum_at = EXCLUDED.sum_at, half_life_ms = EXCLUDED.half_life_ms
     RETURNING lead_id, sum`,
    [tenantId, now.toISOString(), halfLifeMs, leadIds ?? null],
  );
  return new Map(result.rows.map((row) => [row.lead_id, Number(row.sum)]));
}

export async function deleteScore(q: Queryable, tenantId: string, leadId: string): Promise<void> {
  await q.query(`DELETE FROM signal_scores WHERE tenant_id = $1 AND lead_id = $2`, [tenantId, leadId]);
}

export async function scoreRows(q: Queryable, tenantId: string, leadIds: readonly string[]): Promise<ScoreRow[]> {
  if (leadIds.length === 0) return [];
  const result = await q.query<ScoreRow>(`SELECT lead_id, sum, sum_at, half_life_ms FROM signal_scores WHERE tenant_id = $1 AND lead_id = ANY($2::text[])`, [tenantId, leadIds]);
  return result.rows;
}

export async function allScoreRows(q: Queryable, tenantId: string): Promise<ScoreRow[]> {
  const result = await q.query<ScoreRow>(`SELECT lead_id, sum, sum_at, half_life_ms FROM signal_scores WHERE tenant_id = $1`, [tenantId]);
  return result.rows;
}

// ——— Silences ———

export interface NewSilence {
  ruleId: string;
  anchorMessageId: string;
  rulesVersion: number;
  leadId: string | null;
  anonymousId: string | null;
  anchoredAt: Date;
  dueAt: Date;
  /** Already broken by an expected event that arrived before its anchor. */
  satisfied: boolean;
  weight: number;
  label: LocalizedText;
  explanation: LocalizedText;
}

/** The silence writes, their parameters numbered from `$first` (the tenant is always `$1`). */
function silenceStatements(first: number): { insert: string; satisfy: string } {
  const $ = (n: number) => `$${first + n}`;
  return {
    insert: `INSERT INTO signal_silences (tenant_id, rule_id, anchor_message_id, rules_version, lead_id, anonymous_id, anchored_at, due_at, state, settled_at, weight, label, explanation)
     SELECT $1, r, m, v, l, a, t, d, CASE WHEN s THEN 'satisfied' ELSE 'pending' END, CASE WHEN s THEN now() END, w, lb::jsonb, ex::jsonb
     FROM unnest(${$(0)}::text[], ${$(1)}::text[], ${$(2)}::int[], ${$(3)}::text[], ${$(4)}::text[], ${$(5)}::timestamptz[], ${$(6)}::timestamptz[], ${$(7)}::boolean[], ${$(8)}::float8[], ${$(9)}::text[], ${$(10)}::text[])
       AS u(r, m, v, l, a, t, d, s, w, lb, ex)
     ON CONFLICT (tenant_id, rule_id, anchor_message_id) DO NOTHING`,
    // Each expected event looks up its own subject's pending silences (one lateral branch per
    // partial index); one OR across lead and visitor made the planner walk every pending silence
    // of the tenant for every event.
    satisfy: `UPDATE signal_silences s SET state = 'satisfied', settled_at = now()
     FROM (SELECT DISTINCT m.rule_id, m.anchor_message_id
           FROM unnest(${$(11)}::text[], ${$(12)}::text[], ${$(13)}::text[], ${$(14)}::timestamptz[]) AS e(r, l, a, t)
           CROSS JOIN LATERAL (
             SELECT rule_id, anchor_message_id FROM signal_silences
              WHERE tenant_id = $1 AND state = 'pending' AND e.l IS NOT NULL AND lead_id = e.l AND rule_id = e.r AND anchored_at <= e.t AND e.t <= due_at
             UNION ALL
             SELECT rule_id, anchor_message_id FROM signal_silences
              WHERE tenant_id = $1 AND state = 'pending' AND e.l IS NULL AND lead_id IS NULL AND anonymous_id = e.a AND rule_id = e.r AND anchored_at <= e.t AND e.t <= due_at) m) hit
     WHERE s.tenant_id = $1 AND s.rule_id = hit.rule_id AND s.anchor_message_id = hit.anchor_message_id AND s.state = 'pending'`,
  };
}

export type ExpectedEvent = { ruleId: string; leadId: string | null; anonymousId: string | null; at: Date };

function silenceParams(silences: readonly NewSilence[], expected: readonly ExpectedEvent[]): unknown[] {
  const col = <T>(pick: (silence: NewSilence) => T) => silences.map(pick);
  return [
    col((s) => s.ruleId),
    col((s) => s.anchorMessageId),
    col((s) => s.rulesVersion),
    col((s) => s.leadId),
    col((s) => s.anonymousId),
    col((s) => s.anchoredAt.toISOString()),
    col((s) => s.dueAt.toISOString()),
    col((s) => s.satisfied),
    col((s) => s.weight),
    col((s) => JSON.stringify(s.label)),
    col((s) => JSON.stringify(s.explanation)),
    expected.map((e) => e.ruleId),
    expected.map((e) => e.leadId),
    expected.map((e) => e.anonymousId),
    expected.map((e) => e.at.toISOString()),
  ];
}

export interface SilenceRow {
  tenant_id: string;
  rule_id: string;
  anchor_message_id: string;
  rules_version: number;
  lead_id: string | null;
  anonymous_id: string | null;
  anchored_at: Date | string;
  due_at: Date | string;
  weight: number;
  label: LocalizedText;
  explanation: LocalizedText;
}

const SILENCE_COLUMNS = 'tenant_id, rule_id, anchor_message_id, rules_version, lead_id, anonymous_id, anchored_at, due_at, weight, label, explanation';
const SILENCE_COLUMNS_OF_S = SILENCE_COLUMNS.split(', ').map((column) => 's.' + column).join(', ');

/**
 * Claims due silences of every tenant and marks them fired, in the caller's
 * transaction: a concurrent sweep skips the locked rows, so each fires once.
 */
export async function claimDueSilences(tx: Queryable, now: Date, limit: number): Promise<SilenceRow[]> {
  const result = await tx.query<SilenceRow>(
    `UPDATE signal_silences s SET state = 'fired', settled_at = $1::timestamptz
     FROM (SELECT tenant_id, rule_id, anchor_message_id FROM signal_silences
           WHERE state = 'pending' AND due_at <= $1::timestamptz ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED) due
     WHERE s.tenant_id = due.tenant_id AND s.rule_id = due.rule_id AND s.anchor_message_id = due.anchor_message_id
     RETURNING ${SILENCE_COLUMNS_OF_S}`,
    [now.toISOString(), limit],
  );
  return result.rows;
}

export async function settleSilences(q: Queryable, tenantId: string, keys: readonly { ruleId: string; anchorMessageId: string }[]): Promise<void> {
  if (keys.length === 0) return;
  await q.query(
    `UPDATE signal_silences s SET state = 'satisfied', settled_at = now()
     FROM unnest($2::text[], $3::text[]) AS k(r, m)
     WHERE s.tenant_id = $1 AND s.rule_id = k.r AND s.anchor_message_id = k.m AND s.state = 'pending'`,
    [tenantId, keys.map((k) => k.ruleId), keys.map((k) => k.anchorMessageId)],
  );
}

/**
 * Visitors just identified: their anonymous signals and silences join the
 * leads, in one statement (a first identification is the common case of an
 * SDK batch). Returns the signals that moved and every silence of those
 * leads still pending, the moved ones included (the plain read sees the rows
 * as they were before the statement, so the two halves never overlap).
 */
export async function assignVisitors(q: Queryable, tenantId: string, links: readonly { anonymousId: string; leadId: string }[]): Promise<{ moved: SignalRow[]; pending: SilenceRow[] }> {
  if (links.length === 0) return { moved: [], pending: [] };
  const result = await q.query<{ moved: SignalRow[]; pending: SilenceRow[] }>(
    `WITH u AS (SELECT * FROM unnest($2::text[], $3::text[]) AS u(a, l)),
     signals_moved AS (
       UPDATE signals s SET lead_id = u.l FROM u
       WHERE s.tenant_id = $1 AND s.anonymous_id = u.a AND s.lead_id IS NULL
       RETURNING ${SIGNAL_COLUMNS_OF_S}),
     silences_moved AS (
       UPDATE signal_silences s SET lead_id = u.l FROM u
       WHERE s.tenant_id = $1 AND s.anonymous_id = u.a AND s.lead_id IS NULL
       RETURNING ${SILENCE_COLUMNS_OF_S}, s.state)
     SELECT (SELECT coalesce(jsonb_agg(m), '[]'::jsonb) FROM signals_moved m) AS moved,
            (SELECT coalesce(jsonb_agg(p), '[]'::jsonb) FROM (
               SELECT ${SILENCE_COLUMNS} FROM silences_moved WHERE state = 'pending'
               UNION ALL
               SELECT ${SILENCE_COLUMNS} FROM signal_silences WHERE tenant_id = $1 AND lead_id IN (SELECT l FROM u) AND state = 'pending') p) AS pending`,
    [tenantId, links.map((link) => link.anonymousId), links.map((link) => link.leadId)],
    { prepare: true },
  );
  return result.rows[0]!;
}

export async function moveLeadSilences(q: Queryable, tenantId: string, fromLeadId: string, toLeadId: string): Promise<void> {
  await q.query(`UPDATE signal_silences SET lead_id = $3 WHERE tenant_id = $1 AND lead_id = $2`, [tenantId, fromLeadId, toLeadId]);
}

// ——— Share links ———

export interface ShareLinkRow {
  id: string;
  tenant_id: string;
  lead_id: string;
  target_url: string;
  title: string;
  created_at: Date | string;
}

export async function insertShareLink(q: Queryable, tenantId: string, link: { id: string; leadId: string; url: string; title: string; createdBy: string | null }): Promise<ShareLinkRow> {
  const result = await q.query<ShareLinkRow>(
    `INSERT INTO share_links (id, tenant_id, lead_id, target_url, title, created_by) VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING id, tenant_id, lead_id, target_url, title, created_at`,
    [link.id, tenantId, link.leadId, link.url, link.title, link.createdBy],
  );
  return result.rows[0]!;
}

/** A short link as the public redirect sees it: its id names its tenant. */
export async function findShareLinkById(q: Queryable, id: string): Promise<ShareLinkRow | undefined> {
  const result = await q.query<ShareLinkRow>(`SELECT id, tenant_id, lead_id, target_url, title, created_at FROM share_links WHERE id = $1`, [id]);
  return result.rows[0];
}

export async function findShareLink(q: Queryable, tenantId: string, id: string): Promise<ShareLinkRow | undefined> {
  const result = await q.query<ShareLinkRow>(`SELECT id, tenant_id, lead_id, target_url, title, created_at FROM share_links WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return result.rows[0];
}

export async function shareLinksByIds(q: Queryable, tenantId: string, ids: readonly string[]): Promise<Map<string, ShareLinkRow>> {
  if (ids.length === 0) return new Map();
  const result = await q.query<ShareLinkRow>(
    `SELECT id, tenant_id, lead_id, target_url, title, created_at FROM share_links WHERE tenant_id = $1 AND id = ANY($2::text[])`,
    [tenantId, ids],
  );
  return new Map(result.rows.map((row) => [row.id, row]));
}

export interface NewView {
  messageId: string;
  linkId: string;
  kind: 'open' | 'dwell';
  section: string | null;
  activeSeconds: number;
  device: string | null;
  referrerHost: string | null;
  occurredAt: Date;
}

export async function insertViews(q: Queryable, tenantId: string, views: readonly NewView[]): Promise<void> {
  if (views.length === 0) return;
  const col = <T>(pick: (view: NewView) => T) => views.map(pick);
  await q.query(
    `INSERT INTO share_link_views (tenant_id, message_id, link_id, kind, section, active_seconds, device, referrer_host, occurred_at)
     SELECT $1, m, l, k, s, a, d, r, o FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[], $8::text[], $9::timestamptz[]) AS u(m, l, k, s, a, d, r, o)
     ON CONFLICT (tenant_id, message_id) DO NOTHING`,
    [tenantId, col((v) => v.messageId), col((v) => v.linkId), col((v) => v.kind), col((v) => v.section), col((v) => v.activeSeconds), col((v) => v.device), col((v) => v.referrerHost), col((v) => v.occurredAt.toISOString())],
  );
}

export interface ViewRow {
  kind: 'open' | 'dwell';
  section: string | null;
  active_seconds: number;
  device: string | null;
  referrer_host: string | null;
  occurred_at: Date | string;
}

/** Whether the link was opened from this device class and referrer host since `since` (a reload, not a new visit). */
export async function openedSince(q: Queryable, tenantId: string, linkId: string, device: string, referrerHost: string | null, since: Date): Promise<boolean> {
  const result = await q.query(
    `SELECT 1 FROM share_link_views WHERE tenant_id = $1 AND link_id = $2 AND kind = 'open' AND occurred_at >= $3
       AND device = $4 AND referrer_host IS NOT DISTINCT FROM $5 LIMIT 1`,
    [tenantId, linkId, since, device, referrerHost],
  );
  return result.rows.length > 0;
}

export async function viewsOfLink(q: Queryable, tenantId: string, linkId: string): Promise<ViewRow[]> {
  const result = await q.query<ViewRow>(
    `SELECT kind, section, active_seconds, device, referrer_host, occurred_at FROM share_link_views WHERE tenant_id = $1 AND link_id = $2 ORDER BY occurred_at, message_id`,
    [tenantId, linkId],
  );
  return result.rows;
}
