import { randomUUID } from 'node:crypto';
import type { PackItem } from '@huashu/core';
import type { Queryable } from '../platform/db/types.js';

export interface EntryFilter {
  industry?: string | undefined;
  tags?: string[] | undefined;
  limit: number;
}

export interface PackRecord {
  id: string;
  slug: string;
  name: string;
  description: string | null;
  industry: string | null;
  tags: string[];
  hiredWithinDays: number;
  items: PackItem[];
  entryFilter: EntryFilter | null;
  updatedAt: string;
}

interface PackRow {
  id: string;
  slug: string;
  name: string;
  description: string | null;
  industry: string | null;
  tags: string[];
  hired_within_days: number;
  items: PackItem[];
  entry_filter: EntryFilter | null;
  updated_at: Date | string;
}

const PACK_COLUMNS = 'p.id, p.slug, p.name, p.description, p.industry, p.tags, p.hired_within_days, p.items, p.entry_filter, p.updated_at';

const toPack = (row: PackRow): PackRecord => ({
  id: row.id,
  slug: row.slug,
  name: row.name,
  description: row.description,
  industry: row.industry,
  tags: row.tags ?? [],
  hiredWithinDays: row.hired_within_days,
  items: row.items,
  entryFilter: row.entry_filter,
  updatedAt: new Date(row.updated_at).toISOString(),
});

export interface PackWrite {
  name: string;
  description?: string | undefined;
  industry?: string | undefined;
  tags?: string[] | undefined;
  hiredWithinDays: number;
  items: PackItem[];
  entryFilter?: EntryFilter | undefined;
}

/** Creates the pack or replaces it under the same slug (its deliveries and progress stay). */
export async function upsertPack(q: Queryable, tenantId: string, slug: string, pack: PackWrite): Promise<{ record: PackRecord; created: boolean }> {
  const result = await q.query<PackRow & { created: boolean }>(
    `INSERT INTO learning_packs AS p (id, tenant_id, slug, name, description, industry, tags, hired_within_days, items, entry_filter)
     VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8, $9::jsonb, $10::jsonb)
     ON CONFLICT (tenant_id, slug) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description, industry = EXCLUDED.industry,
       tags = EXCLUDED.tags, hired_within_days = EXCLUDED.hired_within_days, items = EXCLUDED.items, entry_filter = EXCLUDED.entry_filter, updated_at = now()
     WHERE p.tenant_id = $2
     RETURNING ${PACK_COLUMNS}, (xmax = 0) AS created`,
    [
      `lp_${randomUUID()}`,
      tenantId,
      slug,
      pack.name,
      pack.description ?? null,
      pack.industry ?? null,
      pack.tags ?? [],
      pack.hiredWithinDays,
      JSON.stringify(pack.items),
      pack.entryFilter ? JSON.stringify(pack.entryFilter) : null,
    ],
  );
  const row = result.rows[0]!;
  return { record: toPack(row), created: row.created };
}

export async function packBySlug(q: Queryable, tenantId: string, slug: string): Promise<PackRecord | undefined> {
  const result = await q.query<PackRow>(`SELECT ${PACK_COLUMNS} FROM learning_packs p WHERE p.tenant_id = $1 AND p.slug = $2`, [tenantId, slug]);
  return result.rows[0] ? toPack(result.rows[0]) : undefined;
}

export async function listPacks(q: Queryable, tenantId: string): Promise<PackRecord[]> {
  const result = await q.query<PackRow>(`SELECT ${PACK_COLUMNS} FROM learning_packs p WHERE p.tenant_id = $1 ORDER BY p.created_at, p.id`, [tenantId]);
  return result.rows.map(toPack);
}

export async function deletePack(q: Queryable, tenantId: string, slug: string): Promise<boolean> {
  return (await q.query(`DELETE FROM learning_packs WHERE tenant_id = $1 AND slug = $2`, [tenantId, slug])).rowCount > 0;
}

/**
 * Packs for a scenario that `repId` has not received yet, oldest first. A pack
 * matches when every criterion it sets holds: its industry is the scenario's
 * (case-insensitively), its tags share one with the scenario's. Only packs
 * whose audience still includes a rep hired `daysSinceHire` days ago.
 */
export async function undeliveredMatching(
  q: Queryable,
  tenantId: string,
  repId: string,
  scenario: { industry?: string | undefined; tags: readonly string[] },
  daysSinceHire: number,
): Promise<PackRecord[]> {
  const result = await q.query<PackRow>(
    `SELECT ${PACK_COLUMNS} FROM learning_packs p
     WHERE p.tenant_id = $1 AND p.hired_within_days >= $5
       AND (p.industry IS NULL OR lower(p.industry) = lower($3::text))
       AND (cardinality(p.tags) = 0 OR p.tags && $4::text[])
       AND NOT EXISTS (SELECT 1 FROM pack_deliveries d WHERE d.tenant_id = $1 AND d.pack_id = p.id AND d.rep_id = $2)
     ORDER BY p.created_at, p.id`,
    [tenantId, repId, scenario.industry ?? null, [...scenario.tags], daysSinceHire],
  );
  return result.rows.map(toPack);
}

