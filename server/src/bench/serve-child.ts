import { allModules } from '../modules.js';
import { createTenant, issueKey } from '../platform/auth/key-store.js';
import { loadConfig } from '../platform/config.js';
import { openDatabase } from '../platform/db/open.js';
import type { Database } from '../platform/db/types.js';
import { createLogger } from '../platform/logger.js';
import { importEntries } from '../knowledge/knowledge.service.js';
import { createContext, startServer } from '../server.js';
import { freshPglite } from '../testing/engines.js';
import { syntheticCorpus } from './corpus.js';

/**
 * One Huashu server in its own process for the load and replica benches: the
 * load generator then never shares an event loop with the server it measures,
 * its RSS is the server's alone, and `kill -9` hits a real process.
 *
 * Environment: `BENCH_CHILD_DATABASE_URL` (absent → in-memory PGlite),
 * `BENCH_CHILD_SECRET_KEY` + `BENCH_CHILD_TENANT_ID` (use that tenant; absent →
 * create one with `BENCH_CHILD_ENTRIES` knowledge entries), plus any server
 * variable (HUASHU_…) passed through. Tells its parent `{ url, tenantId, secret,
 * publishable }` over IPC once it listens; stops on the message `stop`.
 */
export interface ChildReady {
  url: string;
  tenantId: string;
  secret: string;
  publishable?: string;
}

const env = process.env;
const databaseUrl = env['BENCH_CHILD_DATABASE_URL'];
const db: Database = databaseUrl ? await openDatabase({ databaseUrl }) : (await freshPglite()).db;
// Bench clients run at full speed from one address: the rate limits are not what is measured.
const config = loadConfig({
  LOG_LEVEL: 'silent',
  HUASHU_EMBEDDER: 'local',
  HUASHU_RATE_LIMIT_PER_KEY: '0',
  HUASHU_RATE_LIMIT_PER_IP: '0',
  ...Object.fromEntries(Object.entries(env).filter(([name]) => name.startsWith('HUASHU_'))),
  PORT: '0',
  DATABASE_URL: databaseUrl,
});
const logger = createLogger(env['BENCH_CHILD_LOG_LEVEL'] === 'warn' ? 'warn' : 'silent');

let ready: Omit<ChildReady, 'url'>;
if (env['BENCH_CHILD_SECRET_KEY'] && env['BENCH_CHILD_TENANT_ID']) {
  ready = { tenantId: env['BENCH_CHILD_TENANT_ID'], secret: env['BENCH_CHILD_SECRET_KEY'] };
} else {
  const tenant = await createTenant(db, { name: 'load bench', slug: `load-${process.pid}` });
  const secret = await issueKey(db, tenant.id, 'secret');
  const publishable = await issueKey(db, tenant.id, 'publishable');
  ready = { tenantId: tenant.id, secret: secret.key, publishable: publishable.key };
  const entries = Number(env['BENCH_CHILD_ENTRIES'] ?? 0);
  if (entries > 0) {
    await importEntries(await createContext(config, db, logger), { kind: 'secret', tenantId: tenant.id, keyId: 'bench' }, syntheticCorpus(entries));
  }
}

const running = await startServer({ config, db, logger, modules: allModules });
process.send?.({ ...ready, url: running.url } satisfies ChildReady);
process.on('message', (message) => {
  if (message !== 'stop') return;
  void running
    .close()
    .then(() => db.close())
    .finally(() => process.exit(0));
});
