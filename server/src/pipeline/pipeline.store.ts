import type { PipelineGroupBy } from '@huashu/core';
import { lockTenantScope } from '../platform/db/tenant-lock.js';
import type { Queryable } from '../platform/db/types.js';
import type { SqlCalendar } from './working-days.js';

/** All SQL of the pipeline tables. Every statement is scoped to one tenant. */

export interface SettingsRow {
  stages: unknown;
  working_hours: unknown;
  health: unknown;
  calendar_key: string | null;
}

export async function getSettings(db: Queryable, tenantId: string): Promise<SettingsRow | undefined> {
  const result = await db.query<SettingsRow>(`SELECT stages, working_hours, health, calendar_key FROM pipeline_settings WHERE tenant_id = $1`, [tenantId]);
  return result.rows[0];
}

/** Serialises configuration writes per tenant, so each audit's "before" is the state it replaced. */
export async function lockSettings(tx: Queryable, tenantId: string): Promise<void> {
  await lockTenantScope(tx, 'pipeline-settings', tenantId);
}

export async function putStages(db: Queryable, tenantId: string, stages: unknown, workingHours: unknown): Promise<void> {
  await db.query(
    `INSERT INTO pipeline_settings (tenant_id, stages, working_hours) VALUES ($1, $2::jsonb, $3::jsonb)
     ON CONFLICT (tenant_id) DO UPDATE SET stages = EXCLUDED.stages, working_hours = EXCLUDED.working_hours, updated_at = now()`,
    [tenantId, JSON.stringify(stages), workingHours === undefined ? null : JSON.stringify(workingHours)],
  );
}

export async function putHealth(db: Queryable, tenantId: string, health: unknown): Promise<void> {
  await db.query(
    `INSERT INTO pipeline_settings (tenant_id, health) VALUES ($1, $2::jsonb)
     ON CONFLICT (tenant_id) DO UPDATE SET health = EXCLUDED.health, updated_at = now()`,
    [tenantId, JSON.stringify(health)],
  );
}

/**
 * Counts every stay's working minutes again under `calendar` (one UPDATE, the
 * same rule as `workingMinutesAt`) and records the key it was done under.
 */
export async function recountWorkingMinutes(tx: Queryable, tenantId: string, calendar: SqlCalendar, key: string): Promise<void> {
  const values: unknown[] = [tenantId, calendar.workdaysBefore, calendar.workday, calendar.utcOffsetMinutes * 60, calendar.dayMinutes, calendar.epochDay];
  const windows = calendar.windows.map((window) => {
    values.push(window.startMinute, window.endMinute);
    return [`$${values.length - 1}::float8`, `$${values.length}::float8`] as const;
  });
  // At instant t (epoch seconds): its local day since the clock's epoch, and the minutes of that day's windows passed.
  const minutesAt = (t: string) => {
    const local = `(${t} + $4::float8)`;
    const day = `(floor(${local} / 86400) - $6::float8)`;
    const minute = `((${local} - floor(${local} / 86400) * 86400) / 60)`;
    const passed = windows.map(([start, end]) => `greatest(0, least(${minute}, ${end}) - ${start})`).join(' + ');
    return `CASE WHEN ${day} < 0 THEN 0 ELSE ($2::int[])[${day}::int + 1] * $5::float8 + CASE WHEN ($3::boolean[])[${day}::int + 1] THEN ${passed} ELSE 0 END END`;
  };
  const atEntry = minutesAt("date_part('epoch', entered_at)");
  const atExit = minutesAt("date_part('epoch', exited_at)");
  await tx.query(
    `UPDATE pipeline_stays SET entered_wm = ${atEntry}, exited_wm = CASE WHEN exited_at IS NULL THEN NULL ELSE ${atExit} END
     WHERE tenant_id = $1`,
    values,
  );
  await tx.query(
    `INSERT INTO pipeline_settings (tenant_id, calendar_key) VALUES ($1, $2)
     ON CONFLICT (tenant_id) DO UPDATE SET calendar_key = EXCLUDED.calendar_key, updated_at = now()`,
    [tenantId, key],
  );
}

