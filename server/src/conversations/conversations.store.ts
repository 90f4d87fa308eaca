import { randomUUID } from 'node:crypto';
import { CaptureRules, type CapturedMessage, type RuleMatch, type Snippet } from '@huashu/core';
import type { Queryable } from '../platform/db/types.js';

/** The tenant's stored rules, or undefined when it still uses the defaults. */
export async function getRules(q: Queryable, tenantId: string): Promise<CaptureRules | undefined> {
  const result = await q.query<{ rules: unknown }>(`SELECT rules FROM capture_rules WHERE tenant_id = $1`, [tenantId]);
  if (!result.rows[0]) return undefined;
  // Validated on the way in; parsing again applies defaults of fields added since.
  const parsed = CaptureRules.safeParse(result.rows[0].rules);
  return parsed.success ? parsed.data : undefined;
}

export async function putRules(q: Queryable, tenantId: string, rules: CaptureRules): Promise<void> {
  await q.query(
    `INSERT INTO capture_rules (tenant_id, rules) VALUES ($1, $2::jsonb) ON CONFLICT (tenant_id) DO UPDATE SET rules = EXCLUDED.rules, updated_at = now()`,
    [tenantId, JSON.stringify(rules)],
  );
}

export async function deleteRules(q: Queryable, tenantId: string): Promise<void> {
  await q.query(`DELETE FROM capture_rules WHERE tenant_id = $1`, [tenantId]);
}

export interface CaptureRecord {
  conversationId?: string | undefined;
  source?: string | undefined;
  repId?: string | undefined;
  leadId?: string | undefined;
  messageCount: number;
}

/**
 * Records a capture; with a `conversationId` seen before, returns that
 * capture's id and `created: false` instead (the unique index decides, so two
 * uploads of one export racing each other make one capture).
 */
export async function insertCapture(q: Queryable, tenantId: string, capture: CaptureRecord): Promise<{ id: string; created: boolean }> {
  const id = `cap_${randomUUID()}`;
  const inserted = await q.query<{ id: string }>(
    `INSERT INTO conversation_captures (id, tenant_id, conversation_id, source, rep_id, lead_id, message_count)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (tenant_id, conversation_id) WHERE conversation_id IS NOT NULL DO NOTHING
     RETURNING id`,
    [id, tenantId, capture.conversationId ?? null, capture.source ?? null, capture.repId ?? null, capture.leadId ?? null, capture.messageCount],
  );
  if (inserted.rows[0]) return { id, created: true };
  const existing = await q.query<{ id: string }>(`SELECT id FROM conversation_captures WHERE tenant_id = $1 AND conversation_id = $2`, [tenantId, capture.conversationId]);
  return { id: existing.rows[0]!.id, created: false };
}

export interface SnippetWrite {
  fingerprint: string;
  tags: string[];
  matches: RuleMatch[];
  from: number;
  to: number;
  context: CapturedMessage[];
  question: string;
  answer: string | null;
}

interface SnippetRow {
  id: string;
  tags: string[];
  matches: RuleMatch[];
  span_from: number;
  span_to: number;
  context: CapturedMessage[];
  question: string;
  answer: string | null;
  candidate_entry_id: string | null;
  linked_entry_id: string | null;
  similarity: number | null;
  created_at: Date | string;
}

const SNIPPET_COLUMNS = 'id, tags, matches, span_from, span_to, context, question, answer, candidate_entry_id, linked_entry_id, similarity, created_at';

export function toSnippet(row: SnippetRow): Snippet {
  return {
    id: row.id,
    tags: row.tags,
    matches: row.matches,
    span: { from: row.span_from, to: row.span_to },
    context: row.context,
    question: row.question,
    answer: row.answer,
    ...(row.candidate_entry_id ? { candidateEntryId: row.candidate_entry_id } : {}),
    ...(row.linked_entry_id ? { linkedEntryId: row.linked_entry_id } : {}),
    ...(row.similarity !== null ? { similarity: row.similarity } : {}),
  };
}

/**
 * Stores a snippet unless one with the same fingerprint exists; returns the
 * stored row and whether this call created it. A snippet that exists but got
 * neither a candidate nor a link (its creation failed midway) comes back
 * `created: false` with neither, and the caller finishes it.
 */
