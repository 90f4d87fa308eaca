import { z } from 'zod';
import { Id, IsoDateTime } from './common.js';

/**
 * Why a ledger row exists. Points reward outcomes, not activity: an entry that
 * passed review, a success another rep reported with it, an entry that still
 * holds at re-verification; redemptions spend them, reversals take back the
 * approval points of an entry that was later rejected or archived.
 */
export const PointsReason = z.enum(['entry_approved', 'success_reported', 'entry_reverified', 'redemption', 'reversal']);
export type PointsReason = z.infer<typeof PointsReason>;

/** What a ledger row points at: the knowledge entry, the outcome report, the redemption or the row it reverses. */
export const PointsCauseType = z.enum(['knowledge_entry', 'outcome', 'redemption', 'ledger']);
export type PointsCauseType = z.infer<typeof PointsCauseType>;

/** Ceiling of one rule's amount and of a reward's cost: far above any sensible value, low enough that sums stay exact integers. */
export const MAX_POINTS = 100_000;

const RuleAmount = z.number().int().min(0).max(MAX_POINTS);

/** Points per outcome, per tenant (`PUT /v1/points/rules`). A rule set to 0 turns that reward off. */
export const PointsRules = z
  .object({
    /** The author of an entry, when a reviewer approves it. */
    entryApproved: RuleAmount,
    /** The author, when another rep reports the entry worked (once per reporting rep, entry and day). */
    successReported: RuleAmount,
    /** The author, when an approved entry is approved again at re-verification (once per entry and day). */
    entryReverified: RuleAmount,
  })
  .strict();
export type PointsRules = z.infer<typeof PointsRules>;

/** What a tenant earns before it sets its own rules. A plain object, so importing it costs a browser no zod. */
export const DEFAULT_POINTS_RULES: PointsRules = { entryApproved: 10, successReported: 5, entryReverified: 3 };

export const PointsRulesRequest = PointsRules.partial().strict();
export type PointsRulesRequest = z.input<typeof PointsRulesRequest>;

export const PointsLedgerRow = z.object({
  id: z.string(),
  repId: z.string(),
  /** Positive for earnings, negative for redemptions and reversals. */
  amount: z.number().int(),
  reason: PointsReason,
  cause: z.object({ type: PointsCauseType, id: z.string() }),
  /** The knowledge entry behind the row, if any. */
  entryId: z.string().nullable(),
  /** The rep whose action caused it when that is not `repId` (the rep who reported a success). */
  actorRepId: z.string().nullable(),
  rewardId: z.string().nullable(),
  /** The domain event that caused the row; redelivering it never pays twice. */
  eventId: z.string().nullable(),
  createdAt: IsoDateTime,
});
export type PointsLedgerRow = z.infer<typeof PointsLedgerRow>;

export const PointsMeQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).default(0) })
  .strict();

export const PointsMe = z.object({
  repId: z.string(),
  /** Always the sum of the whole ledger. */
  balance: z.number().int(),
  /** Newest first, paged by `limit` / `offset`. */
  ledger: z.array(PointsLedgerRow),
  /** What the tenant pays for each outcome, so a rep sees what an entry will earn. */
  rules: PointsRules,
});
export type PointsMe = z.infer<typeof PointsMe>;

export const LeaderboardPeriod = z.enum(['week', 'month', 'quarter']);
export type LeaderboardPeriod = z.infer<typeof LeaderboardPeriod>;

export const LeaderboardQuery = z
  .object({
    period: LeaderboardPeriod.default('week'),
    team: z.string().trim().min(1).max(64).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(20),
  })
  .strict();

export const Leaderboard = z.object({
  period: LeaderboardPeriod,
  /** Start of the current calendar period in Asia/Shanghai (weeks start on Monday). */
  since: IsoDateTime,
  team: z.string().nullable(),
  leaders: z.array(
    z.object({ rank: z.number().int(), repId: z.string(), name: z.string().nullable(), team: z.string().nullable(), points: z.number().int() }),
  ),
});
export type Leaderboard = z.infer<typeof Leaderboard>;

/** Team membership for the leaderboard's `team=` filter (`PUT /v1/points/teams`); a rep belongs to one team. */
export const PointsTeamsRequest = z
  .object({
    teams: z
      .array(z.object({ team: z.string().trim().min(1).max(64), repIds: z.array(Id).max(1000) }).strict())
      .max(200),
  })
  .strict();
export type PointsTeamsRequest = z.input<typeof PointsTeamsRequest>;

const RewardId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1–64 letters, digits, - or _');

export const Reward = z
  .object({
    id: RewardId,
    name: z.string().trim().min(1).max(120),
    description: z.string().trim().max(1000).optional(),
    cost: z.number().int().min(1).max(MAX_POINTS),
    /** Units left to redeem; absent means unlimited. */
    stock: z.number().int().min(0).max(1_000_000).optional(),
  })
  .strict();
export type Reward = z.infer<typeof Reward>;

/** The whole catalogue: rewards missing from it are withdrawn (their past redemptions stay). */
export const RewardsRequest = z
  .object({ rewards: z.array(Reward).max(200) })
  .strict()
  .superRefine((value, issue) => {
    const seen = new Set<string>();
    value.rewards.forEach((reward, index) => {
      if (seen.has(reward.id)) issue.addIssue({ code: 'custom', path: ['rewards', index, 'id'], message: `reward id "${reward.id}" appears twice` });
      seen.add(reward.id);
    });
  });
export type RewardsRequest = z.input<typeof RewardsRequest>;

export const RewardView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  cost: z.number().int(),
  /** null = unlimited. */
  stock: z.number().int().nullable(),
});
export type RewardView = z.infer<typeof RewardView>;

export const RewardsResponse = z.object({ rewards: z.array(RewardView) });
export type RewardsResponse = z.infer<typeof RewardsResponse>;

export const RedeemRequest = z.object({ rewardId: RewardId }).strict();
export type RedeemRequest = z.input<typeof RedeemRequest>;

export const Redemption = z.object({ id: z.string(), repId: z.string(), rewardId: z.string(), rewardName: z.string(), cost: z.number().int(), createdAt: IsoDateTime });
export type Redemption = z.infer<typeof Redemption>;

export const RedeemResponse = z.object({ redemption: Redemption, balance: z.number().int(), reward: RewardView });
export type RedeemResponse = z.infer<typeof RedeemResponse>;
