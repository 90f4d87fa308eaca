import { createHash, randomUUID } from 'node:crypto';
import {
  DEFAULT_STALL_ALERT,
  HealthSettingsInput,
  HuashuError,
  PipelineEvent,
  STALL_NOTES,
  StageDefinition,
  type GateCheckRequest,
  type GateCheckResponse,
  type GateMissing,
  type HealthResponse,
  type PipelineEventsResponse,
  type PipelineStagesRequest,
  type PipelineStagesResponse,
  type StageStat,
  type StageStatsResponse,
  type StalledDeal,
  type WorkSchedule,
  workdayLengthMs,
} from '@huashu/core';
import { z } from 'zod';
import { countDocumentDownloads } from '../events/events.service.js';
import type { AppContext } from '../platform/context.js';
import type { Queryable } from '../platform/db/types.js';
import { emit } from '../platform/jobs/outbox.js';
import { describeIssues, parseItem } from '../platform/validation.js';
import { addCounts, countMessages, emptyCounts, HEALTH_LABELS, healthMetrics, resolveHealthSettings, type HealthCounts, type Message } from './health.js';
import { evaluateGate } from './gates.js';
import { rebuildDeal } from './history.js';
import * as store from './pipeline.store.js';
import { calendarDays, calendarKey, CLOCK_EPOCH, DEFAULT_WORKING_HOURS, pipelineSchedule, sqlCalendar, workingDays, workingMinutesAt } from './working-days.js';

