import { HuashuError, PackSlug, type LearningPack, type LearningPackData, type PackCompletion, type PackItemView, type PackProgressRequest } from '@huashu/core';
import type { Principal } from '../platform/auth/authenticate.js';
import type { AppContext } from '../platform/context.js';
import { approvedEntries, approvedEntriesByIds } from '../knowledge/review.service.js';
import { getLead } from '../leads/leads.service.js';
import * as store from './packs.store.js';
import type { PackRecord } from './packs.store.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Hire dates are calendar days in the reps' time zone (China Standard Time, UTC+8, no DST). */
const HIRE_DATE_OFFSET = '+08:00';
/** Prefix of the ids of items a pack's entry filter adds: `entry:<entry id>`. */
const FILTER_ITEM_PREFIX = 'entry:';

type Rep = Extract<Principal, { kind: 'rep' }>['rep'];

function requireRep(principal: Principal): Rep {
  if (principal.kind !== 'rep') throw new HuashuError('forbidden', 'learning packs are delivered to reps: this needs a rep token');
  return principal.rep;
}

/** Packs are curated by the tenant: a secret key, or a rep token with role admin. */
function requireAdmin(principal: Principal): void {
  if (principal.kind === 'secret' || (principal.kind === 'rep' && principal.rep.role === 'admin')) return;
  throw new HuashuError('forbidden', 'changing learning packs needs a secret key or a rep token with role admin');
}

/** Managers follow completion: a secret key, or a rep token with role reviewer or admin. */
function requireManager(principal: Principal): void {
  if (principal.kind === 'secret' || (principal.kind === 'rep' && principal.rep.role !== 'rep')) return;
  throw new HuashuError('forbidden', 'completion per rep needs a secret key or a rep token with role reviewer or admin');
}

function checkSlug(slug: string): string {
  const parsed = PackSlug.safeParse(slug);
  if (!parsed.success) throw new HuashuError('validation_failed', `slug: ${parsed.error.issues[0]!.message}`, { issues: [{ path: 'slug', message: parsed.error.issues[0]!.message }] });
  return parsed.data;
}

async function packOrThrow(ctx: AppContext, tenantId: string, slug: string): Promise<PackRecord> {
  const pack = await store.packBySlug(ctx.db, tenantId, checkSlug(slug));
  if (!pack) throw new HuashuError('not_found', `learning pack ${slug} not found`);
  return pack;
}

/**
 * Days since the rep was hired, from the `hireDate` in their token; undefined
 * without one (such a rep is treated as a veteran: packs are for new hires).
 */
export function daysSinceHire(hireDate: string | undefined, now = Date.now()): number | undefined {
  if (!hireDate) return undefined;
  const hired = Date.parse(`${hireDate}T00:00:00${HIRE_DATE_OFFSET}`);
  return Number.isNaN(hired) ? undefined : Math.max(0, Math.floor((now - hired) / DAY_MS));
}

/**
 * A pack's items as a rep reads them: its own items, then the approved entries
 * its filter selects today (those already listed by hand are not repeated).
 * Entry items whose entry is no longer approved are left out.
 */
async function resolveItems(ctx: AppContext, tenantId: string, pack: PackRecord, done: ReadonlySet<string>): Promise<PackItemView[]> {
  const linked = pack.items.flatMap((item) => (item.entryId ? [item.entryId] : []));
  const live = await approvedEntriesByIds(ctx.db, tenantId, linked);
  const items: PackItemView[] = pack.items
    .filter((item) => !item.entryId || live.has(item.entryId))
    .map((item) => ({ id: item.id, kind: item.kind, title: item.title, url: item.url ?? null, entryId: item.entryId ?? null, done: done.has(item.id) }));
  if (pack.entryFilter) {
    const listed = new Set(linked);
    for (const entry of await approvedEntries(ctx.db, tenantId, pack.entryFilter)) {
      if (listed.has(entry.id)) continue;
      const id = `${FILTER_ITEM_PREFIX}${entry.id}`;
      items.push({ id, kind: 'entry', title: entry.question, url: null, entryId: entry.id, done: done.has(id) });
    }
  }
  return items;
}

