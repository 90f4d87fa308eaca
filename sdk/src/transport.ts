import { isErrorBody } from '@huashu/core';
import { parseRetryAfter } from './delivery/backoff.js';
import { HuashuApiError } from './errors.js';
import { toWellFormedJson } from './text.js';

// The error type lives in errors.ts; re-exported for modules that import it from here.
export { HuashuApiError, toApiError, type ErrorDetails, type HuashuApiErrorInit, type HuashuErrorCode, type SdkErrorCode } from './errors.js';

/** Builds the error for a non-2xx response, preferring the server's own error body. */
export async function errorFromResponse(response: Response, now = Date.now()): Promise<HuashuApiError> {
  const status = response.status;
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now);
  let payload: unknown;
  try {
    payload = await response.json();
  } catch {
    // Not JSON (a proxy's error page): fall through to a generic http_error.
  }
  if (isErrorBody(payload)) {
    const { code, message, details } = payload.error;
    return new HuashuApiError(code, message, { status, details, retryAfterMs });
  }
  return new HuashuApiError('http_error', `HTTP ${status}`, { status, retryAfterMs });
}

/** The `fetch` signature the SDK needs; pass your own to instrument or test it. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface TransportOptions {
  /** Base URL of the Huashu API, e.g. `https://huashu.example.com`. */
  endpoint: string;
  fetch?: FetchLike | undefined;
  /** The bearer credential for each request (publishable key or rep token); may be async so tokens can be re-minted. */
  credential?: () => string | undefined | Promise<string | undefined>;
}

export interface SendInit {
  method?: 'GET' | 'POST';
  /** Serialised as JSON, lone surrogates replaced by U+FFFD: the server cannot store them. */
  body?: unknown;
  signal?: AbortSignal | undefined;
  accept?: string;
}

export interface Transport {
  /** Absolute URL for an API path, with an optional query string. */
  url(path: string, query?: Record<string, string>): string;
  /** Sends a request; resolves with the response only for a 2xx status, otherwise rejects with {@link HuashuApiError}. */
  send(path: string, init?: SendInit): Promise<Response>;
  /** {@link Transport.send} plus JSON decoding of the body (`undefined` for an empty body). */
  json<T>(path: string, init?: SendInit): Promise<T>;
}

/** The single HTTP path of the SDK, shared by the tracking core and the assistant client. */
export function createTransport({ endpoint, fetch: fetchImpl, credential }: TransportOptions): Transport {
  const base = String(endpoint).replace(/\/+$/, '');
  const url = (path: string, query?: Record<string, string>) => base + path + (query ? `?${new URLSearchParams(query)}` : '');

  async function send(path: string, { method = 'GET', body, signal, accept = 'application/json' }: SendInit = {}): Promise<Response> {
    const headers: Record<string, string> = { accept };
    let token: string | undefined;
    try {
      token = await credential?.();
    } catch (cause) {
      throw new HuashuApiError('unauthenticated', 'could not get a credential', { cause });
    }
    if (token) headers['authorization'] = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const init: RequestInit = { method, headers, signal: signal ?? null, body: body === undefined ? null : toWellFormedJson(body) };
    let response: Response;
    try {
      // Looked up per call, not captured at creation, so a fetch polyfill loaded later still counts.
      response = await (fetchImpl ? fetchImpl(url(path), init) : fetch(url(path), init));
    } catch (error) {
      throw signal?.aborted
        ? new HuashuApiError('aborted', 'the request was aborted', { cause: error })
        : new HuashuApiError('network_error', `could not reach ${base}`, { cause: error });
    }
    if (!response.ok) throw await errorFromResponse(response);
    return response;
  }

  return {
    url,
    send,
    async json<T>(path: string, init?: SendInit): Promise<T> {
      const response = await send(path, init);
      const text = await response.text();
      try {
        return (text ? JSON.parse(text) : undefined) as T;
      } catch (error) {
        throw new HuashuApiError('invalid_response', `${path}: response is not JSON`, {
          status: response.status,
          cause: error,
        });
      }
    },
  };
}
