import type { ConsoleRuleSet, RuleVersionStatus } from '@huashu/core';
import { lockTenantScope } from '../platform/db/tenant-lock.js';
import type { Queryable } from '../platform/db/types.js';

/** Every statement of the console's tables; each names tenant_id. */

export interface VersionRow {
  rule_set: ConsoleRuleSet;
  version: number;
  status: RuleVersionStatus;
  content: unknown;
  note: string | null;
  pilot_reps: string[] | null;
  pilot_from: Date | string | null;
  pilot_until: Date | string | null;
  created_by: string;
  created_at: Date | string;
  updated_at: Date | string;
  published_at: Date | string | null;
}

const COLUMNS = `rule_set, version, status, content, note, pilot_reps, pilot_from, pilot_until, created_by, created_at, updated_at, published_at`;

export async function listVersions(db: Queryable, tenantId: string, ruleSet: ConsoleRuleSet, limit: number): Promise<VersionRow[]> {
  const result = await db.query<VersionRow>(
    `SELECT ${COLUMNS} FROM console_rule_versions WHERE tenant_id = $1 AND rule_set = $2 ORDER BY version DESC LIMIT $3`,
    [tenantId, ruleSet, limit],
  );
  return result.rows;
}

export async function getVersion(db: Queryable, tenantId: string, ruleSet: ConsoleRuleSet, version: number, lock = false): Promise<VersionRow | undefined> {
  const result = await db.query<VersionRow>(
    `SELECT ${COLUMNS} FROM console_rule_versions WHERE tenant_id = $1 AND rule_set = $2 AND version = $3${lock ? ' FOR UPDATE' : ''}`,
    [tenantId, ruleSet, version],
  );
  return result.rows[0];
}

/** The version published most recently (the one a new draft is compared with). */
export async function latestPublished(db: Queryable, tenantId: string, ruleSet: ConsoleRuleSet): Promise<VersionRow | undefined> {
  const result = await db.query<VersionRow>(
    `SELECT ${COLUMNS} FROM console_rule_versions WHERE tenant_id = $1 AND rule_set = $2 AND status = 'published' ORDER BY version DESC LIMIT 1`,
    [tenantId, ruleSet],
  );
  return result.rows[0];
}

export async function currentPilot(db: Queryable, tenantId: string, ruleSet: ConsoleRuleSet): Promise<VersionRow | undefined> {
  const result = await db.query<VersionRow>(`SELECT ${COLUMNS} FROM console_rule_versions WHERE tenant_id = $1 AND rule_set = $2 AND status = 'pilot'`, [tenantId, ruleSet]);
  return result.rows[0];
}

/** The pilot `repId` is in at `at`, if any (the partial unique index keeps it to one per rule set). */
export async function pilotOfRep(db: Queryable, tenantId: string, ruleSet: ConsoleRuleSet, repId: string, at: Date): Promise<VersionRow | undefined> {
  const result = await db.query<VersionRow>(
    `SELECT ${COLUMNS} FROM console_rule_versions
      WHERE tenant_id = $1 AND rule_set = $2 AND status = 'pilot' AND pilot_reps @> $3::jsonb AND pilot_from <= $4 AND pilot_until > $4`,
    [tenantId, ruleSet, JSON.stringify([repId]), at],
  );
  return result.rows[0];
}

/** The tenants with a pilot of `ruleSet` running at `at` (for a domain's periodic work across tenants). */
export async function tenantsWithPilot(db: Queryable, ruleSet: ConsoleRuleSet, at: Date): Promise<string[]> {
  const result = await db.query<{ tenant_id: string }>(
    `SELECT DISTINCT tenant_id FROM console_rule_versions WHERE rule_set = $1 AND status = 'pilot' AND pilot_from <= $2 AND pilot_until > $2 ORDER BY tenant_id`,
    [ruleSet, at],
  );
  return result.rows.map((row) => row.tenant_id);
}

/** A new draft, numbered after the rule set's newest version (the lock on the tenant's rule set serialises numbering). */
export async function insertDraft(db: Queryable, tenantId: string, ruleSet: ConsoleRuleSet, content: unknown, note: string | null, actor: string): Promise<VersionRow> {
  await lockTenantScope(db, `console:${ruleSet}`, tenantId);
  const result = await db.query<VersionRow>(
    `INSERT INTO console_rule_versions (tenant_id, rule_set, version, status, content, note, created_by)
     SELECT $1, $2, COALESCE(MAX(version), 0) + 1, 'draft', $3::jsonb, $4, $5 FROM console_rule_versions WHERE tenant_id = $1 AND rule_set = $2
     RETURNING ${COLUMNS}`,
    [tenantId, ruleSet, JSON.stringify(content), note, actor],
  );
  return result.rows[0]!;
}