async function view(ctx: AppContext, tenantId: string, pack: PackRecord, reader: { repId: string; deliveredAt: string | undefined } | undefined): Promise<LearningPack> {
  const done = reader ? await store.doneItems(ctx.db, tenantId, pack.id, reader.repId) : new Set<string>();
  const items = await resolveItems(ctx, tenantId, pack, done);
  return {
    slug: pack.slug,
    name: pack.name,
    description: pack.description,
    scenario: { industry: pack.industry, tags: pack.tags },
    audience: { hiredWithinDays: pack.hiredWithinDays },
    items,
    progress: { done: items.filter((item) => item.done).length, total: items.length },
    deliveredAt: reader?.deliveredAt ?? null,
    updatedAt: pack.updatedAt,
  };
}

export async function putPack(ctx: AppContext, principal: Principal, slug: string, input: LearningPackData): Promise<{ pack: LearningPack; created: boolean }> {
  requireAdmin(principal);
  const { record, created } = await store.upsertPack(ctx.db, principal.tenantId, checkSlug(slug), {
    name: input.name,
    description: input.description,
    industry: input.scenario.industry,
    tags: input.scenario.tags,
    hiredWithinDays: input.audience.hiredWithinDays,
    items: input.items,
    entryFilter: input.entries,
  });
  return { pack: await view(ctx, principal.tenantId, record, undefined), created };
}

export async function listPacks(ctx: AppContext, principal: Principal): Promise<{ packs: LearningPack[] }> {
  requireManager(principal);
  const packs = await store.listPacks(ctx.db, principal.tenantId);
  return { packs: await Promise.all(packs.map((pack) => view(ctx, principal.tenantId, pack, undefined))) };
}

/** One pack: a rep sees their own done marks; a manager sees the pack itself. */
export async function getPack(ctx: AppContext, principal: Principal, slug: string): Promise<LearningPack> {
  const pack = await packOrThrow(ctx, principal.tenantId, slug);
  if (principal.kind !== 'rep') return view(ctx, principal.tenantId, pack, undefined);
  const deliveredAt = await store.deliveryOf(ctx.db, principal.tenantId, pack.id, principal.rep.repId);
  return view(ctx, principal.tenantId, pack, { repId: principal.rep.repId, deliveredAt });
}

export async function deletePack(ctx: AppContext, principal: Principal, slug: string): Promise<{ deleted: boolean }> {
  requireAdmin(principal);
  if (!(await store.deletePack(ctx.db, principal.tenantId, checkSlug(slug)))) throw new HuashuError('not_found', `learning pack ${slug} not found`);
  return { deleted: true };
}

export interface ScenarioQuery {
  leadId?: string | undefined;
  industry?: string | undefined;
  tags?: string[] | undefined;
}

/** The scenario a rep is in: the industry given, else the lead's (through the leads service). */
async function scenarioOf(ctx: AppContext, tenantId: string, query: ScenarioQuery): Promise<{ industry?: string | undefined; tags: string[] }> {
  let industry = query.industry;
  if (industry === undefined && query.leadId !== undefined) {
    const lead: Record<string, unknown> = await getLead(ctx.db, tenantId, query.leadId);
    // The lead's own industry, else the `industry` custom field a web form may carry.
    const fields = lead['fields'] as Record<string, unknown> | null | undefined;
    industry = [lead['industry'], fields?.['industry']].find((value): value is string => typeof value === 'string' && value.length > 0);
  }
  return { industry, tags: query.tags ?? [] };
}

/**
 * The first time a new hire meets a scenario — their first hospital-IT lead —
 * the pack for it, recorded as delivered; null on every later call, for a rep
 * outside the pack's audience (hired longer ago, or without a hire date) and
 * when no pack matches.
 */
