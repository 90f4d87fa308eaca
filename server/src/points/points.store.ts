import { randomUUID } from 'node:crypto';
import { DEFAULT_POINTS_RULES, PointsRules, type LeaderboardPeriod, type PointsCauseType, type PointsLedgerRow, type PointsReason, type Redemption, type RewardView } from '@huashu/core';
import type { Queryable } from '../platform/db/types.js';

/**
 * The calendar points count in: "once per day" and the leaderboard's weeks,
 * months and quarters are the reps' own (China Standard Time, no DST).
 */
export const POINTS_TIME_ZONE = 'Asia/Shanghai';

const iso = (value: Date | string) => new Date(value).toISOString();

export async function getRules(q: Queryable, tenantId: string): Promise<PointsRules> {
  const result = await q.query<{ rules: unknown }>(`SELECT rules FROM points_rules WHERE tenant_id = $1`, [tenantId]);
  // Stored rules were validated on the way in; a field added since falls back to its default.
  const stored = PointsRules.partial().safeParse(result.rows[0]?.rules ?? {});
  return { ...DEFAULT_POINTS_RULES, ...(stored.success ? stored.data : {}) };
}

export async function putRules(q: Queryable, tenantId: string, rules: PointsRules): Promise<void> {
  await q.query(
    `INSERT INTO points_rules (tenant_id, rules) VALUES ($1, $2::jsonb)
     ON CONFLICT (tenant_id) DO UPDATE SET rules = EXCLUDED.rules, updated_at = now()`,
    [tenantId, JSON.stringify(rules)],
  );
}

export interface LedgerInsert {
  repId: string;
  amount: number;
  reason: PointsReason;
  causeType: PointsCauseType;
  causeId: string;
  entryId?: string | null;
  actorRepId?: string | null;
  rewardId?: string | null;
  eventId?: string | null;
  reversesId?: string | null;
  /** When the cause happened; its Asia/Shanghai date is the row's `day`. @default now */
  at?: string;
}

interface LedgerRowDb {
  id: string;
  rep_id: string;
  amount: number;
  reason: PointsReason;
  cause_type: PointsCauseType;
  cause_id: string;
  entry_id: string | null;
  actor_rep_id: string | null;
  reward_id: string | null;
  event_id: string | null;
  created_at: Date | string;
}

const LEDGER_COLUMNS = 'id, rep_id, amount, reason, cause_type, cause_id, entry_id, actor_rep_id, reward_id, event_id, created_at';

function toLedgerRow(row: LedgerRowDb): PointsLedgerRow {
  return {
    id: row.id,
    repId: row.rep_id,
    amount: row.amount,
    reason: row.reason,
    cause: { type: row.cause_type, id: row.cause_id },
    entryId: row.entry_id,
    actorRepId: row.actor_rep_id,
    rewardId: row.reward_id,
    eventId: row.event_id,
    createdAt: iso(row.created_at),
  };
}

/**
 * Appends one row; the table's trigger adds it to the rep's balance in the
 * same statement. Returns undefined when a unique rule refused it — the event
 * was already paid, the rep already reported this entry today, the row was
 * already reversed — which is how every "at most once" rule is enforced.
 */
export async function appendLedger(q: Queryable, tenantId: string, row: LedgerInsert): Promise<PointsLedgerRow | undefined> {
  const result = await q.query<LedgerRowDb>(
    `INSERT INTO points_ledger (id, tenant_id, rep_id, amount, reason, cause_type, cause_id, entry_id, actor_rep_id, reward_id, event_id, reverses_id, day)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, (coalesce($13::timestamptz, now()) AT TIME ZONE '${POINTS_TIME_ZONE}')::date)
     ON CONFLICT DO NOTHING
     RETURNING ${LEDGER_COLUMNS}`,
    [
      `pl_${randomUUID()}`,
      tenantId,
      row.repId,
      row.amount,
      row.reason,
      row.causeType,
      row.causeId,
      row.entryId ?? null,
      row.actorRepId ?? null,
      row.rewardId ?? null,
      row.eventId ?? null,
      row.reversesId ?? null,
      row.at ?? null,
    ],
  );
  return result.rows[0] ? toLedgerRow(result.rows[0]) : undefined;
}

/**
 * Takes the row lock on a rep's balance (creating the row at 0), so whatever
 * the caller decides from the balance or the ledger holds until it commits.
 */
export async function lockBalance(q: Queryable, tenantId: string, repId: string): Promise<number> {
  await q.query(`INSERT INTO points_balances (tenant_id, rep_id) VALUES ($1, $2) ON CONFLICT (tenant_id, rep_id) DO NOTHING`, [tenantId, repId]);
  const result = await q.query<{ balance: number }>(`SELECT balance FROM points_balances WHERE tenant_id = $1 AND rep_id = $2 FOR UPDATE`, [tenantId, repId]);
  return result.rows[0]!.balance;
}