export async function updateDraft(db: Queryable, tenantId: string, ruleSet: ConsoleRuleSet, version: number, content: unknown, note: string | null): Promise<VersionRow> {
  const result = await db.query<VersionRow>(
    `UPDATE console_rule_versions SET content = $4::jsonb, note = $5, updated_at = now()
      WHERE tenant_id = $1 AND rule_set = $2 AND version = $3 RETURNING ${COLUMNS}`,
    [tenantId, ruleSet, version, JSON.stringify(content), note],
  );
  return result.rows[0]!;
}

export async function setPilot(db: Queryable, tenantId: string, ruleSet: ConsoleRuleSet, version: number, pilot: { repIds: string[]; from: Date; until: Date }): Promise<VersionRow> {
  const result = await db.query<VersionRow>(
    `UPDATE console_rule_versions SET status = 'pilot', pilot_reps = $4::jsonb, pilot_from = $5, pilot_until = $6, updated_at = now()
      WHERE tenant_id = $1 AND rule_set = $2 AND version = $3 RETURNING ${COLUMNS}`,
    [tenantId, ruleSet, version, JSON.stringify(pilot.repIds), pilot.from, pilot.until],
  );
  return result.rows[0]!;
}

export async function setStatus(db: Queryable, tenantId: string, ruleSet: ConsoleRuleSet, version: number, status: RuleVersionStatus): Promise<VersionRow> {
  const result = await db.query<VersionRow>(
    `UPDATE console_rule_versions SET status = $4, updated_at = now(), published_at = CASE WHEN $4 = 'published' THEN now() ELSE published_at END
      WHERE tenant_id = $1 AND rule_set = $2 AND version = $3 RETURNING ${COLUMNS}`,
    [tenantId, ruleSet, version, status],
  );
  return result.rows[0]!;
}

/** The versions published before `version` are superseded by it. */
export async function supersedePublished(db: Queryable, tenantId: string, ruleSet: ConsoleRuleSet, version: number): Promise<void> {
  await db.query(`UPDATE console_rule_versions SET status = 'superseded', updated_at = now() WHERE tenant_id = $1 AND rule_set = $2 AND status = 'published' AND version <> $3`, [
    tenantId,
    ruleSet,
    version,
  ]);
}

// ——— Audit ———

export interface AuditRow {
  id: string;
  at: Date | string;
  actor: string;
  rule_set: string;
  version: number | null;
  action: string;
  changes: unknown[];
}

/** `at` defaults to now; a change reported later (through the outbox) carries its own time. */
export async function insertAudit(db: Queryable, tenantId: string, entry: { actor: string; ruleSet: string; version: number | null; action: string; changes: unknown[]; at?: Date }): Promise<void> {
  await db.query(`INSERT INTO console_audit (tenant_id, actor, rule_set, version, action, changes, at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, COALESCE($7::timestamptz, now()))`, [
    tenantId,
    entry.actor,
    entry.ruleSet,
    entry.version,
    entry.action,
    JSON.stringify(entry.changes),
    entry.at ?? null,
  ]);
}

export async function listAudit(db: Queryable, tenantId: string, filter: { ruleSet?: string; limit: number }): Promise<AuditRow[]> {
  const result = await db.query<AuditRow>(
    `SELECT id::text AS id, at, actor, rule_set, version, action, changes FROM console_audit
      WHERE tenant_id = $1 AND ($2::text IS NULL OR rule_set = $2) ORDER BY at DESC, id DESC LIMIT $3`,
    [tenantId, filter.ruleSet ?? null, filter.limit],
  );
  return result.rows;
}

// ——— Layouts ———

export async function getLayout(db: Queryable, tenantId: string, repId: string, widget: string): Promise<{ layout: unknown; updated_at: Date | string } | undefined> {
  const result = await db.query<{ layout: unknown; updated_at: Date | string }>(`SELECT layout, updated_at FROM console_layouts WHERE tenant_id = $1 AND rep_id = $2 AND widget = $3`, [
    tenantId,
    repId,
    widget,
  ]);
  return result.rows[0];
}

export async function putLayout(db: Queryable, tenantId: string, repId: string, widget: string, layout: unknown): Promise<{ updated_at: Date | string }> {
  const result = await db.query<{ updated_at: Date | string }>(
    `INSERT INTO console_layouts (tenant_id, rep_id, widget, layout) VALUES ($1, $2, $3, $4::jsonb)
     ON CONFLICT (tenant_id, rep_id, widget) DO UPDATE SET layout = EXCLUDED.layout, updated_at = now() RETURNING updated_at`,
    [tenantId, repId, widget, JSON.stringify(layout)],
  );
  return result.rows[0]!;
}
