import { afterAll, beforeAll } from 'vitest';
import type { AppContext } from '../platform/context.js';
import type { Database } from '../platform/db/types.js';
import type { TestEngine } from './engines.js';
import { startTestServer, type TestServer } from './test-server.js';

export interface SuiteServer {
  readonly db: Database;
  readonly server: TestServer;
  readonly ctx: AppContext;
  /** `server.call` with a key and an optional JSON body. */
  call(method: string, path: string, key: string, body?: unknown): ReturnType<TestServer['call']>;
}

/**
 * A fresh database and the real server over it for one `describe` block,
 * opened before its tests and closed after them. Read the members inside
 * tests (they exist once `beforeAll` has run).
 */
export function useTestServer(engine: TestEngine, env: Record<string, string> = {}): SuiteServer {
  let db: Database | undefined;
  let server: TestServer | undefined;
  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db, env);
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });
  const started = () => {
    if (!server) throw new Error('useTestServer: read the server inside a test, after beforeAll');
    return server;
  };
  return {
    get db() {
      return started().db;
    },
    get server() {
      return started();
    },
    get ctx() {
      return started().running.ctx;
    },
    call: (method, path, key, body) => started().call(method, path, { key, ...(body === undefined ? {} : { body }) }),
  };
}