/** Tenants with at least one stage that has a stall threshold (for the periodic check). */
export async function tenantsWithStallRules(db: Queryable): Promise<string[]> {
  const result = await db.query<{ tenant_id: string }>(
    `SELECT tenant_id FROM pipeline_settings WHERE jsonb_path_exists(stages, '$[*].stall.workingDays') ORDER BY tenant_id`,
  );
  return result.rows.map((row) => row.tenant_id);
}

// ——— Events and history ———

/** Held to the end of the transaction: two batches for one deal must not rebuild it from two different views. */
export async function lockTenantHistory(tx: Queryable, tenantId: string): Promise<void> {
  await lockTenantScope(tx, 'pipeline-history', tenantId);
}

export interface EventRow {
  id: string;
  dealId: string;
  type: string;
  at: string;
  payload: string;
}

/** Stores the events not stored before; returns the ids that were new. */
export async function insertEvents(tx: Queryable, tenantId: string, rows: readonly EventRow[]): Promise<string[]> {
  const result = await tx.query<{ id: string }>(
    `INSERT INTO pipeline_events (tenant_id, id, deal_id, type, at, payload)
     SELECT $1, i, d, t, a::timestamptz, p::jsonb
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS u(i, d, t, a, p, n)
     ORDER BY n
     ON CONFLICT (tenant_id, id) DO NOTHING
     RETURNING id`,
    [tenantId, rows.map((r) => r.id), rows.map((r) => r.dealId), rows.map((r) => r.type), rows.map((r) => r.at), rows.map((r) => r.payload)],
  );
  return result.rows.map((row) => row.id);
}

export interface StoredEvent {
  deal_id: string;
  id: string;
  type: string;
  at: Date;
  payload: Record<string, unknown>;
}

/** Every event of these deals in history order: by `at`, then arrival. */
export async function eventsOfDeals(tx: Queryable, tenantId: string, dealIds: readonly string[]): Promise<StoredEvent[]> {
  const result = await tx.query<StoredEvent>(
    `SELECT deal_id, id, type, at, payload FROM pipeline_events WHERE tenant_id = $1 AND deal_id = ANY($2::text[]) ORDER BY deal_id, at, seq`,
    [tenantId, dealIds],
  );
  return result.rows;
}

export interface GroupColumns {
  owner: string | null;
  team: string | null;
  region: string | null;
  industry: string | null;
  productLine: string | null;
}

export interface StayRow extends GroupColumns {
  dealId: string;
  seq: number;
  stage: string;
  fromStage: string | null;
  toStage: string | null;
  enteredAt: string;
  exitedAt: string | null;
  /** When the deal last entered this stage before; null on its first visit. */
  prevEnteredAt: string | null;
  /** Working minutes since the clock's epoch at entry and exit (`workingMinutesAt`). */
  enteredWm: number;
  exitedWm: number | null;
}

export interface DealRow extends GroupColumns {
  id: string;
  stage: string | null;
  stageEnteredAt: string | null;
  firstEnteredAt: string | null;
  manager: string | null;
  leadId: string | null;
  fields: Record<string, unknown>;
  files: Array<{ kind: string; name: string | null; at: string }>;
  contacts: Array<{ id: string | null; name: string; role: string | null }>;
  lastNoteAt: string | null;
}

