import { isErrorBody, type HealthQuery, type HealthResponse, type StageStatsQuery, type StageStatsResponse } from '@huashu/core';
import { HuashuApiError } from '@huashu/sdk';

/**
 * What the pipeline widgets read: `GET /v1/pipeline/stage-stats` and
 * `GET /v1/metrics/health` with a rep token (a manager's sees the whole
 * tenant, a rep's only their own deals). Read-only, so it needs none of the
 * SDK's queueing or retries.
 */
export interface PipelineReadClient {
  stageStats(query: StageStatsQuery): Promise<StageStatsResponse>;
  health(query: HealthQuery): Promise<HealthResponse>;
}

function search(query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function createPipelineReadClient(endpoint: string, token: () => string): PipelineReadClient {
  const base = endpoint.replace(/\/+$/, '');
  async function get<T>(path: string): Promise<T> {
    let response: Response;
    try {
      response = await fetch(base + path, { headers: { accept: 'application/json', authorization: `Bearer ${token()}` } });
    } catch (cause) {
      throw new HuashuApiError('network_error', `could not reach ${base}`, { cause });
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (response.ok && body !== undefined) return body as T;
    if (isErrorBody(body)) throw new HuashuApiError(body.error.code, body.error.message, { status: response.status, details: body.error.details });
    throw new HuashuApiError(response.ok ? 'invalid_response' : 'http_error', `HTTP ${response.status}`, { status: response.status });
  }
  return {
    stageStats: (query) => get(`/v1/pipeline/stage-stats${search(query)}`),
    health: (query) => get(`/v1/metrics/health${search(query)}`),
  };
}

/** One client per endpoint; the token is read per request, so a re-minted `token` applies at once. */
export class PipelineClientCache {
  private cached: { endpoint: string; client: PipelineReadClient } | undefined;

  get(endpoint: string, token: () => string): PipelineReadClient {
    if (this.cached?.endpoint !== endpoint) this.cached = { endpoint, client: createPipelineReadClient(endpoint, token) };
    return this.cached.client;
  }
}
