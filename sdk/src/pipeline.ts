/**
 * The CRM backend's side of pipeline visibility (Node, secret key): define the
 * stages and their gates, ask a gate before a stage change, report deal
 * events, read time in stage, stalled deals and process health.
 *
 * @example
 * ```ts
 * import { createPipelineClient } from '@huashu/sdk/node';
 * const pipeline = createPipelineClient({ endpoint: 'https://huashu.example.com', secretKey: process.env.HUASHU_SECRET_KEY! });
 * const gate = await pipeline.gateCheck({ dealId: 'D-1001', toStage: 'demo', checklist: ['plc', 'mes'] });
 * if (gate.allowed) {
 *   await moveDealInCrm();
 *   await pipeline.sendEvents([{ id: 'evt-42', type: 'deal.stage_changed', dealId: 'D-1001', at: new Date().toISOString(), from: 'discovery', to: 'demo' }]);
 * }
 * ```
 */
import type {
  GateCheckRequest,
  GateCheckResponse,
  HealthQuery,
  HealthResponse,
  PipelineEvent,
  PipelineEventsResponse,
  PipelineStagesRequest,
  PipelineStagesResponse,
  StageStatsQuery,
  StageStatsResponse,
  StalledResponse,
} from '@huashu/core';
import { toWellFormedJson } from './text.js';
import { createTransport, errorFromResponse, HuashuApiError, type FetchLike } from './transport.js';

/** The server's ceiling on events per request (`MAX_PIPELINE_EVENTS` in @huashu/core); larger lists are sent in parts. */
export const PIPELINE_EVENTS_PER_REQUEST = 1000;

/** One event as the CRM reports it (`POST /v1/pipeline/events`). */
export type PipelineEventInput = Omit<PipelineEvent, 'note'> & { note?: string | { text: string; author?: string } };

export interface PipelineClientOptions {
  /** Base URL of the Huashu API. */
  endpoint: string;
  /** The tenant's secret key (`sk_…`); never ship it to a browser. */
  secretKey: string;
  /** @default globalThis.fetch */
  fetch?: FetchLike;
}

export interface PipelineClient {
  /** Replaces the stage definitions (`PUT /v1/pipeline/stages`). */
  putStages(body: PipelineStagesRequest): Promise<PipelineStagesResponse>;
  /** Whether a deal may enter a stage, with every missing item in zh and en (`POST /v1/pipeline/gate-check`). */
  gateCheck(request: GateCheckRequest): Promise<GateCheckResponse>;
  /**
   * Reports deal events (`POST /v1/pipeline/events`), in parts of
   * {@link PIPELINE_EVENTS_PER_REQUEST}; resending is safe (ids make it a
   * no-op). Rejected events come back by their index in `events`.
   */
  sendEvents(events: readonly PipelineEventInput[]): Promise<PipelineEventsResponse>;
  stageStats(query?: StageStatsQuery): Promise<StageStatsResponse>;
  stalled(query?: { owner?: string; team?: string; stage?: string }): Promise<StalledResponse>;
  health(query?: HealthQuery): Promise<HealthResponse>;
}

function queryString(query: Record<string, string | undefined> = {}): Record<string, string> | undefined {
  const entries = Object.entries(query).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1] !== '');
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

export function createPipelineClient({ endpoint, secretKey, fetch }: PipelineClientOptions): PipelineClient {
  if (!secretKey?.startsWith('sk_')) throw new TypeError('createPipelineClient needs a secret key (sk_…)');
  const transport = createTransport({ endpoint, fetch, credential: () => secretKey });
  const get = <T>(path: string, query?: Record<string, string | undefined>) => {
    const search = queryString(query);
    return transport.json<T>(search ? `${path}?${new URLSearchParams(search)}` : path);
  };

  async function sendEvents(events: readonly PipelineEventInput[]): Promise<PipelineEventsResponse> {
    if (events.length === 0) throw new HuashuApiError('invalid_argument', 'sendEvents needs at least one event');
    const total: PipelineEventsResponse = { accepted: 0, duplicates: 0, rejected: [], deals: 0 };
    for (let start = 0; start < events.length; start += PIPELINE_EVENTS_PER_REQUEST) {
      const part = await transport.json<PipelineEventsResponse>('/v1/pipeline/events', {
        method: 'POST',
        body: { events: events.slice(start, start + PIPELINE_EVENTS_PER_REQUEST) },
      });
      total.accepted += part.accepted;
      total.duplicates += part.duplicates;
      // A deal touched by two parts is counted twice: `deals` is how many rebuilds ran.
      total.deals += part.deals;
      total.rejected.push(...part.rejected.map((rejected) => ({ ...rejected, index: rejected.index + start })));
    }
    return total;
  }

  // The shared transport speaks GET and POST; this one PUT goes out directly, with the same error mapping.
  async function putStages(body: PipelineStagesRequest): Promise<PipelineStagesResponse> {
    let response: Response;
    try {
      response = await (fetch ?? globalThis.fetch)(transport.url('/v1/pipeline/stages'), {
        method: 'PUT',
        headers: { accept: 'application/json', 'content-type': 'application/json', authorization: `Bearer ${secretKey}` },
        body: toWellFormedJson(body),
      });
    } catch (cause) {
      throw new HuashuApiError('network_error', `could not reach ${endpoint}`, { cause });
    }
    if (!response.ok) throw await errorFromResponse(response);
    return (await response.json()) as PipelineStagesResponse;
  }

  return {
    putStages,
    gateCheck: (request) => transport.json('/v1/pipeline/gate-check', { method: 'POST', body: request }),
    sendEvents,
    stageStats: (query = {}) => get('/v1/pipeline/stage-stats', query),
    stalled: (query = {}) => get('/v1/pipeline/stalled', query),
    health: (query = {}) => get('/v1/metrics/health', query),
  };
}