/** An event may be stamped a little ahead of our clock (the CRM's clock runs fast); beyond this it is refused. */
const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** A gate check counts for a stage entry stamped up to this long before it (the CRM's and our clocks differ). */
const GATE_CHECK_GRACE_MS = 10 * 60_000;
const DAY_MS = 86_400_000;
/** Beijing time: `from=2026-10-01` means midnight there. */
const CHINA_OFFSET = '+08:00';
const HEALTH_DEFAULT_PERIOD_MS = 28 * DAY_MS;

export interface Pipeline {
  /** By `order`. */
  stages: StageDefinition[];
  workingHours: Array<{ start: string; end: string }>;
  schedule: WorkSchedule;
  health: ReturnType<typeof resolveHealthSettings>;
}

const StoredStages = z.array(StageDefinition);

/** The pipeline rule sets a pilot can change for a group of reps. */
export type PipelinePilotRuleSet = 'pipeline-stages' | 'health-settings';
/** A pilot running at a moment: its reps and the version they use (a stages request or health settings). */
export interface PipelinePilot {
  repIds: readonly string[];
  content: unknown;
}
/**
 * The pilot of a pipeline rule set running at `at`, if any. Wired in at
 * module assembly (modules.ts): the console, which owns pilots, reads the
 * pipeline's health report, so the pipeline cannot import the console.
 */
export type PilotPipelineConfig = (db: Queryable, tenantId: string, ruleSet: PipelinePilotRuleSet, at: Date) => Promise<PipelinePilot | undefined>;
let pilotPipelineConfig: PilotPipelineConfig = async () => undefined;
/** The tenants with a pilot of a pipeline rule set running at `at` (the periodic stall check visits them even without live thresholds). */
export type PilotPipelineTenants = (db: Queryable, ruleSet: PipelinePilotRuleSet, at: Date) => Promise<string[]>;
let pilotPipelineTenants: PilotPipelineTenants = async () => [];

/** Installs the pilot resolvers; called once when the modules are assembled. */
export function usePilotPipelineConfig(resolver: PilotPipelineConfig, tenants?: PilotPipelineTenants): void {
  pilotPipelineConfig = resolver;
  if (tenants) pilotPipelineTenants = tenants;
}

/** The live pipeline and, for the reps of a running pilot, theirs. */
export interface Pipelines {
  live: Pipeline;
  /** The pipeline a deal owned by `repId` uses. */
  forRep(repId: string | null | undefined): Pipeline;
  /** Every distinct pipeline in use (the live one first). */
  all: Pipeline[];
}

/**
 * A pilot replaces stages and gates (and their stall thresholds) or the
 * health settings whole, as publishing it would. Working hours are not
 * piloted: every stay's working-minute clock is counted under one schedule
 * (the console refuses a stages pilot that changes them).
 */
export async function loadPipelines(db: Queryable, tenantId: string, at = new Date()): Promise<Pipelines> {
  const live = await loadPipeline(db, tenantId);
  const [stagesPilot, healthPilot] = [await pilotPipelineConfig(db, tenantId, 'pipeline-stages', at), await pilotPipelineConfig(db, tenantId, 'health-settings', at)];
  if (!stagesPilot && !healthPilot) return { live, forRep: () => live, all: [live] };
  const stages = stagesPilot ? StoredStages.safeParse((stagesPilot.content as { stages?: unknown } | null)?.stages) : undefined;
  const health = healthPilot ? HealthSettingsInput.safeParse(healthPilot.content ?? {}) : undefined;
  const variants = new Map<string, Pipeline>();
  const forRep = (repId: string | null | undefined): Pipeline => {
    if (!repId) return live;
    const useStages = stages?.success === true && stagesPilot!.repIds.includes(repId);
    const useHealth = health?.success === true && healthPilot!.repIds.includes(repId);
    if (!useStages && !useHealth) return live;
    const key = `${useStages}:${useHealth}`;
    let variant = variants.get(key);
    if (!variant) {
      variant = {
        ...live,
        stages: useStages ? [...stages!.data!].sort((a, b) => a.order - b.order) : live.stages,
        health: useHealth ? resolveHealthSettings(health!.data) : live.health,
      };
      variants.set(key, variant);
    }
    return variant;
  };
  // Every combination the pilots' reps can be in, so callers can prepare for each.
  for (const repId of new Set([...(stagesPilot?.repIds ?? []), ...(healthPilot?.repIds ?? [])])) forRep(repId);
  return { live, forRep, all: [live, ...variants.values()] };
}

export async function loadPipeline(db: Queryable, tenantId: string): Promise<Pipeline> {
  const row = await store.getSettings(db, tenantId);
  const stages = row ? StoredStages.parse(row.stages) : [];
  const workingHours = (row?.working_hours as Array<{ start: string; end: string }> | null) ?? DEFAULT_WORKING_HOURS.map((window) => ({ ...window }));
  const health = HealthSettingsInput.safeParse(row?.health ?? {});
  return {
    stages: [...stages].sort((a, b) => a.order - b.order),
    workingHours,
    schedule: pipelineSchedule(workingHours),
    health: resolveHealthSettings(health.success ? health.data : undefined),
  };
}

/**
 * Stays carry working-minute clocks counted under one schedule and holiday
 * data; when either changed since (new hours, a newer chinese-days), every
 * stay of the tenant is counted again first. Call inside a transaction that
 * holds the tenant's history lock.
 */
async function ensureCalendar(tx: Queryable, tenantId: string, schedule: WorkSchedule, now: Date): Promise<void> {
  const key = calendarKey(schedule);
  const stored = await store.getSettings(tx, tenantId);
  if (stored?.calendar_key === key) return;
  await store.recountWorkingMinutes(tx, tenantId, sqlCalendar(new Date(now.getTime() + DAY_MS), schedule), key);
}

function stagesView(pipeline: Pipeline): PipelineStagesResponse {
  return { stages: pipeline.stages, workingHours: pipeline.workingHours };
}

export async function getStages(ctx: AppContext, tenantId: string): Promise<PipelineStagesResponse> {
  return stagesView(await loadPipeline(ctx.db, tenantId));
}

/**
 * Who writes configuration and how: `actor` for the audit (`config.changed`),
 * `tx` to write in the caller's transaction (the console publishes a version
 * and marks it published in one), `consoleVersion` naming that version.
 */
export interface ConfigWrite {
  actor?: string;
  tx?: Queryable;
  consoleVersion?: number;
}

/** A rule set's live configuration changed (who, before, after); the console's audit log records it. */
const CONFIG_CHANGED = 'config.changed';

function writeConfig<T>(ctx: AppContext, via: ConfigWrite, write: (tx: Queryable) => Promise<T>): Promise<T> {
  return via.tx ? write(via.tx) : ctx.db.transaction(write);
}

function configChanged(tx: Queryable, tenantId: string, ruleSet: PipelinePilotRuleSet, via: ConfigWrite, before: unknown, after: unknown) {
  return emit(tx, { tenantId, type: CONFIG_CHANGED, data: { ruleSet, actor: via.actor ?? 'system', before, after, consoleVersion: via.consoleVersion ?? null } });
}

/** Replaces the tenant's stage definitions (and working hours when given). */
export async function putStages(ctx: AppContext, tenantId: string, body: PipelineStagesRequest, via: ConfigWrite = {}): Promise<PipelineStagesResponse> {
  return writeConfig(ctx, via, async (tx) => {
    await store.lockSettings(tx, tenantId);
    const before = stagesView(await loadPipeline(tx, tenantId));
    const current = await store.getSettings(tx, tenantId);
    await store.putStages(tx, tenantId, body.stages, body.workingHours ?? current?.working_hours ?? undefined);
    const after = stagesView(await loadPipeline(tx, tenantId));
    await configChanged(tx, tenantId, 'pipeline-stages', via, before, after);
    return after;
  });
}

export async function getHealthSettings(ctx: AppContext, tenantId: string) {
  return (await loadPipeline(ctx.db, tenantId)).health;
}

export async function putHealthSettings(ctx: AppContext, tenantId: string, body: HealthSettingsInput, via: ConfigWrite = {}) {
  return writeConfig(ctx, via, async (tx) => {
    await store.lockSettings(tx, tenantId);
    const before = (await loadPipeline(tx, tenantId)).health;
    await store.putHealth(tx, tenantId, body);
    const after = (await loadPipeline(tx, tenantId)).health;
    await configChanged(tx, tenantId, 'health-settings', via, before, after);
    return after;
  });
}

// ——— Events ———

/**
 * Validates each event on its own (a bad one is rejected by index, the rest
 * stored), drops ids seen before, then rebuilds the history of every deal that
 * got a new event from all of its events in `at` order — so arrival order
 * never matters.
 */
export async function ingestEvents(ctx: AppContext, tenantId: string, events: readonly unknown[], now = new Date()): Promise<PipelineEventsResponse> {
  const rejected: PipelineEventsResponse['rejected'] = [];
  const rows: store.EventRow[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  events.forEach((raw, index) => {
    const parsed = parseItem(PipelineEvent, raw);
    if (!parsed.success) {
      rejected.push({ index, error: describeIssues(parsed.issues) });
      return;
    }
    const event = parsed.data;
    if (Date.parse(event.at) > now.getTime() + MAX_FUTURE_SKEW_MS) {
      rejected.push({ index, error: 'at: is in the future' });
      return;
    }
    if (Date.parse(event.at) < CLOCK_EPOCH.getTime()) {
      rejected.push({ index, error: 'at: is before 2000-01-01, the earliest date the pipeline counts' });
      return;
    }
    if (seen.has(event.id)) {
      duplicates++;
      return;
    }
    seen.add(event.id);
    // One shape for notes in storage: `{ text, author? }`.
    const stored = typeof event.note === 'string' ? { ...event, note: { text: event.note } } : event;
    rows.push({ id: event.id, dealId: event.dealId, type: event.type, at: new Date(event.at).toISOString(), payload: JSON.stringify(stored) });
  });
  if (rows.length === 0) return { accepted: 0, duplicates, rejected, deals: 0 };
  const { schedule } = await loadPipeline(ctx.db, tenantId);
  const { accepted, deals } = await ctx.db.transaction(async (tx) => {
    await store.lockTenantHistory(tx, tenantId);
    await ensureCalendar(tx, tenantId, schedule, now);
    const inserted = new Set(await store.insertEvents(tx, tenantId, rows));
    const dealIds = [...new Set(rows.filter((row) => inserted.has(row.id)).map((row) => row.dealId))];
    if (dealIds.length > 0) await rebuild(tx, tenantId, dealIds, schedule);
    return { accepted: inserted.size, deals: dealIds.length };
  });
  return { accepted, duplicates: duplicates + rows.length - accepted, rejected, deals };
}

async function rebuild(tx: Queryable, tenantId: string, dealIds: readonly string[], schedule: WorkSchedule): Promise<void> {
  const stored = await store.eventsOfDeals(tx, tenantId, dealIds);
  const byDeal = new Map<string, store.StoredEvent[]>();
  for (const event of stored) {
    const list = byDeal.get(event.deal_id) ?? [];
    list.push(event);
    byDeal.set(event.deal_id, list);
  }
  const deals: store.DealRow[] = [];
  const stays: store.StayRow[] = [];
  for (const [dealId, events] of byDeal) {
    const rebuilt = rebuildDeal(dealId, events, schedule);
    deals.push(rebuilt.deal);
    stays.push(...rebuilt.stays);
  }
  await store.replaceHistory(tx, tenantId, deals, stays);
  await store.endStaleEpisodes(tx, tenantId, dealIds);
}

// ——— Gates ———

function stageOrThrow(pipeline: Pipeline, key: string, field: string): StageDefinition {
  const stage = pipeline.stages.find((candidate) => candidate.key === key);
  if (stage) return stage;
  const message =
    pipeline.stages.length === 0
      ? 'no stages are defined for this tenant yet (PUT /v1/pipeline/stages)'
      : `no stage "${key}"; defined: ${pipeline.stages.map((s) => s.key).join(', ')}`;
  throw new HuashuError('validation_failed', `invalid body: ${field}: ${message}`, { issues: [{ path: field, message }] });
}

/** Whether a deal may enter `toStage`: the CRM's values merged over what its events reported. Every check is recorded. */
export async function gateCheck(ctx: AppContext, tenantId: string, request: GateCheckRequest, now = new Date()): Promise<GateCheckResponse> {
  const deal = await store.getDeal(ctx.db, tenantId, request.dealId);
  // The deal's owner may be in a pilot of the stages: their gates apply to it.
  const pipeline = (await loadPipelines(ctx.db, tenantId, now)).forRep(deal?.owner);
  const stage = stageOrThrow(pipeline, request.toStage, 'toStage');
  const missing: GateMissing[] = evaluateGate(stage, deal, request);
  const checkId = `gc_${randomUUID()}`;
  await store.insertGateCheck(ctx.db, tenantId, {
    id: checkId,
    dealId: request.dealId,
    stage: stage.key,
    allowed: missing.length === 0,
    missing: missing.map(({ kind, key }) => ({ kind, key })),
    owner: deal?.owner ?? null,
    team: deal?.team ?? null,
    region: deal?.region ?? null,
    industry: deal?.industry ?? null,
    productLine: deal?.product_line ?? null,
    checkedAt: now.toISOString(),
  });
  return { allowed: missing.length === 0, missing, stage: stage.key, checkId };
}

// ——— Time in stage ———

/** `2026-10-01` is midnight Beijing time; a date-time is taken as given. */
export function parseBound(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  return new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00${CHINA_OFFSET}` : value);
}

function checkPeriod(from: Date | undefined, to: Date | undefined): void {
  if (from && to && from.getTime() >= to.getTime()) {
    throw new HuashuError('validation_failed', 'invalid query: to: must be after from', { issues: [{ path: 'to', message: 'must be after from' }] });
  }
}

const round2 = (value: number | null) => (value === null ? null : Math.round(value * 100) / 100);

export async function stageStats(ctx: AppContext, tenantId: string, query: { groupBy?: store.StageStatsParams['groupBy']; from?: string; to?: string }, now = new Date()): Promise<StageStatsResponse> {
  const pipeline = await loadPipeline(ctx.db, tenantId);
  const from = parseBound(query.from);
  const to = parseBound(query.to);
  checkPeriod(from, to);
  const stages: StageStatsResponse['stages'] = pipeline.stages.map((stage) => ({ key: stage.key, name: stage.name, nameEn: stage.nameEn ?? null, order: stage.order, terminal: stage.terminal ?? false }));
  const response: StageStatsResponse = {
    groupBy: query.groupBy ?? null,
    from: from?.toISOString() ?? null,
    to: to?.toISOString() ?? null,
    asOf: now.toISOString(),
    stages,
    groups: [],
    stats: [],
  };
  const rows = await ctx.db.transaction(async (tx) => {
    await store.lockTenantHistory(tx, tenantId);
    await ensureCalendar(tx, tenantId, pipeline.schedule, now);
    await store.tuneForAggregates(tx);
    return store.stageStats(tx, tenantId, {
      groupBy: query.groupBy,
      from,
      to,
      asOf: now,
      asOfWm: workingMinutesAt(now, pipeline.schedule),
      dayMinutes: workdayLengthMs(pipeline.schedule) / 60_000,
      stageOrder: pipeline.stages.map((stage) => ({ key: stage.key, order: stage.order })),
      terminal: pipeline.stages.filter((stage) => stage.terminal).map((stage) => stage.key),
    });
  });
  const orderOf = new Map(pipeline.stages.map((stage, index) => [stage.key, index]));
  const nameOf = new Map(pipeline.stages.map((stage) => [stage.key, stage.name]));
  const stats: StageStat[] = rows.map((row) => ({
    stage: row.stage,
    stageName: nameOf.get(row.stage) ?? row.stage,
    group: row.grp,
    deals: row.deals,
    entries: row.entries,
    open: row.open,
    avgWorkingDays: round2(row.avg_wd),
    p90WorkingDays: round2(row.p90_wd),
    avgCalendarDays: round2(row.avg_cd),
    blockingRate: row.attempted > 0 ? Math.round((row.blocked / row.attempted) * 10_000) / 10_000 : null,
    blockedDeals: row.blocked,
    escalations: row.escalations,
    backwardMoves: row.backward_moves,
  }));
  // Stages in pipeline order (undefined ones last, by key), groups alphabetically with "not reported" last.
  const rank = (stage: string) => orderOf.get(stage) ?? Number.MAX_SAFE_INTEGER;
  stats.sort((a, b) => rank(a.stage) - rank(b.stage) || a.stage.localeCompare(b.stage) || compareGroups(a.group, b.group));
  for (const stage of new Set(stats.map((stat) => stat.stage))) {
    if (!orderOf.has(stage)) stages.push({ key: stage, name: stage, nameEn: null, order: null, terminal: false });
  }
  response.groups = [...new Set(stats.map((stat) => stat.group))].sort(compareGroups);
  response.stats = stats;
  return response;
}

function compareGroups(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a.localeCompare(b, 'zh-CN');
}

// ——— Stalled deals ———

export interface StalledFilter {
  owner?: string;
  team?: string;
  stage?: string;
}

/** Deals quiet in their stage for longer than its threshold, right now. Reads only. */
export async function findStalled(ctx: AppContext, tenantId: string, now = new Date(), filter: StalledFilter = {}): Promise<StalledDeal[]> {
  const pipelines = await loadPipelines(ctx.db, tenantId, now);
  const pipeline = pipelines.live;
  // Candidates by the lowest threshold any pipeline in use gives a stage; each deal is then held to its owner's.
  const lowest = new Map<string, number>();
  for (const variant of pipelines.all) {
    for (const stage of variant.stages) if (stage.stall) lowest.set(stage.key, Math.min(lowest.get(stage.key) ?? Number.POSITIVE_INFINITY, stage.stall.workingDays));
  }
  const thresholds = [...lowest].map(([stage, days]) => ({ stage, workingDays: days }));
  if (thresholds.length === 0) return [];
  const candidates = await store.stallCandidates(ctx.db, tenantId, thresholds, now, filter);
  const stalled = candidates
    .map((candidate) => ({ candidate, stage: pipelines.forRep(candidate.owner).stages.find((stage) => stage.key === candidate.stage), days: workingDays(new Date(candidate.since), now, pipeline.schedule) }))
    .filter((found): found is typeof found & { stage: StageDefinition } => found.stage?.stall !== undefined && found.days > found.stage.stall.workingDays);
  const ids = stalled.map(({ candidate }) => candidate.id);
  const notes = await store.lastNotes(ctx.db, tenantId, ids, STALL_NOTES);
  const alerted = await store.openEpisodes(ctx.db, tenantId, ids);
  return stalled.map(({ candidate, stage, days }) => {
    const since = new Date(candidate.since);
    const own = notes.filter((note) => note.deal_id === candidate.id);
    const alertedAt = alerted.get(store.episodeKey(candidate.id, stage.key, since));
    return {
      dealId: candidate.id,
      stage: stage.key,
      stageName: stage.name,
      workingDays: round2(days)!,
      calendarDays: round2(calendarDays(since, now))!,
      thresholdWorkingDays: stage.stall!.workingDays,
      since: since.toISOString(),
      enteredAt: new Date(candidate.stage_entered_at).toISOString(),
      owner: candidate.owner,
      manager: candidate.manager,
      team: candidate.team,
      region: candidate.region,
      industry: candidate.industry,
      productLine: candidate.product_line,
      lastNotes: own.map((note) => note.text),
      lastNoteDetails: own.map((note) => ({ text: note.text, author: note.author, at: new Date(note.at).toISOString() })),
      recipients: (stage.alert ?? DEFAULT_STALL_ALERT).map((role) => ({
        role,
        id: role === 'owner' ? candidate.owner : role === 'manager' ? candidate.manager : null,
      })),
      alertedAt: alertedAt?.toISOString() ?? null,
    };
  });
}

/** The alert's id is a function of the episode, so emitting it twice (two replicas, a retried tick) is a no-op. */
function alertId(deal: StalledDeal): string {
  return `stall_${createHash('sha256').update(`${deal.dealId}\n${deal.stage}\n${deal.since}`).digest('hex').slice(0, 32)}`;
}

/**
 * The periodic check's work for one tenant: records each new stall episode
 * and emits `deal.stalled` for it through the outbox in the same transaction,
 * so an episode is alerted exactly once. Returns the deals alerted now.
 */
export async function detectStalled(ctx: AppContext, tenantId: string, now = new Date()): Promise<StalledDeal[]> {
  const stalled = (await findStalled(ctx, tenantId, now)).filter((deal) => deal.alertedAt === null);
  if (stalled.length === 0) return [];
  return ctx.db.transaction(async (tx) => {
    const created = await store.insertEpisodes(
      tx,
      tenantId,
      stalled.map((deal) => ({
        dealId: deal.dealId,
        stage: deal.stage,
        since: deal.since,
        enteredAt: deal.enteredAt,
        workingDays: deal.workingDays,
        owner: deal.owner,
        team: deal.team,
        region: deal.region,
        industry: deal.industry,
        productLine: deal.productLine,
        alertEventId: alertId(deal),
      })),
    );
    const alerted: StalledDeal[] = [];
    for (const deal of stalled) {
      const id = alertId(deal);
      if (!created.has(id)) continue;
      const { dealId, alertedAt: _pending, ...rest } = deal;
      await emit(tx, {
        tenantId,
        type: 'deal.stalled',
        id,
        data: {
          deal: { id: dealId, stage: deal.stage, owner: deal.owner, manager: deal.manager, team: deal.team, region: deal.region, industry: deal.industry, productLine: deal.productLine },
          ...rest,
        },
      });
      alerted.push({ ...deal, alertedAt: now.toISOString() });
    }
    return alerted;
  });
}

/** Every tenant with a stall threshold, live or in a running stages pilot, one after another (the periodic job's body). */
export async function detectStalledEverywhere(ctx: AppContext, now = new Date()): Promise<number> {
  let alerted = 0;
  const tenants = new Set([...(await store.tenantsWithStallRules(ctx.db)), ...(await pilotPipelineTenants(ctx.db, 'pipeline-stages', now))]);
  for (const tenantId of [...tenants].sort()) alerted += (await detectStalled(ctx, tenantId, now)).length;
  return alerted;
}

// ——— Process health ———

export interface HealthFilter {
  rep?: string;
  team?: string;
  from?: string;
  to?: string;
}

/** The stages at or after the nurturing stage (given by key or name); empty when no stage matches. */
function reachedStages(pipeline: Pipeline): string[] {
  const target = pipeline.stages.find((stage) => stage.key === pipeline.health.nurturingStage || stage.name === pipeline.health.nurturingStage);
  return target ? pipeline.stages.filter((stage) => stage.order >= target.order).map((stage) => stage.key) : [];
}

/**
 * Per rep and per team, over [from, to) (default: the last 28 days). Every
 * input is attributed to the deal's owner and team as last reported.
 */
export async function healthReport(ctx: AppContext, tenantId: string, filter: HealthFilter, now = new Date()): Promise<HealthResponse> {
  const pipelines = await loadPipelines(ctx.db, tenantId, now);
  const pipeline = pipelines.live;
  const settings = pipeline.health;
  const to = parseBound(filter.to) ?? now;
  const from = parseBound(filter.from) ?? new Date(to.getTime() - HEALTH_DEFAULT_PERIOD_MS);
  checkPeriod(from, to);
  const period = { from, to };
  const deals = await store.healthDeals(ctx.db, tenantId, { rep: filter.rep, team: filter.team });
  const ids = deals.map((deal) => deal.id);
  const perDeal = new Map(ids.map((id) => [id, emptyCounts()]));
  // A pilot rep's deals are counted with the pilot's stages and settings, everyone else's with the live ones.
  const pipelineOf = new Map(deals.map((deal) => [deal.id, pipelines.forRep(deal.owner)]));
  const byPipeline = <T extends { id: string }>(items: readonly T[]) => pipelines.all.map((variant) => ({ variant, items: items.filter((item) => pipelineOf.get(item.id) === variant) })).filter((group) => group.items.length > 0);

  const fresh = deals.filter((deal) => deal.first_entered_at && deal.first_entered_at >= from && deal.first_entered_at < to);
  for (const { variant, items } of byPipeline(fresh)) {
    const reached = await store.dealsThatReached(ctx.db, tenantId, items.map((deal) => deal.id), reachedStages(variant), to);
    for (const deal of items) addCounts(perDeal.get(deal.id)!, { newDeals: 1, reached: reached.has(deal.id) ? 1 : 0 });
  }

  for (const { variant, items } of byPipeline(deals)) {
    const gated = variant.stages.filter((stage) => stage.gate).map((stage) => stage.key);
    for (const entry of await store.gatedEntries(ctx.db, tenantId, items.map((deal) => deal.id), gated, period, GATE_CHECK_GRACE_MS)) {
      addCounts(perDeal.get(entry.deal_id)!, { gatedEntries: 1, compliantEntries: entry.allowed === true ? 1 : 0 });
    }
  }

  for (const [dealId, files] of await store.fileCounts(ctx.db, tenantId, period)) perDeal.get(dealId) && addCounts(perDeal.get(dealId)!, { documents: files });
  const leads = deals.filter((deal) => deal.lead_id);
  const opened = await countDocumentDownloads(ctx.db, tenantId, [...new Set(leads.map((deal) => deal.lead_id!))], period);
  for (const deal of leads) addCounts(perDeal.get(deal.id)!, { documents: opened.get(deal.lead_id!) ?? 0 });

  // Messages from one gap before the period to one reply window after it, the widest any pipeline in use asks for.
  const gapHours = Math.max(...pipelines.all.map((variant) => variant.health.conversationGapHours));
  const replyMinutes = Math.max(...pipelines.all.map((variant) => variant.health.offHoursReplyMinutes));
  const window = { from: new Date(from.getTime() - gapHours * 3_600_000), to: new Date(to.getTime() + replyMinutes * 60_000) };
  const byDeal = new Map<string, Message[]>();
  for (const message of await store.messages(ctx.db, tenantId, window)) {
    const list = byDeal.get(message.deal_id) ?? [];
    list.push({ at: new Date(message.at), sender: message.sender });
    byDeal.set(message.deal_id, list);
  }
  for (const [dealId, list] of byDeal) {
    const counts = perDeal.get(dealId);
    if (counts) addCounts(counts, countMessages(list, period, pipelineOf.get(dealId)!.health, pipeline.schedule));
  }

  const periodMs = to.getTime() - from.getTime();
  const reps = new Map<string, { rep: string | null; team: string | null; deals: number; counts: HealthCounts }>();
  const teams = new Map<string, { team: string | null; deals: number; counts: HealthCounts }>();
  for (const deal of deals) {
    const counts = perDeal.get(deal.id)!;
    const repKey = `${deal.owner ?? ''}\n${deal.team ?? ''}`;
    const rep = reps.get(repKey) ?? { rep: deal.owner, team: deal.team, deals: 0, counts: emptyCounts() };
    rep.deals++;
    addCounts(rep.counts, counts);
    reps.set(repKey, rep);
    const team = teams.get(deal.team ?? '') ?? { team: deal.team, deals: 0, counts: emptyCounts() };
    team.deals++;
    addCounts(team.counts, counts);
    teams.set(deal.team ?? '', team);
  }
  const byName = <T extends { rep?: string | null; team: string | null }>(a: T, b: T) => compareGroups(a.team, b.team) || compareGroups(a.rep ?? null, b.rep ?? null);
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    settings,
    labels: HEALTH_LABELS,
    // A rep's row is scored with the settings the rep works under (a pilot's for a pilot rep); teams, which mix reps, with the live ones.
    reps: [...reps.values()].sort(byName).map(({ counts, ...rest }) => ({ ...rest, metrics: healthMetrics(counts, periodMs, pipelines.forRep(rest.rep).health) })),
    teams: [...teams.values()].sort(byName).map(({ counts, ...rest }) => ({ ...rest, metrics: healthMetrics(counts, periodMs, settings) })),
  };
}

// ——— Reads for other domains (task cards, timelines, reports) ———

export type DealSnapshot = store.DealSnapshot;

/** A deal as its events describe it, with its last notes (newest first); undefined for a deal no event named. */
export async function dealSummary(db: Queryable, tenantId: string, dealId: string, notes = STALL_NOTES) {
  const deal = await store.getDeal(db, tenantId, dealId);
  if (!deal) return undefined;
  const lastNotes = (await store.lastNotes(db, tenantId, [dealId], notes)).map((note) => ({ text: note.text, author: note.author, at: new Date(note.at).toISOString() }));
  return { deal, lastNotes };
}

/** The deals that came from these leads. */
export function dealsOfLeads(db: Queryable, tenantId: string, leadIds: readonly string[]): Promise<DealSnapshot[]> {
  return store.dealsByLeads(db, tenantId, leadIds);
}

/** Every event of these deals, in `at` order. */
export function dealHistory(db: Queryable, tenantId: string, dealIds: readonly string[]): Promise<store.StoredEvent[]> {
  return dealIds.length === 0 ? Promise.resolve([]) : store.eventsOfDeals(db, tenantId, dealIds);
}
