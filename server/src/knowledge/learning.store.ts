import { randomUUID } from 'node:crypto';
import { DEFAULT_VARIANT_APPROVALS } from '@huashu/core';
import type { Queryable } from '../platform/db/types.js';
import type { SuccessLinks } from '../retrieval/success-links.js';
import type { AssociationTable } from '../retrieval/term-association.js';

/** All SQL of what reported outcomes teach: learning events, settings and the trained associations. */

export interface LearningEvent {
  entryId: string;
  askId: string;
  question: string;
  normalized: string;
  outcome: 'success' | 'failure';
  reporter: string;
}

/** Records one event; nothing is written unless the entry is this tenant's. */
export async function insertLearningEvent(db: Queryable, tenantId: string, event: LearningEvent): Promise<boolean> {
  const result = await db.query(
    `INSERT INTO knowledge_learning_events (id, tenant_id, entry_id, ask_id, question, normalized, outcome, reporter)
     SELECT $1, $2, e.id, $4, $5, $6, $7, $8 FROM knowledge_entries e WHERE e.tenant_id = $2 AND e.id = $3`,
    [randomUUID(), tenantId, event.entryId, event.askId, event.question, event.normalized, event.outcome, event.reporter],
  );
  return (result.rowCount ?? 0) > 0;
}

export interface LearningPairRow {
  entry_id: string;
  question: string;
  /** The question as `normalizeText` left it (what pairs are grouped by). */
  normalized: string;
  successes: number;
  failures: number;
}

/** The training data: one row per (question, entry) with its net evidence, approved entries only. */
export async function learningPairs(db: Queryable, tenantId: string): Promise<LearningPairRow[]> {
  const rows = await db.query<LearningPairRow>(
    `SELECT l.entry_id, min(l.question) AS question, l.normalized,
            (count(*) FILTER (WHERE l.outcome = 'success'))::int AS successes, (count(*) FILTER (WHERE l.outcome = 'failure'))::int AS failures
     FROM knowledge_learning_events l
     JOIN knowledge_entries e ON e.tenant_id = l.tenant_id AND e.id = l.entry_id AND e.status = 'approved'
     WHERE l.tenant_id = $1
     GROUP BY l.entry_id, l.normalized`,
    [tenantId],
  );
  return rows.rows;
}

/** The newest learning event of a tenant (what a model trained now has seen). */
export async function latestEventAt(db: Queryable, tenantId: string): Promise<Date | null> {
  const rows = await db.query<{ at: Date | null }>(`SELECT max(created_at) AS at FROM knowledge_learning_events WHERE tenant_id = $1`, [tenantId]);
  return rows.rows[0]?.at ? new Date(rows.rows[0].at) : null;
}

/** Tenants whose events are newer than their trained model (the periodic job's work list). */
export async function tenantsDueForTraining(db: Queryable, limit: number): Promise<string[]> {
  const rows = await db.query<{ tenant_id: string }>(
    // Across tenants on purpose: the job's work list; each tenant is then trained on its own rows only.
    `SELECT l.tenant_id FROM knowledge_learning_events l
     LEFT JOIN knowledge_term_associations a ON a.tenant_id = l.tenant_id
     WHERE l.tenant_id IS NOT NULL
     GROUP BY l.tenant_id, a.trained_through
     HAVING a.trained_through IS NULL OR max(l.created_at) > a.trained_through
     LIMIT $1`,
    [limit],
  );
  return rows.rows.map((row) => row.tenant_id);
}

export async function variantApprovals(db: Queryable, tenantId: string): Promise<number> {
  const rows = await db.query<{ variant_approvals: number }>(`SELECT variant_approvals FROM knowledge_learning_settings WHERE tenant_id = $1`, [tenantId]);
  return rows.rows[0]?.variant_approvals ?? DEFAULT_VARIANT_APPROVALS;
}

export async function setVariantApprovals(db: Queryable, tenantId: string, approvals: number): Promise<void> {
  await db.query(
    `INSERT INTO knowledge_learning_settings (tenant_id, variant_approvals) VALUES ($1, $2)
     ON CONFLICT (tenant_id) DO UPDATE SET variant_approvals = EXCLUDED.variant_approvals, updated_at = now()
     WHERE knowledge_learning_settings.tenant_id = $1`,
    [tenantId, approvals],
  );
}

export interface StoredAssociations {
  table: AssociationTable;
  /** Absent for a model trained before links were learned. */
  links?: SuccessLinks;
  pairs: number;
  trainedAt: Date;
}

export async function loadAssociations(db: Queryable, tenantId: string): Promise<StoredAssociations | undefined> {
  const rows = await db.query<{ model: AssociationTable; links: SuccessLinks | null; pairs: number; trained_at: Date }>(
    `SELECT model, links, pairs, trained_at FROM knowledge_term_associations WHERE tenant_id = $1`,
    [tenantId],
  );
  const row = rows.rows[0];
  return row ? { table: row.model, ...(row.links ? { links: row.links } : {}), pairs: row.pairs, trainedAt: new Date(row.trained_at) } : undefined;
}

export async function saveAssociations(db: Queryable, tenantId: string, table: AssociationTable, links: SuccessLinks, pairs: number, trainedThrough: Date | null): Promise<Date> {
  const rows = await db.query<{ trained_at: Date }>(
    `INSERT INTO knowledge_term_associations (tenant_id, model, links, pairs, trained_through) VALUES ($1, $2::jsonb, $3::jsonb, $4, $5)
     ON CONFLICT (tenant_id) DO UPDATE SET model = EXCLUDED.model, links = EXCLUDED.links, pairs = EXCLUDED.pairs, trained_through = EXCLUDED.trained_through, trained_at = now()
     WHERE knowledge_term_associations.tenant_id = $1
     RETURNING trained_at`,
    [tenantId, JSON.stringify(table), JSON.stringify(links), pairs, trainedThrough?.toISOString() ?? null],
  );
  return new Date(rows.rows[0]!.trained_at);
}

/** Texts of the tenant's approved entries for the domain gate. */
export async function gateTexts(db: Queryable, tenantId: string): Promise<Array<{ question: string; answer: string; tags: string[] }>> {
  const rows = await db.query<{ question: string; answer: string; tags: string[] }>(
    `SELECT question, answer, tags FROM knowledge_entries WHERE tenant_id = $1 AND status = 'approved'`,
    [tenantId],
  );
  return rows.rows;
}

/** Id, question and tags of every approved entry (what the learned models read of entries). */
export async function approvedEntryTexts(db: Queryable, tenantId: string): Promise<Array<{ id: string; question: string; tags: string[] }>> {
  const rows = await db.query<{ id: string; question: string; tags: string[] }>(`SELECT id, question, tags FROM knowledge_entries WHERE tenant_id = $1 AND status = 'approved'`, [tenantId]);
  return rows.rows;
}

/** Questions that reported successes tied to approved entries: reps' own in-domain phrasings, for the gate. */
export async function succeededQuestions(db: Queryable, tenantId: string): Promise<string[]> {
  const rows = await db.query<{ normalized: string }>(
    `SELECT DISTINCT l.normalized FROM knowledge_learning_events l
     JOIN knowledge_entries e ON e.tenant_id = l.tenant_id AND e.id = l.entry_id AND e.status = 'approved'
     WHERE l.tenant_id = $1 AND l.outcome = 'success'`,
    [tenantId],
  );
  return rows.rows.map((row) => row.normalized);
}
