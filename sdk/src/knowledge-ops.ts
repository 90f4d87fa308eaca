/**
 * Contribution points and scenario learning packs for reps signed in through
 * a rep token; exported from `@huashu/sdk/assistant`.
 */
import type {
  CaptureRequest,
  CaptureResponse,
  DeliveredPacksResponse,
  Leaderboard,
  LeaderboardPeriod,
  LearningPack,
  NextPackResponse,
  PointsMe,
  RedeemResponse,
  RewardsResponse,
} from '@huashu/core';
import { createTransport, type FetchLike } from './transport.js';

export interface KnowledgeOpsClientOptions {
  /** Base URL of the Huashu API, e.g. `https://huashu.example.com`. */
  endpoint: string;
  /** A rep token minted by the CRM's backend. Use `getRepToken` instead when tokens expire during a session. */
  repToken?: string;
  /** Called before every request; return a cached token and re-mint it when it nears expiry. */
  getRepToken?: () => string | Promise<string>;
  /** @default globalThis.fetch */
  fetch?: FetchLike;
}

/** The scenario a rep is in: a lead (its industry), or an industry and/or tags. */
export interface PackScenario {
  leadId?: string;
  industry?: string;
  tags?: readonly string[];
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface KnowledgeOpsClient {
  /** The rep's balance, their ledger (newest first) and what each outcome pays (`GET /v1/points/me`). */
  myPoints(page?: { limit?: number; offset?: number }, options?: CallOptions): Promise<PointsMe>;
  /** Points earned this calendar week, month or quarter (`GET /v1/points/leaderboard`). */
  leaderboard(query?: { period?: LeaderboardPeriod; team?: string; limit?: number }, options?: CallOptions): Promise<Leaderboard>;
  /** The rewards catalogue (`GET /v1/points/rewards`). */
  rewards(options?: CallOptions): Promise<RewardsResponse>;
  /** Spends points on a reward; rejects with code `insufficient_points` or `out_of_stock` (409). */
  redeem(rewardId: string, options?: CallOptions): Promise<RedeemResponse>;
  /** The pack for a scenario met for the first time, or `{ pack: null }` (`GET /v1/learning-packs/next`). */
  nextLearningPack(scenario: PackScenario, options?: CallOptions): Promise<NextPackResponse>;
  /** Packs already delivered to this rep, optionally for one scenario, with progress. */
  deliveredLearningPacks(scenario?: PackScenario, options?: CallOptions): Promise<DeliveredPacksResponse>;
  /** One pack with this rep's done marks. */
  learningPack(slug: string, options?: CallOptions): Promise<LearningPack>;
  /** Marks an item done or not done; resolves with the pack and its progress. */
  setPackProgress(slug: string, itemId: string, done: boolean, options?: CallOptions): Promise<LearningPack>;
  /** Sends a chat export through the tracker rules (`POST /v1/conversations/capture`). */
  captureConversation(request: CaptureRequest, options?: CallOptions): Promise<CaptureResponse>;
}

/** `?a=1&b=2` from the defined values only; empty when there are none. */
function query(values: Record<string, string | number | undefined>): string {
  const defined = Object.entries(values).filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== '');
  return defined.length ? `?${new URLSearchParams(defined.map(([key, value]) => [key, String(value)]))}` : '';
}

const scenarioQuery = (scenario: PackScenario = {}) => query({ leadId: scenario.leadId, industry: scenario.industry, tags: scenario.tags?.join(',') });

/** Creates the client; every method rejects with a `HuashuApiError`, like the assistant client. */
export function createKnowledgeOpsClient({ endpoint, repToken, getRepToken, fetch }: KnowledgeOpsClientOptions): KnowledgeOpsClient {
  const transport = createTransport({ endpoint, fetch, credential: async () => repToken ?? (await getRepToken?.()) });
  const get = <T>(path: string, options: CallOptions = {}) => transport.json<T>(path, { signal: options.signal });
  const post = <T>(path: string, body: unknown, options: CallOptions = {}) => transport.json<T>(path, { method: 'POST', body, signal: options.signal });
  const pack = (slug: string) => `/v1/learning-packs/${encodeURIComponent(slug)}`;
  return {
    myPoints: (page = {}, options) => get(`/v1/points/me${query(page)}`, options),
    leaderboard: (filter = {}, options) => get(`/v1/points/leaderboard${query(filter)}`, options),
    rewards: (options) => get('/v1/points/rewards', options),
    redeem: (rewardId, options) => post('/v1/points/redeem', { rewardId }, options),
    nextLearningPack: (scenario, options) => get(`/v1/learning-packs/next${scenarioQuery(scenario)}`, options),
    deliveredLearningPacks: (scenario, options) => get(`/v1/learning-packs/delivered${scenarioQuery(scenario)}`, options),
    learningPack: (slug, options) => get(pack(slug), options),
    setPackProgress: (slug, itemId, done, options) => post(`${pack(slug)}/progress`, { itemId, done }, options),
    captureConversation: (request, options) => post('/v1/conversations/capture', request, options),
  };
}

export type {
  CaptureRequest,
  CaptureResponse,
  DeliveredPacksResponse,
  Leaderboard,
  LearningPack,
  NextPackResponse,
  PackItemView,
  PointsLedgerRow,
  PointsMe,
  RedeemResponse,
  RewardsResponse,
  RewardView,
} from '@huashu/core';
