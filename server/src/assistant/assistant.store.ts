import { randomUUID } from 'node:crypto';
import { HuashuError, type Confidence } from '@huashu/core';
import type { Queryable } from '../platform/db/types.js';

/** All SQL of assistant_asks: the questions reps asked, which outcome reports refer back to by askId. */

export interface AskRecord {
  question: string;
  repId: string | null;
  leadId: string | null;
  confidence: Confidence;
  /** Entry ids returned, best first. */
  shown: string[];
}

export async function insertAsk(db: Queryable, tenantId: string, ask: AskRecord): Promise<string> {
  const id = `ask_${randomUUID()}`;
  await db.query(
    `INSERT INTO assistant_asks (id, tenant_id, question, rep_id, lead_id, confidence, shown) VALUES ($1, $2, $3, $4, $5, $6, $7::text[])`,
    [id, tenantId, ask.question, ask.repId, ask.leadId, ask.confidence, ask.shown],
  );
  return id;
}

/** An ask of this tenant; 404 for an unknown id or another tenant's. */
export async function getAsk(db: Queryable, tenantId: string, id: string): Promise<AskRecord> {
  const rows = await db.query<{ question: string; rep_id: string | null; lead_id: string | null; confidence: Confidence; shown: string[] }>(
    `SELECT question, rep_id, lead_id, confidence, shown FROM assistant_asks WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id],
  );
  const row = rows.rows[0];
  if (!row) throw new HuashuError('not_found', `ask ${id} not found`);
  return { question: row.question, repId: row.rep_id, leadId: row.lead_id, confidence: row.confidence, shown: row.shown };
}
