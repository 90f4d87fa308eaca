import { HuashuError, MAX_AUDIT_CHANGES, type AuditEntry, type ConsoleLayout, type ConsoleLayoutResponse, type ConsoleRuleSet, type RulePilotInput, type RuleVersion, type RuleVersionList } from '@huashu/core';
import { z } from 'zod';
import type { OutboxConsumer, OutboxEvent } from '../platform/jobs/index.js';
import type { Principal } from '../platform/auth/authenticate.js';
import type { AppContext } from '../platform/context.js';
import type { Database, Queryable } from '../platform/db/types.js';
import { describeIssues, toFieldIssues } from '../platform/validation.js';
import * as store from './console.store.js';

/**
 * How the console reaches the domain that owns a rule set: its schema, what
 * runs for everyone now, and how a version is made live for everyone. Domains
 * that apply pilots (`pilotable`) consult `activeVersion` for a rep.
 */
export interface RuleSetAdapter {
  schema: z.ZodType;
  pilotable: boolean;
  /** Refuses (throws) a version its domain cannot apply to a pilot group only. */
  checkPilot?(ctx: AppContext, principal: Principal, content: unknown): Promise<void>;
  live(ctx: AppContext, principal: Principal): Promise<unknown>;
  /** Writes the domain's live configuration through `via.tx`, the console's own transaction, so publishing is one commit. */
  publish(ctx: AppContext, principal: Principal, content: unknown, actor: string, via: { tx: Queryable; consoleVersion: number }): Promise<unknown>;
}

/** Versions listed per rule set, newest first. */
const MAX_LISTED_VERSIONS = 50;

const iso = (value: Date | string) => new Date(value).toISOString();
export const actorOf = (principal: Principal) => (principal.kind === 'rep' ? `rep:${principal.rep.repId}` : `key:${principal.keyId}`);

function view(row: store.VersionRow): RuleVersion {
  return {
    ruleSet: row.rule_set,
    version: row.version,
    status: row.status,
    content: row.content,
    note: row.note,
    pilot: row.pilot_reps && row.pilot_from && row.pilot_until ? { repIds: row.pilot_reps, from: iso(row.pilot_from), until: iso(row.pilot_until) } : null,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    publishedAt: row.published_at ? iso(row.published_at) : null,
  };
}

/**
 * The version of `ruleSet` that applies to `repId` at `at` when it differs
 * from what runs for everyone: the pilot the rep is in during its period.
 * Undefined means "the domain's live configuration" (published versions are
 * written to the domain itself, so they need no lookup).
 */
export async function activeVersion(db: Queryable, tenantId: string, ruleSet: ConsoleRuleSet, repId: string, at = new Date()): Promise<{ version: number; content: unknown } | undefined> {
  const row = await store.pilotOfRep(db, tenantId, ruleSet, repId, at);
  return row ? { version: row.version, content: row.content } : undefined;
}

/** The pilot of `ruleSet` running at `at` (its period includes it), with its reps; for domains that prepare per pilot rather than per rep. */
export async function runningPilot(db: Queryable, tenantId: string, ruleSet: ConsoleRuleSet, at = new Date()): Promise<{ version: number; repIds: string[]; content: unknown } | undefined> {
  const row = await store.currentPilot(db, tenantId, ruleSet);
  if (!row?.pilot_reps || !row.pilot_from || !row.pilot_until) return undefined;
  if (new Date(row.pilot_from).getTime() > at.getTime() || new Date(row.pilot_until).getTime() <= at.getTime()) return undefined;
  return { version: row.version, repIds: row.pilot_reps, content: row.content };
}

/** The tenants with a pilot of `ruleSet` running at `at`. */
export function tenantsWithRunningPilot(db: Queryable, ruleSet: ConsoleRuleSet, at = new Date()): Promise<string[]> {
  return store.tenantsWithPilot(db, ruleSet, at);
}

/** The pilot of a rule set now running or scheduled, if any. */
export async function pilotOf(db: Queryable, tenantId: string, ruleSet: ConsoleRuleSet): Promise<RuleVersion | undefined> {
  const row = await store.currentPilot(db, tenantId, ruleSet);
  return row && view(row);
}

function parseContent(adapter: RuleSetAdapter, content: unknown): unknown {
  const result = adapter.schema.safeParse(content);
  if (result.success) return result.data;
  const issues = toFieldIssues(result.error, 'content');
  throw new HuashuError('validation_failed', `invalid body: ${describeIssues(issues)}`, { issues });
}

/**
 * What changed between two JSON values, as paths (`stages.1.gate.checklist`),
 * at most MAX_AUDIT_CHANGES: the audit log says what changed, not just that
 * something did.
 */
export function diffJson(before: unknown, after: unknown, path = '', out: AuditEntry['changes'] = []): AuditEntry['changes'] {
  if (out.length >= MAX_AUDIT_CHANGES) return out;
  const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
  if (isObject(before) && isObject(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of keys) diffJson(before[key], after[key], path ? `${path}.${key}` : key, out);
    return out;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ path: path || '(root)', before: before ?? null, after: after ?? null });
  return out;
}

