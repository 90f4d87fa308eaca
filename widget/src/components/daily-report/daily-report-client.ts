import { isErrorBody, type DailyReport } from '@huashu/core';

/** Why a report could not be loaded: the API's error code (`forbidden`, `network_error` …) and message. */
export class DailyReportError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** What the report needs of a client: `GET /v1/reports/daily`. */
export interface DailyReportClient {
  daily(query: { rep?: string; date?: string }): Promise<DailyReport>;
}

export function createDailyReportClient(endpoint: string, token: () => string): DailyReportClient {
  const base = endpoint.replace(/\/+$/, '');
  return {
    async daily(query) {
      const params = new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => Boolean(entry[1])));
      let response: Response;
      try {
        response = await fetch(`${base}/v1/reports/daily${params.size > 0 ? `?${params}` : ''}`, { headers: { accept: 'application/json', authorization: `Bearer ${token()}` } });
      } catch (cause) {
        throw new DailyReportError('network_error', `could not reach ${base}: ${String(cause)}`);
      }
      const body: unknown = await response.json().catch(() => undefined);
      if (response.ok && body !== undefined) return body as DailyReport;
      if (isErrorBody(body)) throw new DailyReportError(body.error.code, body.error.message, response.status);
      throw new DailyReportError(response.ok ? 'invalid_response' : 'http_error', `HTTP ${response.status}`, response.status);
    },
  };
}