/** Replaces the stays and snapshots of these deals with the rebuilt ones, in three statements. */
export async function replaceHistory(tx: Queryable, tenantId: string, deals: readonly DealRow[], stays: readonly StayRow[]): Promise<void> {
  const ids = deals.map((deal) => deal.id);
  await tx.query(`DELETE FROM pipeline_stays WHERE tenant_id = $1 AND deal_id = ANY($2::text[])`, [tenantId, ids]);
  if (stays.length > 0) {
    const col = <K extends keyof StayRow>(key: K) => stays.map((stay) => stay[key]);
    await tx.query(
      `INSERT INTO pipeline_stays (tenant_id, deal_id, seq, stage, from_stage, to_stage, entered_at, exited_at, entered_wm, exited_wm, prev_entered_at, owner, team, region, industry, product_line)
       SELECT $1, d, q, s, f, t, e::timestamptz, x::timestamptz, ew, xw, pe::timestamptz, o, tm, r, i, p
       FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::float8[], $10::float8[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])
         AS u(d, q, s, f, t, e, x, ew, xw, pe, o, tm, r, i, p)`,
      [
        tenantId,
        col('dealId'),
        col('seq'),
        col('stage'),
        col('fromStage'),
        col('toStage'),
        col('enteredAt'),
        col('exitedAt'),
        col('enteredWm'),
        col('exitedWm'),
        col('prevEnteredAt'),
        col('owner'),
        col('team'),
        col('region'),
        col('industry'),
        col('productLine'),
      ],
    );
  }
  const col = <K extends keyof DealRow>(key: K) => deals.map((deal) => deal[key]);
  const json = <K extends 'fields' | 'files' | 'contacts'>(key: K) => deals.map((deal) => JSON.stringify(deal[key]));
  await tx.query(
    `INSERT INTO pipeline_deals (tenant_id, id, stage, stage_entered_at, first_entered_at, owner, manager, team, region, industry, product_line, lead_id, fields, files, contacts, last_note_at, updated_at)
     SELECT $1, d, s, se::timestamptz, fe::timestamptz, o, m, tm, r, i, p, l, f::jsonb, fl::jsonb, c::jsonb, n::timestamptz, now()
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])
       AS u(d, s, se, fe, o, m, tm, r, i, p, l, f, fl, c, n)
     ON CONFLICT (tenant_id, id) DO UPDATE SET
       stage = EXCLUDED.stage, stage_entered_at = EXCLUDED.stage_entered_at, first_entered_at = EXCLUDED.first_entered_at,
       owner = EXCLUDED.owner, manager = EXCLUDED.manager, team = EXCLUDED.team, region = EXCLUDED.region, industry = EXCLUDED.industry,
       product_line = EXCLUDED.product_line, lead_id = EXCLUDED.lead_id, fields = EXCLUDED.fields, files = EXCLUDED.files,
       contacts = EXCLUDED.contacts, last_note_at = EXCLUDED.last_note_at, updated_at = now()`,
    [
      tenantId,
      ids,
      col('stage'),
      col('stageEnteredAt'),
      col('firstEnteredAt'),
      col('owner'),
      col('manager'),
      col('team'),
      col('region'),
      col('industry'),
      col('productLine'),
      col('leadId'),
      json('fields'),
      json('files'),
      json('contacts'),
      col('lastNoteAt'),
    ],
  );
}

/**
 * Ends the open stall episodes of these deals that no longer describe them: the
 * deal left the stage, or a note moved the start of its quiet time.
 */
export async function endStaleEpisodes(tx: Queryable, tenantId: string, dealIds: readonly string[]): Promise<void> {
  await tx.query(
    `UPDATE pipeline_stall_episodes e SET ended_at = now()
     FROM pipeline_deals d
     WHERE e.tenant_id = $1 AND d.tenant_id = $1 AND d.id = e.deal_id AND e.deal_id = ANY($2::text[]) AND e.ended_at IS NULL
       AND (d.stage IS DISTINCT FROM e.stage OR d.stage_entered_at IS DISTINCT FROM e.entered_at
            OR greatest(d.stage_entered_at, d.last_note_at) IS DISTINCT FROM e.since)`,
    [tenantId, dealIds],
  );
}

export interface DealSnapshot {
  id: string;
  stage: string | null;
  stage_entered_at: Date | null;
  owner: string | null;
  manager: string | null;
  team: string | null;
  region: string | null;
  industry: string | null;
  product_line: string | null;
  lead_id: string | null;
  fields: Record<string, unknown>;
  files: Array<{ kind: string; name: string | null }>;
  contacts: Array<{ id: string | null; name: string; role: string | null }>;
}

export async function getDeal(db: Queryable, tenantId: string, dealId: string): Promise<DealSnapshot | undefined> {
  const result = await db.query<DealSnapshot>(
    `SELECT id, stage, stage_entered_at, owner, manager, team, region, industry, product_line, lead_id, fields, files, contacts
     FROM pipeline_deals WHERE tenant_id = $1 AND id = $2`,
    [tenantId, dealId],
  );
  return result.rows[0];
}

export interface GateCheckRow extends GroupColumns {
  id: string;
  dealId: string;
  stage: string;
  allowed: boolean;
  missing: unknown;
  checkedAt?: string;
}

