import { randomBytes, randomUUID } from 'node:crypto';
import {
  AssignmentRulesInput,
  DEFAULT_FIRST_RESPONSE_SLA,
  HuashuError,
  LeadSourceInput,
  type AssignmentRule,
  type FieldIssue,
  type LeadSourceView,
} from '@huashu/core';
import { Webhook } from 'standardwebhooks';
import type { Database } from '../platform/db/types.js';
import { describeIssues } from '../platform/validation.js';
import { DEFAULT_WORKING_HOURS } from '../platform/working-time.js';
import * as assignmentStore from './assignment.store.js';
import { submissionFromPayload } from './intake.js';
import { captureSubmission } from './leads.service.js';
import { validateMapping } from './mapping.js';
import { slaPolicy } from './sla.js';
import { activeLeadId, findWebhookLead } from './leads.store.js';
import * as store from './sources.store.js';
import type { SourceRow } from './sources.store.js';
import { z } from 'zod';

/** Random bytes in a webhook secret (Standard Webhooks asks for 24–64). */
const SECRET_BYTES = 32;
/** How long the secret before a rotation keeps verifying, so senders can switch without dropping deliveries. */
export const SECRET_ROTATION_GRACE_MS = 24 * 3600_000;
/** Standard Webhooks' tolerance for `webhook-timestamp`, either way. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;
/** Sources of different tenants sharing one slug, tried in turn by signature. */
const MAX_SLUG_CANDIDATES = 20;

const newSecret = () => `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`;

export function toSourceView(row: SourceRow): LeadSourceView {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    preset: row.preset,
    mapping: row.mapping ?? {},
    firstResponseSla: row.first_response_sla,
    workingTime: row.working_hours ? { hours: row.working_hours } : null,
    inboundPath: `/v1/webhooks/inbound/${row.slug}`,
    createdAt: new Date(row.created_at).toISOString(),
    secretRotatedAt: row.secret_rotated_at ? new Date(row.secret_rotated_at).toISOString() : null,
    previousSecretValidUntil:
      row.previous_secret_expires_at && new Date(row.previous_secret_expires_at).getTime() > Date.now() ? new Date(row.previous_secret_expires_at).toISOString() : null,
  };
}

const invalid = (issues: FieldIssue[]) => new HuashuError('validation_failed', `invalid body: ${describeIssues(issues)}`, { issues });

/** Registers a channel; the secret is in the answer once and never again. */
export async function createSource(db: Database, tenantId: string, input: z.output<typeof LeadSourceInput>): Promise<{ source: LeadSourceView; secret: string }> {
  const mapping = input.mapping ?? {};
  const issues = validateMapping(mapping);
  if (input.preset === 'custom' && Object.keys(mapping).length === 0) issues.push({ path: 'mapping', message: 'is required for the custom preset (JSON paths → lead fields)' });
  if (issues.length > 0) throw invalid(issues);
  const workingHours = input.workingTime === true ? [...DEFAULT_WORKING_HOURS] : input.workingTime && typeof input.workingTime === 'object' ? input.workingTime.hours : null;
  const secret = newSecret();
  const row = await store.insertSource(db, tenantId, {
    id: `src_${randomUUID()}`,
    slug: input.slug,
    name: input.name ?? null,
    preset: input.preset,
    mapping,
    firstResponseSla: input.firstResponseSla?.toUpperCase() ?? DEFAULT_FIRST_RESPONSE_SLA,
    workingHours: workingHours ? workingHours.map(({ start, end }) => ({ start, end })) : null,
    secret,
  });
  if (!row) throw new HuashuError('conflict', `a lead source with slug "${input.slug}" already exists`, { issues: [{ path: 'slug', message: 'is taken' }] });
  return { source: toSourceView(row), secret };
}

export async function listSources(db: Database, tenantId: string): Promise<{ sources: LeadSourceView[] }> {
  return { sources: (await store.listSources(db, tenantId)).map(toSourceView) };
}

export async function rotateSourceSecret(db: Database, tenantId: string, slug: string): Promise<{ source: LeadSourceView; secret: string }> {
  const secret = newSecret();
  const row = await store.rotateSecret(db, tenantId, slug, secret, new Date(Date.now() + SECRET_ROTATION_GRACE_MS));
  if (!row) throw new HuashuError('not_found', `lead source ${slug} not found`);
  return { source: toSourceView(row), secret };
}

// ——— Inbound webhooks ———

const SIGNATURE_FAILED = 'webhook signature does not match';

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The secrets that verify now: the current one, and the previous one during its grace period. */
function liveSecrets(row: SourceRow, now: number): string[] {
  const secrets = [row.secret];
  if (row.previous_secret && row.previous_secret_expires_at && new Date(row.previous_secret_expires_at).getTime() > now) secrets.push(row.previous_secret);
  return secrets;
}