export async function balanceOf(q: Queryable, tenantId: string, repId: string): Promise<number> {
  const result = await q.query<{ balance: number }>(`SELECT balance FROM points_balances WHERE tenant_id = $1 AND rep_id = $2`, [tenantId, repId]);
  return result.rows[0]?.balance ?? 0;
}

/** The entry's approval row that no reversal has taken back yet, if any. */
export async function outstandingApproval(q: Queryable, tenantId: string, entryId: string): Promise<{ id: string; repId: string; amount: number } | undefined> {
  const result = await q.query<{ id: string; rep_id: string; amount: number }>(
    `SELECT a.id, a.rep_id, a.amount FROM points_ledger a
     WHERE a.tenant_id = $1 AND a.entry_id = $2 AND a.reason = 'entry_approved'
       AND NOT EXISTS (SELECT 1 FROM points_ledger r WHERE r.tenant_id = $1 AND r.reverses_id = a.id)
     ORDER BY a.created_at DESC LIMIT 1`,
    [tenantId, entryId],
  );
  const row = result.rows[0];
  return row ? { id: row.id, repId: row.rep_id, amount: row.amount } : undefined;
}

export async function ledgerOf(q: Queryable, tenantId: string, repId: string, page: { limit: number; offset: number }): Promise<PointsLedgerRow[]> {
  const result = await q.query<LedgerRowDb>(
    `SELECT ${LEDGER_COLUMNS} FROM points_ledger WHERE tenant_id = $1 AND rep_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4`,
    [tenantId, repId, page.limit, page.offset],
  );
  return result.rows.map(toLedgerRow);
}

/** Remembers a rep's display name from their token, for the leaderboard. */
export async function touchRep(q: Queryable, tenantId: string, repId: string, name: string): Promise<void> {
  await q.query(
    `INSERT INTO points_reps (tenant_id, rep_id, name) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, rep_id) DO UPDATE SET name = EXCLUDED.name, updated_at = now()
     WHERE points_reps.tenant_id = $1 AND points_reps.name IS DISTINCT FROM EXCLUDED.name`,
    [tenantId, repId, name],
  );
}

/** Replaces team membership: the reps listed get their team, everyone else none. */
export async function putTeams(q: Queryable, tenantId: string, members: ReadonlyArray<{ repId: string; team: string }>): Promise<void> {
  await q.query(`UPDATE points_reps SET team = NULL, updated_at = now() WHERE tenant_id = $1 AND team IS NOT NULL`, [tenantId]);
  if (members.length === 0) return;
  await q.query(
    `INSERT INTO points_reps (tenant_id, rep_id, team)
     SELECT $1, u.rep_id, u.team FROM unnest($2::text[], $3::text[]) AS u(rep_id, team)
     ON CONFLICT (tenant_id, rep_id) DO UPDATE SET team = EXCLUDED.team, updated_at = now()`,
    [tenantId, members.map((member) => member.repId), members.map((member) => member.team)],
  );
}

export interface LeaderRow {
  repId: string;
  name: string | null;
  team: string | null;
  points: number;
}

/**
 * Points earned (redemptions do not lower a standing; reversals do) since the
 * start of the current calendar period, best first.
 */
export async function leaderboard(
  q: Queryable,
  tenantId: string,
  options: { period: LeaderboardPeriod; team?: string | undefined; limit: number },
): Promise<{ since: string; leaders: LeaderRow[] }> {
  const since = await q.query<{ since: Date | string }>(
    `SELECT date_trunc($1, now() AT TIME ZONE '${POINTS_TIME_ZONE}') AT TIME ZONE '${POINTS_TIME_ZONE}' AS since`,
    [options.period],
  );
  const start = iso(since.rows[0]!.since);
  const result = await q.query<{ rep_id: string; name: string | null; team: string | null; points: number }>(
    `SELECT l.rep_id, r.name, r.team, sum(l.amount)::int AS points
     FROM points_ledger l
     LEFT JOIN points_reps r ON r.tenant_id = l.tenant_id AND r.rep_id = l.rep_id
     WHERE l.tenant_id = $1 AND l.reason <> 'redemption' AND l.created_at >= $2::timestamptz AND ($3::text IS NULL OR r.team = $3)
     GROUP BY l.rep_id, r.name, r.team
     HAVING sum(l.amount) > 0
     ORDER BY points DESC, l.rep_id
     LIMIT $4`,
    [tenantId, start, options.team ?? null, options.limit],
  );
  return { since: start, leaders: result.rows.map((row) => ({ repId: row.rep_id, name: row.name, team: row.team, points: row.points })) };
}

interface RewardRowDb {
  id: string;
  name: string;
  description: string | null;
  cost: number;
  stock: number | null;
}

