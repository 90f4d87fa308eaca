import {
  HuashuError,
  KNOWLEDGE_ENTRY_REVIEWED,
  KNOWLEDGE_OUTCOME_REPORTED,
  KnowledgeEntryReviewedEvent,
  KnowledgeOutcomeReportedEvent,
  type Leaderboard,
  type LeaderboardPeriod,
  type PointsMe,
  type PointsRules,
  type PointsRulesRequest,
  type PointsTeamsRequest,
  type RedeemResponse,
  type Redemption,
  type RewardsRequest,
  type RewardsResponse,
} from '@huashu/core';
import type { Principal } from '../platform/auth/authenticate.js';
import type { AppContext } from '../platform/context.js';
import { lockTenantScope } from '../platform/db/tenant-lock.js';
import type { Queryable } from '../platform/db/types.js';
import { emit, type OutboxConsumer, type OutboxEvent } from '../platform/jobs/index.js';
import { entryAuthor } from '../knowledge/review.service.js';
import * as store from './points.store.js';

/** A rule set's live configuration changed (who, before, after); the console's audit log records it. */
const CONFIG_CHANGED = 'config.changed';
const actorOf = (principal: Principal) => (principal.kind === 'rep' ? `rep:${principal.rep.repId}` : `key:${principal.keyId}`);

/** The event types points listens to (emitted by the knowledge domain, for reviews and for the assistant's outcome reports). */
export const ENTRY_REVIEWED = KNOWLEDGE_ENTRY_REVIEWED;
export const OUTCOME_REPORTED = KNOWLEDGE_OUTCOME_REPORTED;

export type PointsEvent = OutboxEvent;

/**
 * The point-rule changes a pilot applies to one rep at a moment, if any. Wired
 * in at module assembly (modules.ts) because the console, which owns pilots,
 * already imports this service to publish rules; importing it back would be a cycle.
 */
export type PilotPointRules = (db: Queryable, tenantId: string, repId: string, at: Date) => Promise<PointsRulesRequest | undefined>;
let pilotPointRules: PilotPointRules = async () => undefined;

/** Installs the pilot resolver; called once when the modules are assembled. */
export function usePilotPointRules(resolver: PilotPointRules): void {
  pilotPointRules = resolver;
}

/** The amounts that pay `repId` at `at`: the tenant's rules with a running pilot's changes on top. */
async function rulesForRep(db: Queryable, tenantId: string, repId: string, at: Date): Promise<PointsRules> {
  const rules = await store.getRules(db, tenantId);
  const pilot = await pilotPointRules(db, tenantId, repId, at);
  return pilot ? { ...rules, ...pilot } : rules;
}

/** Settings are the tenant's: a secret key, or a rep token with role admin. */
export function requireAdmin(principal: Principal): void {
  if (principal.kind === 'secret') return;
  if (principal.kind === 'rep' && principal.rep.role === 'admin') return;
  throw new HuashuError('forbidden', 'changing points settings needs a secret key or a rep token with role admin');
}

function requireRep(principal: Principal) {
  if (principal.kind !== 'rep') throw new HuashuError('forbidden', 'this needs a rep token: points belong to a rep');
  return principal.rep;
}

export const getRules = (ctx: AppContext, principal: Principal): Promise<PointsRules> => store.getRules(ctx.db, principal.tenantId);

/** Merges the fields given into the tenant's rules; amounts already paid stay as they were. */
/** `via.tx`: write in the caller's transaction (the console's publish); `via.consoleVersion` names the version in `config.changed`. */
export async function putRules(ctx: AppContext, principal: Principal, changes: PointsRulesRequest, via: { tx?: Queryable; consoleVersion?: number } = {}): Promise<PointsRules> {
  requireAdmin(principal);
  const write = async (tx: Queryable) => {
    // The merge reads what it changes: without the lock two PUTs at once would drop one's fields.
    await lockTenantScope(tx, 'point-rules', principal.tenantId);
    const before = await store.getRules(tx, principal.tenantId);
    const rules = { ...before, ...changes };
    await store.putRules(tx, principal.tenantId, rules);
    await emit(tx, { tenantId: principal.tenantId, type: CONFIG_CHANGED, data: { ruleSet: 'point-rules', actor: actorOf(principal), before, after: rules, consoleVersion: via.consoleVersion ?? null } });
    return rules;
  };
  return via.tx ? write(via.tx) : ctx.db.transaction(write);
}

/** Points each rep earned over a period (for the console's pilot comparison): credits net of reversals, spending not counted. */
export function pointsEarnedByRep(db: Queryable, tenantId: string, period: { from: Date; to: Date }): Promise<Map<string, number>> {
  return store.earnedByRep(db, tenantId, period);
}

