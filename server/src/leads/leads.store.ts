import { randomUUID } from 'node:crypto';
import { HuashuError, type Lead, type LeadInput } from '@huashu/core';
import type { Queryable } from '../platform/db/types.js';
import type { NormalisedContact } from './contact.js';

interface LeadRow {
  id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  wechat: string | null;
  company: string | null;
  source: string;
  campaign: string | null;
  consent: boolean | null;
  fields: Record<string, unknown>;
  created_at: Date;
}

const LEAD_COLUMNS = 'id, name, phone, email, wechat, company, source, campaign, consent, fields, created_at';

function toLead(row: LeadRow): Lead {
  return {
    id: row.id,
    name: row.name,
    phone: row.phone,
    email: row.email,
    wechat: row.wechat,
    company: row.company,
    source: row.source,
    campaign: row.campaign,
    consent: row.consent,
    fields: row.fields ?? {},
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** Inserts a lead unless its idempotency key is taken; undefined when a concurrent request won. */
export async function insertLead(tx: Queryable, tenantId: string, input: LeadInput, contact: NormalisedContact): Promise<Lead | undefined> {
  const inserted = await tx.query<LeadRow>(
    `INSERT INTO leads (id, tenant_id, idempotency_key, name, phone, email, wechat, company, source, campaign, consent, fields, anonymous_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
     RETURNING ${LEAD_COLUMNS}`,
    [
      randomUUID(),
      tenantId,
      input.idempotencyKey ?? null,
      input.name ?? null,
      contact.phone,
      contact.email,
      contact.wechat,
      input.company ?? null,
      input.source,
      input.campaign ?? null,
      input.consent ?? null,
      JSON.stringify(input.fields ?? {}),
      input.anonymousId ?? null,
    ],
  );
  return inserted.rows[0] ? toLead(inserted.rows[0]) : undefined;
}

export async function insertTouchpoint(tx: Queryable, tenantId: string, leadId: string, touch: { source: string; campaign?: string | undefined; page?: string | undefined }): Promise<void> {
  await tx.query(`INSERT INTO lead_touchpoints (id, tenant_id, lead_id, source, campaign, page) VALUES ($1, $2, $3, $4, $5, $6)`, [
    randomUUID(),
    tenantId,
    leadId,
    touch.source,
    touch.campaign ?? null,
    touch.page ?? null,
  ]);
}

export async function findByIdempotencyKey(db: Queryable, tenantId: string, key: string): Promise<Lead | undefined> {
  const result = await db.query<LeadRow>(`SELECT ${LEAD_COLUMNS} FROM leads WHERE tenant_id = $1 AND idempotency_key = $2`, [tenantId, key]);
  return result.rows[0] ? toLead(result.rows[0]) : undefined;
}

export interface Touchpoint {
  source: string;
  campaign: string | null;
  page: string | null;
  occurredAt: string;
}

export async function getLead(db: Queryable, tenantId: string, id: string): Promise<Lead & { touchpoints: Touchpoint[] }> {
  const result = await db.query<LeadRow>(`SELECT ${LEAD_COLUMNS} FROM leads WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  const row = result.rows[0];
  if (!row) throw new HuashuError('not_found', `lead ${id} not found`);
  const touchpoints = await db.query<{ source: string; campaign: string | null; page: string | null; occurred_at: Date }>(
    `SELECT source, campaign, page, occurred_at FROM lead_touchpoints WHERE tenant_id = $1 AND lead_id = $2 ORDER BY occurred_at`,
    [tenantId, id],
  );
  return {
    ...toLead(row),
    touchpoints: touchpoints.rows.map((t) => ({ source: t.source, campaign: t.campaign, page: t.page, occurredAt: new Date(t.occurred_at).toISOString() })),
  };
}