export async function listVersions(ctx: AppContext, principal: Principal, ruleSet: ConsoleRuleSet, adapter: RuleSetAdapter): Promise<RuleVersionList> {
  const [rows, live] = [await store.listVersions(ctx.db, principal.tenantId, ruleSet, MAX_LISTED_VERSIONS), await adapter.live(ctx, principal)];
  return { ruleSet, pilotable: adapter.pilotable, live: live ?? null, versions: rows.map(view) };
}

async function versionOrThrow(db: Queryable, tenantId: string, ruleSet: ConsoleRuleSet, version: number, lock = false): Promise<store.VersionRow> {
  const row = await store.getVersion(db, tenantId, ruleSet, version, lock);
  if (!row) throw new HuashuError('not_found', `${ruleSet} version ${version} not found`);
  return row;
}

function expectStatus(row: store.VersionRow, allowed: readonly string[], doing: string): void {
  if (!allowed.includes(row.status)) throw new HuashuError('conflict', `${row.rule_set} version ${row.version} is ${row.status}: only a ${allowed.join(' or ')} version can be ${doing}`);
}

export async function createDraft(ctx: AppContext, principal: Principal, ruleSet: ConsoleRuleSet, adapter: RuleSetAdapter, input: { content: unknown; note?: string | undefined }): Promise<RuleVersion> {
  const content = parseContent(adapter, input.content);
  const live = await adapter.live(ctx, principal);
  const actor = actorOf(principal);
  return ctx.db.transaction(async (tx) => {
    const row = await store.insertDraft(tx, principal.tenantId, ruleSet, content, input.note || null, actor);
    await store.insertAudit(tx, principal.tenantId, { actor, ruleSet, version: row.version, action: 'draft_created', changes: diffJson(live ?? null, content) });
    return view(row);
  });
}

export async function updateDraft(ctx: AppContext, principal: Principal, ruleSet: ConsoleRuleSet, adapter: RuleSetAdapter, version: number, input: { content: unknown; note?: string | undefined }): Promise<RuleVersion> {
  const content = parseContent(adapter, input.content);
  return ctx.db.transaction(async (tx) => {
    const before = await versionOrThrow(tx, principal.tenantId, ruleSet, version, true);
    expectStatus(before, ['draft'], 'edited');
    const row = await store.updateDraft(tx, principal.tenantId, ruleSet, version, content, input.note ?? before.note);
    await store.insertAudit(tx, principal.tenantId, { actor: actorOf(principal), ruleSet, version, action: 'draft_updated', changes: diffJson(before.content, content) });
    return view(row);
  });
}

export async function startPilot(ctx: AppContext, principal: Principal, ruleSet: ConsoleRuleSet, adapter: RuleSetAdapter, version: number, input: z.output<z.ZodType<RulePilotInput>>, now = new Date()): Promise<RuleVersion> {
  if (!adapter.pilotable) throw new HuashuError('conflict', `${ruleSet} cannot be piloted yet: its domain applies one version to everyone; publish it instead`);
  const pilot = { repIds: input.repIds, from: input.from ? new Date(input.from) : now, until: new Date(input.until) };
  // The domain reads its own configuration outside the transaction (an embedded engine has one connection); the draft must not change in between.
  const checked = adapter.checkPilot ? (await versionOrThrow(ctx.db, principal.tenantId, ruleSet, version)).content : undefined;
  if (adapter.checkPilot) await adapter.checkPilot(ctx, principal, checked);
  return ctx.db.transaction(async (tx) => {
    const row = await versionOrThrow(tx, principal.tenantId, ruleSet, version, true);
    expectStatus(row, ['draft'], 'piloted');
    if (adapter.checkPilot && JSON.stringify(row.content) !== JSON.stringify(checked)) throw new HuashuError('conflict', `${ruleSet} version ${version} changed while it was being piloted: try again`);
    const running = await store.currentPilot(tx, principal.tenantId, ruleSet);
    if (running) throw new HuashuError('conflict', `${ruleSet} version ${running.version} is already in pilot: publish or discard it first`);
    const updated = await store.setPilot(tx, principal.tenantId, ruleSet, version, pilot);
    await store.insertAudit(tx, principal.tenantId, {
      actor: actorOf(principal),
      ruleSet,
      version,
      action: 'piloted',
      changes: [{ path: 'pilot', before: null, after: { repIds: pilot.repIds, from: pilot.from.toISOString(), until: pilot.until.toISOString() } }],
    });
    return view(updated);
  });
}

/**
 * Makes a draft or pilot live for everyone in one transaction: the domain's
 * configuration is written and the version marked published together, so a
 * domain that refuses the write leaves the version as it was.
 */