export async function insertGateCheck(db: Queryable, tenantId: string, row: GateCheckRow): Promise<void> {
  await db.query(
    `INSERT INTO pipeline_gate_checks (tenant_id, id, deal_id, stage, allowed, missing, owner, team, region, industry, product_line, checked_at)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, coalesce($12::timestamptz, now()))`,
    [tenantId, row.id, row.dealId, row.stage, row.allowed, JSON.stringify(row.missing), row.owner, row.team, row.region, row.industry, row.productLine, row.checkedAt ?? null],
  );
}

// ——— Stage statistics ———

/** The stays' columns by `groupBy`; identifiers from this fixed map only, never from the request. */
const GROUP_COLUMNS: Record<PipelineGroupBy, string> = {
  region: 'region',
  industry: 'industry',
  productLine: 'product_line',
  team: 'team',
  owner: 'owner',
};
/** The group of every row when the caller does not group. */
export const ALL_GROUP = 'all';

/**
 * For the aggregate queries below, inside their transaction: sorts and hashes
 * over a tenant's stays fit in memory instead of spilling to temp files at
 * the default 4 MB, and Postgres's JIT (which costs more to compile than it
 * saves here) stays off.
 */
export async function tuneForAggregates(tx: Queryable): Promise<void> {
  await tx.query(`SELECT set_config('work_mem', $1, true), set_config('jit', 'off', true)`, [AGGREGATE_WORK_MEM]);
}
const AGGREGATE_WORK_MEM = '64MB';

export interface StageStatRow {
  stage: string;
  grp: string | null;
  deals: number;
  entries: number;
  open: number;
  avg_wd: number | null;
  p90_wd: number | null;
  avg_cd: number | null;
  attempted: number;
  blocked: number;
  escalations: number;
  backward_moves: number;
}

export interface StageStatsParams {
  groupBy: PipelineGroupBy | undefined;
  from: Date | undefined;
  to: Date | undefined;
  asOf: Date;
  /** `workingMinutesAt(asOf)`: where open stays are timed to. */
  asOfWm: number;
  /** Minutes of working time in a workday. */
  dayMinutes: number;
  stageOrder: ReadonlyArray<{ key: string; order: number }>;
  /** Stages whose stays are not timed (deals end there). */
  terminal: readonly string[];
}

/**
 * Per stage and group, in one statement: stays that began in [from, to), each
 * timed to its exit (or to `asOf` while open) in working days (a subtraction
 * of the working-minute clocks the stays carry) and calendar days; deals that
 * failed a gate check there; stall episodes; moves back to an earlier stage.
 */
