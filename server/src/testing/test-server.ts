import { loadConfig } from '../platform/config.js';
import { allModules } from '../modules.js';
import type { Database } from '../platform/db/types.js';
import { createLogger } from '../platform/logger.js';
import { startServer, type ContextOverrides, type RunningServer } from '../server.js';
import type { RepClaimsInput } from '@huashu/core';
import { deriveRepTokenKeyPair, hashKey, lookupId } from '../platform/auth/keys.js';
import { signRepToken } from '../platform/auth/rep-token.js';
import { createTenant, issueKey } from '../platform/auth/key-store.js';

/** A rep token signed the way the CRM's backend does it (the SDK's Node helper is checked against this in sdk/). */
export async function repTokenFor(secretKey: string, claims: RepClaimsInput, options: { ttlSeconds?: number; now?: () => number } = {}): Promise<string> {
  const { privateKey } = deriveRepTokenKeyPair(secretKey);
  const { token } = await signRepToken(privateKey, lookupId(hashKey(secretKey)), claims, options.ttlSeconds, options.now);
  return token;
}

export interface TestTenant {
  id: string;
  secretKey: string;
  publishableKey: string;
}

export interface TestServer {
  running: RunningServer;
  url: string;
  db: Database;
  /** Creates a tenant with one secret and one publishable key. */
  tenant(slug?: string): Promise<TestTenant>;
  /** JSON request helper: returns status and parsed body. */
  call(method: string, path: string, options?: { key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

let counter = 0;

/**
 * Suites fire requests faster than any real client from one address; they get
 * limits far above production defaults unless a test sets its own.
 */
const TEST_RATE_LIMITS = { HUASHU_RATE_LIMIT_PER_KEY: '1000000', HUASHU_RATE_LIMIT_PER_IP: '1000000' };

/** The real server on an ephemeral port over `db`, logging nothing. */
export async function startTestServer(db: Database, env: Record<string, string> = {}, overrides: ContextOverrides = {}): Promise<TestServer> {
  const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ...TEST_RATE_LIMITS, ...env });
  const running = await startServer({ config, db, logger: createLogger('silent'), overrides, modules: allModules });
  return {
    running,
    url: running.url,
    db,
    async tenant(slug = `t${process.pid}-${++counter}-${Date.now() % 100_000}`) {
      const tenant = await createTenant(db, { name: slug, slug });
      const secret = await issueKey(db, tenant.id, 'secret');
      const publishable = await issueKey(db, tenant.id, 'publishable');
      return { id: tenant.id, secretKey: secret.key, publishableKey: publishable.key };
    },
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.key) headers['authorization'] = `Bearer ${options.key}`;
      let body: string | undefined = options.rawBody;
      if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
      const response = await fetch(`${running.url}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Non-JSON bodies (HTML, SSE) are returned as text.
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    close: () => running.close(),
  };
}
