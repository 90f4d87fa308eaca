import type { LeadMapping, LeadPreset } from '@huashu/core';
import type { Queryable } from '../platform/db/types.js';

/** All SQL on lead_sources. Secrets leave this file only towards signature verification. */

export interface SourceRow {
  tenant_id: string;
  id: string;
  slug: string;
  name: string | null;
  preset: LeadPreset;
  mapping: LeadMapping;
  first_response_sla: string;
  working_hours: { start: string; end: string }[] | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  secret_rotated_at: Date | null;
  created_at: Date;
}

const COLUMNS = `tenant_id, id, slug, name, preset, mapping, first_response_sla, working_hours, secret, previous_secret,
  previous_secret_expires_at, secret_rotated_at, created_at`;

export async function insertSource(
  db: Queryable,
  tenantId: string,
  source: { id: string; slug: string; name: string | null; preset: LeadPreset; mapping: LeadMapping; firstResponseSla: string; workingHours: { start: string; end: string }[] | null; secret: string },
): Promise<SourceRow | undefined> {
  const result = await db.query<SourceRow>(
    `INSERT INTO lead_sources (tenant_id, id, slug, name, preset, mapping, first_response_sla, working_hours, secret)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (tenant_id, slug) DO NOTHING
     RETURNING ${COLUMNS}`,
    [tenantId, source.id, source.slug, source.name, source.preset, JSON.stringify(source.mapping), source.firstResponseSla, source.workingHours ? JSON.stringify(source.workingHours) : null, source.secret],
  );
  return result.rows[0];
}

export async function listSources(db: Queryable, tenantId: string): Promise<SourceRow[]> {
  const result = await db.query<SourceRow>(`SELECT ${COLUMNS} FROM lead_sources WHERE tenant_id = $1 ORDER BY created_at, slug`, [tenantId]);
  return result.rows;
}

export async function findSourceBySlug(db: Queryable, tenantId: string, slug: string): Promise<SourceRow | undefined> {
  const result = await db.query<SourceRow>(`SELECT ${COLUMNS} FROM lead_sources WHERE tenant_id = $1 AND slug = $2`, [tenantId, slug]);
  return result.rows[0];
}

/**
 * The inbound webhook route knows only a slug, not the tenant: this is how the
 * tenant is found (like an API key's lookup id). Several tenants may use the
 * same slug; the signature decides which source a delivery belongs to.
 */
export async function sourcesWithSlug(db: Queryable, slug: string, limit: number): Promise<SourceRow[]> {
  const result = await db.query<SourceRow>(`SELECT ${COLUMNS} FROM lead_sources WHERE slug = $1 ORDER BY tenant_id LIMIT $2`, [slug, limit]);
  return result.rows;
}

/** Replaces the secret; the old one keeps verifying until `graceUntil`. */
export async function rotateSecret(db: Queryable, tenantId: string, slug: string, secret: string, graceUntil: Date): Promise<SourceRow | undefined> {
  const result = await db.query<SourceRow>(
    `UPDATE lead_sources SET previous_secret = secret, previous_secret_expires_at = $4, secret = $3, secret_rotated_at = now()
     WHERE tenant_id = $1 AND slug = $2
     RETURNING ${COLUMNS}`,
    [tenantId, slug, secret, graceUntil.toISOString()],
  );
  return result.rows[0];
}