export async function stageStats(db: Queryable, tenantId: string, params: StageStatsParams): Promise<StageStatRow[]> {
  const group = (alias: string) => (params.groupBy ? `${alias}.${GROUP_COLUMNS[params.groupBy]}` : `'${ALL_GROUP}'::text`);
  const values: unknown[] = [
    tenantId,
    params.from ?? null,
    params.to ?? null,
    params.asOf,
    params.asOfWm,
    params.dayMinutes,
    params.stageOrder.map((stage) => stage.key),
    params.stageOrder.map((stage) => stage.order),
    params.terminal,
  ];
  const orderOf = (stage: string) => `($8::int[])[array_position($7::text[], ${stage})]`;
  const result = await db.query<StageStatRow>(
    `WITH timed AS (
       SELECT s.stage, ${group('s')} AS grp, s.exited_at IS NULL AS open,
              -- The deal's first entry into this stage within the period: counting these counts deals without a DISTINCT.
              (s.prev_entered_at IS NULL OR ($2::timestamptz IS NOT NULL AND s.prev_entered_at < $2::timestamptz)) AS first_visit,
              -- Time in a terminal stage (won, lost) is not time anyone is waiting: left out of the averages.
              CASE WHEN s.stage = ANY($9::text[]) THEN NULL ELSE (coalesce(s.exited_wm, $5::float8) - s.entered_wm) / $6::float8 END AS wd,
              -- date_part is float8; extract is numeric, and slower.
              CASE WHEN s.stage = ANY($9::text[]) THEN NULL ELSE date_part('epoch', coalesce(s.exited_at, $4::timestamptz) - s.entered_at) / 86400 END AS cd,
              coalesce(${orderOf('s.to_stage')} < ${orderOf('s.stage')}, false) AS backward
       FROM pipeline_stays s
       WHERE s.tenant_id = $1 AND ($2::timestamptz IS NULL OR s.entered_at >= $2::timestamptz) AND ($3::timestamptz IS NULL OR s.entered_at < $3::timestamptz)
     ),
     agg AS (
       SELECT stage, grp, count(*) FILTER (WHERE first_visit)::int AS deals, count(*)::int AS entries, count(*) FILTER (WHERE open)::int AS open,
              avg(wd)::float8 AS avg_wd, percentile_cont(0.9) WITHIN GROUP (ORDER BY wd)::float8 AS p90_wd, avg(cd)::float8 AS avg_cd,
              count(*) FILTER (WHERE backward)::int AS backward_moves
       FROM timed GROUP BY stage, grp
     ),
     failed AS (
       -- Deals refused entry at least once, and whether they entered the stage in the period all the same.
       SELECT f.stage, f.grp, EXISTS (
                SELECT 1 FROM pipeline_stays s WHERE s.tenant_id = $1 AND s.deal_id = f.deal_id AND s.stage = f.stage
                  AND ($2::timestamptz IS NULL OR s.entered_at >= $2::timestamptz) AND ($3::timestamptz IS NULL OR s.entered_at < $3::timestamptz)
              ) AS entered
       FROM (
         SELECT DISTINCT g.stage, ${group('g')} AS grp, g.deal_id FROM pipeline_gate_checks g
         WHERE g.tenant_id = $1 AND NOT g.allowed AND ($2::timestamptz IS NULL OR g.checked_at >= $2::timestamptz) AND ($3::timestamptz IS NULL OR g.checked_at < $3::timestamptz)
       ) f
     ),
     blocking AS (
       SELECT stage, grp, count(*)::int AS blocked, count(*) FILTER (WHERE NOT entered)::int AS outside FROM failed GROUP BY stage, grp
     ),
     escalated AS (
       SELECT e.stage, ${group('e')} AS grp, count(*)::int AS escalations FROM pipeline_stall_episodes e
       WHERE e.tenant_id = $1 AND ($2::timestamptz IS NULL OR e.entered_at >= $2::timestamptz) AND ($3::timestamptz IS NULL OR e.entered_at < $3::timestamptz)
       GROUP BY 1, 2
     ),
     cells AS (
       SELECT stage, grp FROM agg UNION SELECT stage, grp FROM blocking UNION SELECT stage, grp FROM escalated
     )
     SELECT c.stage, c.grp, coalesce(a.deals, 0) AS deals, coalesce(a.entries, 0) AS entries, coalesce(a.open, 0) AS open,
            a.avg_wd, a.p90_wd, a.avg_cd,
            -- Deals at the stage: those that entered, and those refused that never did.
            coalesce(a.deals, 0) + coalesce(b.outside, 0) AS attempted, coalesce(b.blocked, 0) AS blocked,
            coalesce(x.escalations, 0) AS escalations, coalesce(a.backward_moves, 0) AS backward_moves
     FROM cells c
     LEFT JOIN agg a ON a.stage = c.stage AND a.grp IS NOT DISTINCT FROM c.grp
     LEFT JOIN blocking b ON b.stage = c.stage AND b.grp IS NOT DISTINCT FROM c.grp
     LEFT JOIN escalated x ON x.stage = c.stage AND x.grp IS NOT DISTINCT FROM c.grp
     ORDER BY c.stage, c.grp NULLS LAST`,
    values,
  );
  return result.rows;
}

// ——— Stalled deals ———

export interface StallCandidate {
  id: string;
  stage: string;
  stage_entered_at: Date;
  since: Date;
  owner: string | null;
  manager: string | null;
  team: string | null;
  region: string | null;
  industry: string | null;
  product_line: string | null;
}

/**
 * Deals in a stage with a stall threshold whose quiet time (since entering or
 * the last note, whichever is later) is long enough in calendar days that it
 * may exceed the threshold in working days; the caller counts exactly. A day
 * of working time can fit in less than a calendar day, hence the one day of slack.
 */