const toReward = (row: RewardRowDb): RewardView => ({ id: row.id, name: row.name, description: row.description, cost: row.cost, stock: row.stock });

export async function listRewards(q: Queryable, tenantId: string): Promise<RewardView[]> {
  const result = await q.query<RewardRowDb>(
    `SELECT id, name, description, cost, stock FROM points_rewards WHERE tenant_id = $1 AND active ORDER BY position, id`,
    [tenantId],
  );
  return result.rows.map(toReward);
}

/** The catalogue becomes exactly `rewards`; those left out are withdrawn, not deleted (redemptions name them). */
export async function putRewards(
  q: Queryable,
  tenantId: string,
  rewards: ReadonlyArray<{ id: string; name: string; description?: string | undefined; cost: number; stock?: number | undefined }>,
): Promise<void> {
  await q.query(
    `UPDATE points_rewards SET active = false, updated_at = now() WHERE tenant_id = $1 AND active AND NOT (id = ANY($2::text[]))`,
    [tenantId, rewards.map((reward) => reward.id)],
  );
  if (rewards.length === 0) return;
  await q.query(
    `INSERT INTO points_rewards (tenant_id, id, name, description, cost, stock, active, position)
     SELECT $1, u.id, u.name, u.description, u.cost, u.stock, true, u.position
     FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[]) AS u(id, name, description, cost, stock, position)
     ON CONFLICT (tenant_id, id) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description, cost = EXCLUDED.cost,
       stock = EXCLUDED.stock, active = true, position = EXCLUDED.position, updated_at = now()
     WHERE points_rewards.tenant_id = $1`,
    [
      tenantId,
      rewards.map((reward) => reward.id),
      rewards.map((reward) => reward.name),
      rewards.map((reward) => reward.description ?? null),
      rewards.map((reward) => reward.cost),
      rewards.map((reward) => reward.stock ?? null),
      rewards.map((_, index) => index),
    ],
  );
}

/** An active reward, row-locked until the caller's transaction ends. */
export async function lockReward(q: Queryable, tenantId: string, rewardId: string): Promise<RewardView | undefined> {
  const result = await q.query<RewardRowDb>(
    `SELECT id, name, description, cost, stock FROM points_rewards WHERE tenant_id = $1 AND id = $2 AND active FOR UPDATE`,
    [tenantId, rewardId],
  );
  return result.rows[0] ? toReward(result.rows[0]) : undefined;
}

/** Takes one unit; false when none is left. Unlimited rewards (stock NULL) always succeed. */
export async function takeStock(q: Queryable, tenantId: string, rewardId: string): Promise<boolean> {
  const result = await q.query(
    `UPDATE points_rewards SET stock = stock - 1, updated_at = now() WHERE tenant_id = $1 AND id = $2 AND (stock IS NULL OR stock > 0)`,
    [tenantId, rewardId],
  );
  return result.rowCount > 0;
}

interface RedemptionRowDb {
  id: string;
  rep_id: string;
  reward_id: string;
  reward_name: string;
  cost: number;
  created_at: Date | string;
}

const toRedemption = (row: RedemptionRowDb): Redemption => ({
  id: row.id,
  repId: row.rep_id,
  rewardId: row.reward_id,
  rewardName: row.reward_name,
  cost: row.cost,
  createdAt: iso(row.created_at),
});

export async function insertRedemption(q: Queryable, tenantId: string, repId: string, reward: RewardView): Promise<Redemption> {
  const result = await q.query<RedemptionRowDb>(
    `INSERT INTO points_redemptions (id, tenant_id, rep_id, reward_id, reward_name, cost) VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING id, rep_id, reward_id, reward_name, cost, created_at`,
    [`rd_${randomUUID()}`, tenantId, repId, reward.id, reward.name, reward.cost],
  );
  return toRedemption(result.rows[0]!);
}

export async function listRedemptions(q: Queryable, tenantId: string, page: { limit: number; offset: number }): Promise<Redemption[]> {
  const result = await q.query<RedemptionRowDb>(
    `SELECT id, rep_id, reward_id, reward_name, cost, created_at FROM points_redemptions WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`,
    [tenantId, page.limit, page.offset],
  );
  return result.rows.map(toRedemption);
}

/** Points each rep earned in [from, to): credits net of their reversals; redemptions (spending) are not counted. */
export async function earnedByRep(q: Queryable, tenantId: string, period: { from: Date; to: Date }): Promise<Map<string, number>> {
  const result = await q.query<{ rep_id: string; earned: string | number }>(
    `SELECT rep_id, sum(amount) AS earned FROM points_ledger
      WHERE tenant_id = $1 AND reason <> 'redemption' AND created_at >= $2 AND created_at < $3 GROUP BY rep_id`,
    [tenantId, period.from, period.to],
  );
  return new Map(result.rows.map((row) => [row.rep_id, Number(row.earned)]));
}