/** The rep's balance, a page of their ledger (newest first) and what each outcome pays. */
export async function myPoints(ctx: AppContext, principal: Principal, page: { limit: number; offset: number }): Promise<PointsMe> {
  const rep = requireRep(principal);
  await store.touchRep(ctx.db, principal.tenantId, rep.repId, rep.name);
  return repPoints(ctx.db, principal.tenantId, rep.repId, page);
}

/** Any rep's points, for admins and the CLI. */
export async function repPoints(db: Queryable, tenantId: string, repId: string, page: { limit: number; offset: number }): Promise<PointsMe> {
  const [balance, ledger, rules] = [await store.balanceOf(db, tenantId, repId), await store.ledgerOf(db, tenantId, repId, page), await store.getRules(db, tenantId)];
  return { repId, balance, ledger, rules };
}

export async function leaderboard(ctx: AppContext, principal: Principal, query: { period: LeaderboardPeriod; team?: string | undefined; limit: number }): Promise<Leaderboard> {
  if (principal.kind === 'publishable') throw new HuashuError('forbidden', 'the leaderboard needs a rep token or a secret key');
  const { since, leaders } = await store.leaderboard(ctx.db, principal.tenantId, query);
  // Standard competition ranking: equal points share a rank, the next rank skips (1, 2, 2, 4).
  let rank = 0;
  const ranked = leaders.map((leader, index) => {
    if (index === 0 || leaders[index - 1]!.points !== leader.points) rank = index + 1;
    return { rank, ...leader };
  });
  return { period: query.period, since, team: query.team ?? null, leaders: ranked };
}

export async function putTeams(ctx: AppContext, principal: Principal, body: PointsTeamsRequest): Promise<{ members: number }> {
  requireAdmin(principal);
  const members = new Map<string, string>();
  for (const { team, repIds } of body.teams) {
    for (const repId of repIds) {
      const other = members.get(repId);
      if (other !== undefined && other !== team) {
        throw new HuashuError('validation_failed', `rep ${repId} is listed in two teams`, { issues: [{ path: 'teams', message: `rep "${repId}" is in "${other}" and "${team}"; a rep belongs to one team` }] });
      }
      members.set(repId, team);
    }
  }
  await ctx.db.transaction((tx) => store.putTeams(tx, principal.tenantId, [...members].map(([repId, team]) => ({ repId, team }))));
  return { members: members.size };
}

export async function listRewards(ctx: AppContext, principal: Principal): Promise<RewardsResponse> {
  if (principal.kind === 'publishable') throw new HuashuError('forbidden', 'the rewards catalogue needs a rep token or a secret key');
  return { rewards: await store.listRewards(ctx.db, principal.tenantId) };
}

export async function putRewards(ctx: AppContext, principal: Principal, body: RewardsRequest): Promise<RewardsResponse> {
  requireAdmin(principal);
  return ctx.db.transaction(async (tx) => {
    await store.putRewards(tx, principal.tenantId, body.rewards);
    return { rewards: await store.listRewards(tx, principal.tenantId) };
  });
}

/**
 * Spends points on a reward, in one transaction that holds the reward's row
 * lock and then the rep's balance lock (always in that order, so concurrent
 * redemptions queue instead of deadlocking): the checks and the writes see
 * the same stock and balance, so twenty redemptions at once can neither
 * oversell nor overdraw.
 */
export async function redeem(ctx: AppContext, principal: Principal, rewardId: string): Promise<RedeemResponse> {
  const rep = requireRep(principal);
  const tenantId = principal.tenantId;
  await store.touchRep(ctx.db, tenantId, rep.repId, rep.name);
  return ctx.db.transaction(async (tx) => {
    const reward = await store.lockReward(tx, tenantId, rewardId);
    if (!reward) throw new HuashuError('not_found', `reward ${rewardId} not found`);
    if (reward.stock !== null && reward.stock <= 0) throw new HuashuError('out_of_stock', `reward ${rewardId} is out of stock`, { rewardId });
    const balance = await store.lockBalance(tx, tenantId, rep.repId);
    if (balance < reward.cost) {
      throw new HuashuError('insufficient_points', `this reward costs ${reward.cost} points; the balance is ${balance}`, { rewardId, cost: reward.cost, balance });
    }
    if (!(await store.takeStock(tx, tenantId, reward.id))) throw new HuashuError('out_of_stock', `reward ${rewardId} is out of stock`, { rewardId });
    const redemption = await store.insertRedemption(tx, tenantId, rep.repId, reward);
    await store.appendLedger(tx, tenantId, {
      repId: rep.repId,
      amount: -reward.cost,
      reason: 'redemption',
      causeType: 'redemption',
      causeId: redemption.id,
      rewardId: reward.id,
    });
    return {
      redemption,
      balance: balance - reward.cost,
      reward: { ...reward, stock: reward.stock === null ? null : reward.stock - 1 },
    };
  });
}