export async function claimSnippet(q: Queryable, tenantId: string, captureId: string, snippet: SnippetWrite): Promise<{ row: Snippet; created: boolean }> {
  const inserted = await q.query<SnippetRow>(
    `INSERT INTO conversation_snippets (id, tenant_id, capture_id, fingerprint, tags, matches, span_from, span_to, context, question, answer)
     VALUES ($1, $2, $3, $4, $5::text[], $6::jsonb, $7, $8, $9::jsonb, $10, $11)
     ON CONFLICT (tenant_id, fingerprint) DO NOTHING
     RETURNING ${SNIPPET_COLUMNS}`,
    [
      `snp_${randomUUID()}`,
      tenantId,
      captureId,
      snippet.fingerprint,
      snippet.tags,
      JSON.stringify(snippet.matches),
      snippet.from,
      snippet.to,
      JSON.stringify(snippet.context),
      snippet.question,
      snippet.answer,
    ],
  );
  if (inserted.rows[0]) return { row: toSnippet(inserted.rows[0]), created: true };
  const existing = await q.query<SnippetRow>(`SELECT ${SNIPPET_COLUMNS} FROM conversation_snippets WHERE tenant_id = $1 AND fingerprint = $2`, [tenantId, snippet.fingerprint]);
  return { row: toSnippet(existing.rows[0]!), created: false };
}

export async function settleSnippet(q: Queryable, tenantId: string, id: string, outcome: { candidateEntryId?: string; linkedEntryId?: string; similarity?: number }): Promise<Snippet> {
  const result = await q.query<SnippetRow>(
    `UPDATE conversation_snippets SET candidate_entry_id = $3, linked_entry_id = $4, similarity = $5
     WHERE tenant_id = $1 AND id = $2 RETURNING ${SNIPPET_COLUMNS}`,
    [tenantId, id, outcome.candidateEntryId ?? null, outcome.linkedEntryId ?? null, outcome.similarity ?? null],
  );
  return toSnippet(result.rows[0]!);
}

export async function snippetsOfCapture(q: Queryable, tenantId: string, captureId: string): Promise<Snippet[]> {
  const result = await q.query<SnippetRow>(`SELECT ${SNIPPET_COLUMNS} FROM conversation_snippets WHERE tenant_id = $1 AND capture_id = $2 ORDER BY span_from, id`, [
    tenantId,
    captureId,
  ]);
  return result.rows.map(toSnippet);
}

/** The snippets linked to an approved entry as real-world examples, newest first. */
export async function examplesOf(q: Queryable, tenantId: string, entryId: string, limit: number): Promise<Array<Snippet & { createdAt: string }>> {
  const result = await q.query<SnippetRow>(
    `SELECT ${SNIPPET_COLUMNS} FROM conversation_snippets WHERE tenant_id = $1 AND linked_entry_id = $2 ORDER BY created_at DESC, id LIMIT $3`,
    [tenantId, entryId, limit],
  );
  return result.rows.map((row) => ({ ...toSnippet(row), createdAt: new Date(row.created_at).toISOString() }));
}

/** Per rep, the snippets captured in [from, to) and how many of them became candidate entries. */
export async function capturedByRep(q: Queryable, tenantId: string, period: { from: Date; to: Date }): Promise<Map<string, { snippets: number; candidates: number }>> {
  const result = await q.query<{ rep_id: string; snippets: string | number; candidates: string | number }>(
    `SELECT c.rep_id, count(*) AS snippets, count(s.candidate_entry_id) AS candidates
       FROM conversation_snippets s JOIN conversation_captures c ON c.tenant_id = s.tenant_id AND c.id = s.capture_id
      WHERE s.tenant_id = $1 AND c.rep_id IS NOT NULL AND s.created_at >= $2 AND s.created_at < $3 GROUP BY c.rep_id`,
    [tenantId, period.from, period.to],
  );
  return new Map(result.rows.map((row) => [row.rep_id, { snippets: Number(row.snippets), candidates: Number(row.candidates) }]));
}
