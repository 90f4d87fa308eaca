import type { AssignmentRule } from '@huashu/core';
import type { Queryable } from '../platform/db/types.js';

/** All SQL on assignment_rules, assignment_counters and assignment_daily_load. */

export async function saveRules(db: Queryable, tenantId: string, rules: AssignmentRule[]): Promise<Date> {
  const result = await db.query<{ updated_at: Date }>(
    `INSERT INTO assignment_rules (tenant_id, rules, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (tenant_id) DO UPDATE SET rules = EXCLUDED.rules, updated_at = now()
     RETURNING updated_at`,
    [tenantId, JSON.stringify(rules)],
  );
  return result.rows[0]!.updated_at;
}

export async function loadRules(db: Queryable, tenantId: string): Promise<{ rules: AssignmentRule[]; updatedAt: Date | null }> {
  const result = await db.query<{ rules: AssignmentRule[]; updated_at: Date }>(`SELECT rules, updated_at FROM assignment_rules WHERE tenant_id = $1`, [tenantId]);
  const row = result.rows[0];
  return row ? { rules: row.rules, updatedAt: row.updated_at } : { rules: [], updatedAt: null };
}

/**
 * Takes the rule's next turn: one atomic increment, so concurrent leads on any
 * replica each get a different turn. Returns the turn number, from 1.
 */
export async function nextTurn(tx: Queryable, tenantId: string, ruleId: string): Promise<number> {
  const result = await tx.query<{ turns: number }>(
    `INSERT INTO assignment_counters (tenant_id, rule_id, turns) VALUES ($1, $2, 1)
     ON CONFLICT (tenant_id, rule_id) DO UPDATE SET turns = assignment_counters.turns + 1
     RETURNING turns`,
    [tenantId, ruleId],
  );
  return Number(result.rows[0]!.turns);
}

/**
 * Counts one more lead for a rep today unless that would pass `capacity`:
 * check and increment in one statement (the row lock orders concurrent takers).
 * Returns the rep's count including this lead, or undefined when full.
 */
export async function takeCapacity(tx: Queryable, tenantId: string, repId: string, day: string, capacity: number): Promise<number | undefined> {
  const result = await tx.query<{ assigned: number }>(
    `INSERT INTO assignment_daily_load (tenant_id, rep_id, day, assigned) VALUES ($1, $2, $3::date, 1)
     ON CONFLICT (tenant_id, rep_id, day) DO UPDATE SET assigned = assignment_daily_load.assigned + 1
     WHERE assignment_daily_load.assigned < $4::bigint
     RETURNING assigned`,
    [tenantId, repId, day, capacity],
  );
  return result.rows[0] ? Number(result.rows[0].assigned) : undefined;
}

/** Gives back a lead's count (an unmerge removes the lead it was counted for). */
export async function releaseCapacity(tx: Queryable, tenantId: string, repId: string, day: string): Promise<void> {
  await tx.query(`UPDATE assignment_daily_load SET assigned = greatest(assigned - 1, 0) WHERE tenant_id = $1 AND rep_id = $2 AND day = $3::date`, [tenantId, repId, day]);
}

/** Open (unanswered, unmerged) leads per rep: the load `least_loaded` balances. */
export async function openLoads(tx: Queryable, tenantId: string, repIds: readonly string[]): Promise<Map<string, number>> {
  const result = await tx.query<{ owner_rep_id: string; n: number }>(
    `SELECT owner_rep_id, count(*)::int AS n FROM leads
     WHERE tenant_id = $1 AND owner_rep_id = ANY($2::text[]) AND merged_into IS NULL AND first_responded_at IS NULL
     GROUP BY owner_rep_id`,
    [tenantId, repIds],
  );
  return new Map(result.rows.map((row) => [row.owner_rep_id, Number(row.n)]));
}

/** Serialises assignment within one rule, so least-loaded sees the loads of the leads assigned just before. */
export async function lockRule(tx: Queryable, tenantId: string, ruleId: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('lead-assignment:' || tenant_id || ':' || rule_id, 0)) FROM (SELECT $1::text AS tenant_id, $2::text AS rule_id) r`, [
    tenantId,
    ruleId,
  ]);
}