/**
 * Records the delivery; false when the rep already had it. The primary key
 * decides, so of two requests racing for the same rep and pack only one wins.
 */
export async function recordDelivery(
  q: Queryable,
  tenantId: string,
  packId: string,
  rep: { repId: string; name: string },
  trigger: { leadId?: string | undefined; industry?: string | undefined },
): Promise<string | undefined> {
  const result = await q.query<{ delivered_at: Date | string }>(
    `INSERT INTO pack_deliveries (tenant_id, pack_id, rep_id, rep_name, lead_id, industry) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (tenant_id, pack_id, rep_id) DO NOTHING RETURNING delivered_at`,
    [tenantId, packId, rep.repId, rep.name, trigger.leadId ?? null, trigger.industry ?? null],
  );
  return result.rows[0] ? new Date(result.rows[0].delivered_at).toISOString() : undefined;
}

export async function deliveryOf(q: Queryable, tenantId: string, packId: string, repId: string): Promise<string | undefined> {
  const result = await q.query<{ delivered_at: Date | string }>(
    `SELECT delivered_at FROM pack_deliveries WHERE tenant_id = $1 AND pack_id = $2 AND rep_id = $3`,
    [tenantId, packId, repId],
  );
  return result.rows[0] ? new Date(result.rows[0].delivered_at).toISOString() : undefined;
}

/** The packs delivered to a rep, most recent first, with when. */
export async function deliveredTo(q: Queryable, tenantId: string, repId: string): Promise<Array<{ pack: PackRecord; deliveredAt: string }>> {
  const result = await q.query<PackRow & { delivered_at: Date | string }>(
    `SELECT ${PACK_COLUMNS}, d.delivered_at FROM pack_deliveries d JOIN learning_packs p ON p.tenant_id = d.tenant_id AND p.id = d.pack_id
     WHERE d.tenant_id = $1 AND d.rep_id = $2 ORDER BY d.delivered_at DESC, p.id`,
    [tenantId, repId],
  );
  return result.rows.map((row) => ({ pack: toPack(row), deliveredAt: new Date(row.delivered_at).toISOString() }));
}

export async function doneItems(q: Queryable, tenantId: string, packId: string, repId: string): Promise<Set<string>> {
  const result = await q.query<{ item_id: string }>(
    `SELECT item_id FROM pack_progress WHERE tenant_id = $1 AND pack_id = $2 AND rep_id = $3 AND done`,
    [tenantId, packId, repId],
  );
  return new Set(result.rows.map((row) => row.item_id));
}

export async function setProgress(q: Queryable, tenantId: string, packId: string, repId: string, itemId: string, done: boolean): Promise<void> {
  await q.query(
    `INSERT INTO pack_progress (tenant_id, pack_id, rep_id, item_id, done) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, pack_id, rep_id, item_id) DO UPDATE SET done = EXCLUDED.done, updated_at = now()
     WHERE pack_progress.tenant_id = $1`,
    [tenantId, packId, repId, itemId, done],
  );
}

export interface RepCompletion {
  repId: string;
  name: string | null;
  deliveredAt: string;
  /** Done item ids with when they were marked done. */
  done: Map<string, string>;
}

/** Every rep the pack was delivered to, with the items they marked done. */
export async function completion(q: Queryable, tenantId: string, packId: string): Promise<RepCompletion[]> {
  const deliveries = await q.query<{ rep_id: string; rep_name: string | null; delivered_at: Date | string }>(
    `SELECT rep_id, rep_name, delivered_at FROM pack_deliveries WHERE tenant_id = $1 AND pack_id = $2 ORDER BY delivered_at, rep_id`,
    [tenantId, packId],
  );
  const progress = await q.query<{ rep_id: string; item_id: string; updated_at: Date | string }>(
    `SELECT rep_id, item_id, updated_at FROM pack_progress WHERE tenant_id = $1 AND pack_id = $2 AND done`,
    [tenantId, packId],
  );
  const reps = new Map<string, RepCompletion>(
    deliveries.rows.map((row) => [row.rep_id, { repId: row.rep_id, name: row.rep_name, deliveredAt: new Date(row.delivered_at).toISOString(), done: new Map() }]),
  );
  for (const row of progress.rows) reps.get(row.rep_id)?.done.set(row.item_id, new Date(row.updated_at).toISOString());
  return [...reps.values()];
}