function verifies(secret: string, body: Buffer, headers: Record<string, string>): boolean {
  try {
    new Webhook(secret).verify(body, headers, { jsonParse: false });
    return true;
  } catch {
    return false;
  }
}

/** Verifying against a throw-away key when no source has the slug keeps an unknown slug from answering faster. */
const DECOY_SECRET = newSecret();

/**
 * Finds the source a delivery is for and checks it the Standard Webhooks way.
 * Header and timestamp problems are reported as such (they do not depend on
 * the slug); an unknown slug and a wrong signature get the same 401, so the
 * endpoint does not tell which slugs exist.
 */
export async function verifyInbound(db: Database, slug: string, body: Buffer, rawHeaders: Record<string, string | string[] | undefined>): Promise<{ source: SourceRow; webhookId: string }> {
  const webhookId = header(rawHeaders, 'webhook-id');
  const timestamp = header(rawHeaders, 'webhook-timestamp');
  const signature = header(rawHeaders, 'webhook-signature');
  const missing = [!webhookId && 'webhook-id', !timestamp && 'webhook-timestamp', !signature && 'webhook-signature'].filter(Boolean);
  if (missing.length > 0) throw new HuashuError('unauthenticated', `missing Standard Webhooks header${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  const seconds = /^\d{1,12}$/.test(timestamp!) ? Number(timestamp) : Number.NaN;
  const now = Date.now();
  if (!Number.isFinite(seconds) || Math.abs(now / 1000 - seconds) > WEBHOOK_TOLERANCE_SECONDS) {
    throw new HuashuError('unauthenticated', `webhook-timestamp must be unix seconds within ±${WEBHOOK_TOLERANCE_SECONDS / 60} minutes of the server's clock`);
  }
  if (webhookId!.length > 256) throw new HuashuError('unauthenticated', 'webhook-id is longer than 256 characters');
  const headers = { 'webhook-id': webhookId!, 'webhook-timestamp': timestamp!, 'webhook-signature': signature! };
  const candidates = await store.sourcesWithSlug(db, slug, MAX_SLUG_CANDIDATES);
  if (candidates.length === 0) {
    verifies(DECOY_SECRET, body, headers);
    throw new HuashuError('unauthenticated', SIGNATURE_FAILED);
  }
  for (const source of candidates) {
    if (liveSecrets(source, now).some((secret) => verifies(secret, body, headers))) return { source, webhookId: webhookId! };
  }
  throw new HuashuError('unauthenticated', SIGNATURE_FAILED);
}

/**
 * `POST /v1/webhooks/inbound/:slug`: verify, then map and store. A webhook id
 * seen before answers 200 with `duplicate: true` and stores nothing.
 */
export async function receiveWebhook(
  db: Database,
  slug: string,
  body: Buffer,
  headers: Record<string, string | string[] | undefined>,
  checkStorable: (payload: unknown) => FieldIssue[],
): Promise<{ lead: { id: string }; created: boolean; merged: boolean; duplicate: boolean }> {
  const { source, webhookId } = await verifyInbound(db, slug, body, headers);
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HuashuError('invalid_json', 'webhook body is not valid JSON');
  }
  const unstorable = checkStorable(payload);
  if (unstorable.length > 0) throw new HuashuError('validation_failed', `invalid payload: ${describeIssues(unstorable)}`, { issues: unstorable });
  const seen = await findDuplicate(db, source, webhookId);
  if (seen) return seen;
  const submission = submissionFromPayload(source, payload, webhookId);
  const result = await captureSubmission(db, source.tenant_id, submission, slaPolicy(source));
  return { lead: { id: result.lead.id }, created: result.created, merged: result.merged, duplicate: result.replay };
}

async function findDuplicate(db: Database, source: SourceRow, webhookId: string) {
  const leadId = await findWebhookLead(db, source.tenant_id, source.id, webhookId);
  if (!leadId) return undefined;
  return { lead: { id: await activeLeadId(db, source.tenant_id, leadId) }, created: false, merged: false, duplicate: true };
}

// ——— Assignment rules ———

export async function putAssignmentRules(db: Database, tenantId: string, input: z.output<typeof AssignmentRulesInput>): Promise<{ rules: AssignmentRule[]; updatedAt: string }> {
  const updatedAt = await assignmentStore.saveRules(db, tenantId, input.rules);
  return { rules: input.rules, updatedAt: new Date(updatedAt).toISOString() };
}

export async function getAssignmentRules(db: Database, tenantId: string): Promise<{ rules: AssignmentRule[]; updatedAt: string | null }> {
  const { rules, updatedAt } = await assignmentStore.loadRules(db, tenantId);
  return { rules, updatedAt: updatedAt ? new Date(updatedAt).toISOString() : null };
}
