import { isErrorBody } from '@huashu/core';
import { HuashuApiError } from '@huashu/sdk';

/**
 * What the console widgets call: the server's JSON routes with a manager's rep
 * token (role reviewer or admin). One generic request, since every admin
 * screen is a form over a resource; the server validates and names the field.
 */
export interface AdminClient {
  request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

export function createAdminClient(endpoint: string, token: () => string): AdminClient {
  const base = endpoint.replace(/\/+$/, '');
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      let response: Response;
      try {
        response = await fetch(base + path, {
          method,
          headers: { accept: 'application/json', authorization: `Bearer ${token()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (cause) {
        throw new HuashuApiError('network_error', `could not reach ${base}`, { cause });
      }
      const parsed: unknown = await response.json().catch(() => undefined);
      if (response.ok && parsed !== undefined) return parsed as T;
      if (isErrorBody(parsed)) throw new HuashuApiError(parsed.error.code, parsed.error.message, { status: response.status, details: parsed.error.details });
      throw new HuashuApiError(response.ok ? 'invalid_response' : 'http_error', `HTTP ${response.status}`, { status: response.status });
    },
  };
}