export async function nextPack(ctx: AppContext, principal: Principal, query: ScenarioQuery): Promise<{ pack: LearningPack | null }> {
  const rep = requireRep(principal);
  const tenantId = principal.tenantId;
  const days = daysSinceHire(rep.hireDate);
  const scenario = await scenarioOf(ctx, tenantId, query);
  if (days === undefined || (scenario.industry === undefined && scenario.tags.length === 0)) return { pack: null };
  for (const pack of await store.undeliveredMatching(ctx.db, tenantId, rep.repId, scenario, days)) {
    const deliveredAt = await store.recordDelivery(ctx.db, tenantId, pack.id, rep, { leadId: query.leadId, industry: scenario.industry });
    // Another request delivered it a moment ago: it is not "next" any more.
    if (deliveredAt) return { pack: await view(ctx, tenantId, pack, { repId: rep.repId, deliveredAt }) };
  }
  return { pack: null };
}

/** The packs this rep has received (optionally only those matching a scenario), with their progress. */
export async function deliveredPacks(ctx: AppContext, principal: Principal, query: ScenarioQuery): Promise<{ packs: LearningPack[] }> {
  const rep = requireRep(principal);
  const tenantId = principal.tenantId;
  const filtered = query.leadId !== undefined || query.industry !== undefined || (query.tags?.length ?? 0) > 0;
  const scenario = filtered ? await scenarioOf(ctx, tenantId, query) : undefined;
  const delivered = (await store.deliveredTo(ctx.db, tenantId, rep.repId)).filter(({ pack }) => {
    if (!scenario) return true;
    const industryOk = pack.industry === null || (scenario.industry !== undefined && pack.industry.toLowerCase() === scenario.industry.toLowerCase());
    const tagsOk = pack.tags.length === 0 || pack.tags.some((tag) => scenario.tags.includes(tag));
    return industryOk && tagsOk;
  });
  return { packs: await Promise.all(delivered.map(({ pack, deliveredAt }) => view(ctx, tenantId, pack, { repId: rep.repId, deliveredAt }))) };
}

/** Marks one item of a delivered pack done or not done; returns the pack with the rep's progress. */
export async function setProgress(ctx: AppContext, principal: Principal, slug: string, body: PackProgressRequest): Promise<LearningPack> {
  const rep = requireRep(principal);
  const tenantId = principal.tenantId;
  const pack = await packOrThrow(ctx, tenantId, slug);
  const deliveredAt = await store.deliveryOf(ctx.db, tenantId, pack.id, rep.repId);
  if (!deliveredAt) throw new HuashuError('conflict', `learning pack ${pack.slug} was not delivered to you; progress is kept for delivered packs`);
  const items = await resolveItems(ctx, tenantId, pack, new Set());
  if (!items.some((item) => item.id === body.itemId)) {
    throw new HuashuError('validation_failed', `itemId: no item "${body.itemId}" in pack ${pack.slug}`, { issues: [{ path: 'itemId', message: `no item "${body.itemId}" in this pack` }] });
  }
  await store.setProgress(ctx.db, tenantId, pack.id, rep.repId, body.itemId, body.done);
  return view(ctx, tenantId, pack, { repId: rep.repId, deliveredAt });
}

/** For managers: each rep the pack reached, how far they got and when they finished. */
export async function completion(ctx: AppContext, principal: Principal, slug: string): Promise<PackCompletion> {
  requireManager(principal);
  const tenantId = principal.tenantId;
  const pack = await packOrThrow(ctx, tenantId, slug);
  const items = await resolveItems(ctx, tenantId, pack, new Set());
  const ids = new Set(items.map((item) => item.id));
  const reps = (await store.completion(ctx.db, tenantId, pack.id)).map((rep) => {
    const doneItems = [...rep.done.keys()].filter((id) => ids.has(id));
    const complete = items.length > 0 && doneItems.length === items.length;
    const lastDone = doneItems.map((id) => rep.done.get(id)!).sort().at(-1);
    return { repId: rep.repId, name: rep.name, deliveredAt: rep.deliveredAt, done: doneItems.length, total: items.length, completedAt: complete ? lastDone! : null, doneItems };
  });
  return { slug: pack.slug, name: pack.name, total: items.length, reps };
}