export async function stallCandidates(
  db: Queryable,
  tenantId: string,
  thresholds: ReadonlyArray<{ stage: string; workingDays: number }>,
  now: Date,
  filter: { owner?: string; team?: string; stage?: string },
): Promise<StallCandidate[]> {
  const result = await db.query<StallCandidate>(
    `SELECT d.id, d.stage, d.stage_entered_at, greatest(d.stage_entered_at, d.last_note_at) AS since,
            d.owner, d.manager, d.team, d.region, d.industry, d.product_line
     FROM pipeline_deals d
     JOIN unnest($2::text[], $3::double precision[]) AS t(stage, days) ON t.stage = d.stage
     WHERE d.tenant_id = $1 AND d.stage_entered_at IS NOT NULL
       AND greatest(d.stage_entered_at, d.last_note_at) <= $4::timestamptz - greatest(t.days - 1, 0) * interval '1 day'
       AND ($5::text IS NULL OR d.owner = $5) AND ($6::text IS NULL OR d.team = $6) AND ($7::text IS NULL OR d.stage = $7)
     ORDER BY since, d.id`,
    [tenantId, thresholds.map((t) => t.stage), thresholds.map((t) => t.workingDays), now, filter.owner ?? null, filter.team ?? null, filter.stage ?? null],
  );
  return result.rows;
}

export interface NoteRow {
  deal_id: string;
  text: string;
  author: string | null;
  at: Date;
}

/** The last `limit` notes of each deal, newest first. */
export async function lastNotes(db: Queryable, tenantId: string, dealIds: readonly string[], limit: number): Promise<NoteRow[]> {
  if (dealIds.length === 0) return [];
  const result = await db.query<NoteRow>(
    `SELECT deal_id, text, author, at FROM (
       SELECT deal_id, payload->'note'->>'text' AS text, payload->'note'->>'author' AS author, at,
              row_number() OVER (PARTITION BY deal_id ORDER BY at DESC, seq DESC) AS n
       FROM pipeline_events WHERE tenant_id = $1 AND type = 'deal.note_added' AND deal_id = ANY($2::text[])
     ) ranked WHERE n <= $3 ORDER BY deal_id, n`,
    [tenantId, dealIds, limit],
  );
  return result.rows;
}

export interface EpisodeRow extends GroupColumns {
  dealId: string;
  stage: string;
  since: string;
  enteredAt: string;
  workingDays: number;
  alertEventId: string;
}

/** Records episodes not recorded before; returns the alert ids of the new ones. */
export async function insertEpisodes(tx: Queryable, tenantId: string, episodes: readonly EpisodeRow[]): Promise<Set<string>> {
  if (episodes.length === 0) return new Set();
  const col = <K extends keyof EpisodeRow>(key: K) => episodes.map((episode) => episode[key]);
  const result = await tx.query<{ alert_event_id: string }>(
    `INSERT INTO pipeline_stall_episodes (tenant_id, deal_id, stage, since, entered_at, working_days, owner, team, region, industry, product_line, alert_event_id)
     SELECT $1, d, s, si::timestamptz, e::timestamptz, w, o, tm, r, i, p, a
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::double precision[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
       AS u(d, s, si, e, w, o, tm, r, i, p, a)
     ON CONFLICT (tenant_id, deal_id, stage, since) DO NOTHING
     RETURNING alert_event_id`,
    [
      tenantId,
      col('dealId'),
      col('stage'),
      col('since'),
      col('enteredAt'),
      col('workingDays'),
      col('owner'),
      col('team'),
      col('region'),
      col('industry'),
      col('productLine'),
      col('alertEventId'),
    ],
  );
  return new Set(result.rows.map((row) => row.alert_event_id));
}

/** When each open episode of these deals was alerted, by `dealId\nstage\nsince`. */
export async function openEpisodes(db: Queryable, tenantId: string, dealIds: readonly string[]): Promise<Map<string, Date>> {
  if (dealIds.length === 0) return new Map();
  const result = await db.query<{ deal_id: string; stage: string; since: Date; detected_at: Date }>(
    `SELECT deal_id, stage, since, detected_at FROM pipeline_stall_episodes WHERE tenant_id = $1 AND deal_id = ANY($2::text[]) AND ended_at IS NULL`,
    [tenantId, dealIds],
  );
  return new Map(result.rows.map((row) => [episodeKey(row.deal_id, row.stage, new Date(row.since)), new Date(row.detected_at)]));
}

export const episodeKey = (dealId: string, stage: string, since: Date) => `${dealId}\n${stage}\n${since.toISOString()}`;

// ——— Health inputs ———

export interface HealthDealRow {
  id: string;
  owner: string | null;
  team: string | null;
  lead_id: string | null;
  first_entered_at: Date | null;
}