export async function listRedemptions(ctx: AppContext, principal: Principal, page: { limit: number; offset: number }): Promise<{ redemptions: Redemption[] }> {
  requireAdmin(principal);
  return { redemptions: await store.listRedemptions(ctx.db, principal.tenantId, page) };
}

/** Statuses that take an entry out of the live base, and with it its approval points. */
const WITHDRAWN = new Set(['rejected', 'archived', 'changes_requested']);

/**
 * `knowledge.entry_reviewed`: an approval pays the author — unless the author
 * approved their own entry; approving an entry whose approval points still
 * stand is a re-verification; rejecting, archiving or sending it back reverses
 * the standing approval points. Runs in the delivery transaction `tx`; the
 * event id on the row makes a redelivery pay nothing.
 */
export async function onEntryReviewed(ctx: AppContext, event: PointsEvent, tx: Queryable): Promise<void> {
  const parsed = KnowledgeEntryReviewedEvent.safeParse(event.data);
  if (!parsed.success) {
    ctx.logger.warn({ eventId: event.id, eventType: event.type }, 'points: malformed knowledge.entry_reviewed event skipped');
    return;
  }
  const { entryId, status, authorRepId, reviewer } = parsed.data;
  if (!authorRepId) return;
  const tenantId = event.tenantId;
  // The author's balance lock serialises this read-then-write against any other credit to them.
  await store.lockBalance(tx, tenantId, authorRepId);
  const standing = await store.outstandingApproval(tx, tenantId, entryId);
  if (status === 'approved') {
    if (reviewer === authorRepId) return;
    const rules = await rulesForRep(tx, tenantId, authorRepId, new Date(parsed.data.at ?? event.createdAt));
    const reverified = standing !== undefined;
    const amount = reverified ? rules.entryReverified : rules.entryApproved;
    if (amount <= 0) return;
    await store.appendLedger(tx, tenantId, {
      repId: authorRepId,
      amount,
      reason: reverified ? 'entry_reverified' : 'entry_approved',
      causeType: 'knowledge_entry',
      causeId: entryId,
      entryId,
      actorRepId: reviewer,
      eventId: event.id,
      at: parsed.data.at ?? event.createdAt,
    });
  } else if (WITHDRAWN.has(status) && standing) {
    await store.appendLedger(tx, tenantId, {
      repId: standing.repId,
      amount: -standing.amount,
      reason: 'reversal',
      causeType: 'ledger',
      causeId: standing.id,
      entryId,
      actorRepId: reviewer,
      eventId: event.id,
      reversesId: standing.id,
      at: parsed.data.at ?? event.createdAt,
    });
  }
}

/**
 * `knowledge.outcome_reported`: a success another rep reports with an entry
 * pays its author; the author's own report earns nothing, failures earn
 * nothing, and one rep's reports on one entry count once per day.
 */
export async function onOutcomeReported(ctx: AppContext, event: PointsEvent, tx: Queryable): Promise<void> {
  const parsed = KnowledgeOutcomeReportedEvent.safeParse(event.data);
  if (!parsed.success) {
    ctx.logger.warn({ eventId: event.id, eventType: event.type }, 'points: malformed knowledge.outcome_reported event skipped');
    return;
  }
  const { entryId, outcome, repId } = parsed.data;
  if (outcome !== 'success' || !repId) return;
  const tenantId = event.tenantId;
  const author = parsed.data.authorRepId !== undefined ? parsed.data.authorRepId : await entryAuthor(tx, tenantId, entryId);
  if (!author || author === repId) return;
  const rules = await rulesForRep(tx, tenantId, author, new Date(parsed.data.at ?? event.createdAt));
  if (rules.successReported <= 0) return;
  await store.appendLedger(tx, tenantId, {
    repId: author,
    amount: rules.successReported,
    reason: 'success_reported',
    causeType: 'outcome',
    causeId: parsed.data.outcomeId ?? event.id,
    entryId,
    actorRepId: repId,
    eventId: event.id,
    at: parsed.data.at ?? event.createdAt,
  });
}

/** How points hear of reviews and outcomes: the outbox delivers each event once, in a transaction with what it pays. */
export const pointsConsumers: readonly OutboxConsumer[] = [
  { name: 'points.entry_reviewed', types: [ENTRY_REVIEWED], deliver: onEntryReviewed },
  { name: 'points.outcome_reported', types: [OUTCOME_REPORTED], deliver: onOutcomeReported },
];