export async function publish(ctx: AppContext, principal: Principal, ruleSet: ConsoleRuleSet, adapter: RuleSetAdapter, version: number): Promise<RuleVersion> {
  expectStatus(await versionOrThrow(ctx.db, principal.tenantId, ruleSet, version), ['draft', 'pilot'], 'published');
  // Read outside the transaction (an embedded engine has one connection): only the audit's "before".
  const live = await adapter.live(ctx, principal);
  const actor = actorOf(principal);
  return ctx.db.transaction(async (tx) => {
    const row = await versionOrThrow(tx, principal.tenantId, ruleSet, version, true);
    expectStatus(row, ['draft', 'pilot'], 'published');
    await adapter.publish(ctx, principal, row.content, actor, { tx, consoleVersion: version });
    const updated = await store.setStatus(tx, principal.tenantId, ruleSet, version, 'published');
    await store.supersedePublished(tx, principal.tenantId, ruleSet, version);
    await store.insertAudit(tx, principal.tenantId, { actor, ruleSet, version, action: 'published', changes: diffJson(live ?? null, row.content) });
    return view(updated);
  });
}

export async function discard(ctx: AppContext, principal: Principal, ruleSet: ConsoleRuleSet, version: number): Promise<RuleVersion> {
  return ctx.db.transaction(async (tx) => {
    const row = await versionOrThrow(tx, principal.tenantId, ruleSet, version, true);
    expectStatus(row, ['draft', 'pilot'], 'discarded');
    const updated = await store.setStatus(tx, principal.tenantId, ruleSet, version, 'discarded');
    await store.insertAudit(tx, principal.tenantId, { actor: actorOf(principal), ruleSet, version, action: 'discarded', changes: [{ path: 'status', before: row.status, after: 'discarded' }] });
    return view(updated);
  });
}

export async function versionFor(db: Database, tenantId: string, ruleSet: ConsoleRuleSet, version: number): Promise<RuleVersion> {
  return view(await versionOrThrow(db, tenantId, ruleSet, version));
}

export async function auditLog(db: Queryable, tenantId: string, filter: { ruleSet?: string | undefined; limit: number }): Promise<{ entries: AuditEntry[] }> {
  const rows = await store.listAudit(db, tenantId, { ...(filter.ruleSet ? { ruleSet: filter.ruleSet } : {}), limit: filter.limit });
  return {
    entries: rows.map((row) => ({
      id: row.id,
      at: iso(row.at),
      actor: row.actor,
      ruleSet: row.rule_set,
      version: row.version,
      action: row.action as AuditEntry['action'],
      changes: row.changes as AuditEntry['changes'],
    })),
  };
}

// ——— Changes made outside the console ———

/** What a domain emits when its live configuration is written (`config.changed`). */
const ConfigChanged = z.object({
  ruleSet: z.string(),
  actor: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  /** Set when the console published the change: it wrote its own audit row then. */
  consoleVersion: z.number().int().nullable().optional(),
});

/**
 * A direct write to a domain's config route (PUT /v1/signal-rules, the
 * pipeline's stages, …) becomes an audit row: who, when (the change's own
 * time), what changed. The console's own publish is already audited as
 * `published` in the same transaction, so it is not recorded twice.
 */
export async function auditDirectChange(tx: Queryable, event: OutboxEvent): Promise<void> {
  const parsed = ConfigChanged.safeParse(event.data);
  if (!parsed.success || parsed.data.consoleVersion != null) return;
  const { ruleSet, actor, before, after } = parsed.data;
  await store.insertAudit(tx, event.tenantId, { actor, ruleSet, version: null, action: 'changed_directly', changes: diffJson(before ?? null, after ?? null), at: new Date(event.createdAt) });
}

export const consoleConsumers: OutboxConsumer[] = [{ name: 'console.audit', types: ['config.changed'], deliver: (_ctx, event, tx) => auditDirectChange(tx, event) }];

// ——— Layouts ———

/** Layouts belong to a manager: a rep token (the secret key has no person to save them for). */
function layoutOwner(principal: Principal): string {
  if (principal.kind !== 'rep') throw new HuashuError('forbidden', 'a layout is saved per manager: it needs a rep token with role reviewer or admin');
  return principal.rep.repId;
}

export async function getLayout(db: Queryable, principal: Principal, widget: string): Promise<ConsoleLayoutResponse> {
  const row = await store.getLayout(db, principal.tenantId, layoutOwner(principal), widget);
  return { widget, layout: (row?.layout as ConsoleLayout | undefined) ?? null, updatedAt: row ? iso(row.updated_at) : null };
}

export async function putLayout(db: Queryable, principal: Principal, widget: string, layout: ConsoleLayout): Promise<ConsoleLayoutResponse> {
  const row = await store.putLayout(db, principal.tenantId, layoutOwner(principal), widget, layout);
  return { widget, layout, updatedAt: iso(row.updated_at) };
}