export async function healthDeals(db: Queryable, tenantId: string, filter: { rep?: string; team?: string }): Promise<HealthDealRow[]> {
  const result = await db.query<HealthDealRow>(
    `SELECT id, owner, team, lead_id, first_entered_at FROM pipeline_deals
     WHERE tenant_id = $1 AND ($2::text IS NULL OR owner = $2) AND ($3::text IS NULL OR team = $3)`,
    [tenantId, filter.rep ?? null, filter.team ?? null],
  );
  return result.rows;
}

/** Deals that have entered any of `stages` before `to`. */
export async function dealsThatReached(db: Queryable, tenantId: string, dealIds: readonly string[], stages: readonly string[], to: Date): Promise<Set<string>> {
  if (dealIds.length === 0 || stages.length === 0) return new Set();
  const result = await db.query<{ deal_id: string }>(
    `SELECT DISTINCT deal_id FROM pipeline_stays WHERE tenant_id = $1 AND deal_id = ANY($2::text[]) AND stage = ANY($3::text[]) AND entered_at < $4`,
    [tenantId, dealIds, stages, to],
  );
  return new Set(result.rows.map((row) => row.deal_id));
}

export interface GatedEntryRow {
  deal_id: string;
  stage: string;
  entered_at: Date;
  /** The verdict of the last gate check for this deal and stage made before it entered (plus grace); null when none was made. */
  allowed: boolean | null;
}

export async function gatedEntries(
  db: Queryable,
  tenantId: string,
  dealIds: readonly string[],
  stages: readonly string[],
  period: { from: Date; to: Date },
  graceMs: number,
): Promise<GatedEntryRow[]> {
  if (dealIds.length === 0 || stages.length === 0) return [];
  const result = await db.query<GatedEntryRow>(
    `SELECT s.deal_id, s.stage, s.entered_at,
            (SELECT g.allowed FROM pipeline_gate_checks g
             WHERE g.tenant_id = $1 AND g.deal_id = s.deal_id AND g.stage = s.stage AND g.checked_at <= s.entered_at + $6::bigint * interval '1 millisecond'
             ORDER BY g.checked_at DESC LIMIT 1) AS allowed
     FROM pipeline_stays s
     WHERE s.tenant_id = $1 AND s.deal_id = ANY($2::text[]) AND s.stage = ANY($3::text[]) AND s.entered_at >= $4 AND s.entered_at < $5`,
    [tenantId, dealIds, stages, period.from, period.to, graceMs],
  );
  return result.rows;
}

export async function fileCounts(db: Queryable, tenantId: string, period: { from: Date; to: Date }): Promise<Map<string, number>> {
  const result = await db.query<{ deal_id: string; n: number }>(
    `SELECT deal_id, count(*)::int AS n FROM pipeline_events
     WHERE tenant_id = $1 AND type = 'deal.file_attached' AND at >= $2 AND at < $3 GROUP BY deal_id`,
    [tenantId, period.from, period.to],
  );
  return new Map(result.rows.map((row) => [row.deal_id, row.n]));
}

export interface MessageRow {
  deal_id: string;
  at: Date;
  sender: 'customer' | 'rep';
}

export async function messages(db: Queryable, tenantId: string, period: { from: Date; to: Date }): Promise<MessageRow[]> {
  const result = await db.query<MessageRow>(
    `SELECT deal_id, at, payload->'message'->>'from' AS sender FROM pipeline_events
     WHERE tenant_id = $1 AND type = 'deal.message' AND at >= $2 AND at < $3 ORDER BY deal_id, at, seq`,
    [tenantId, period.from, period.to],
  );
  return result.rows;
}

/** The deals that came from these leads (reports and task cards read them). */
export async function dealsByLeads(db: Queryable, tenantId: string, leadIds: readonly string[]): Promise<DealSnapshot[]> {
  if (leadIds.length === 0) return [];
  const result = await db.query<DealSnapshot>(
    `SELECT id, stage, stage_entered_at, owner, manager, team, region, industry, product_line, lead_id, fields, files, contacts
     FROM pipeline_deals WHERE tenant_id = $1 AND lead_id = ANY($2::text[])`,
    [tenantId, leadIds],
  );
  return result.rows;
}
