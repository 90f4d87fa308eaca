/**
 * Test fixture, not part of the product: one job worker process on the
 * Postgres database in DATABASE_URL, so runner.process.test.ts can run
 * several and kill one with -9 for real. Handlers record every execution in
 * `jobs_test_runs`, which the test creates.
 *
 * Env: DATABASE_URL, JOBS_TEST_WORKER (a name), JOBS_TEST_LEASE_MS,
 * JOBS_TEST_TICK_MS, HUASHU_JOBS_INTERVAL_MS. Prints "ready" once polling.
 */
import { Authenticator } from '../auth/authenticate.js';
import { loadConfig } from '../config.js';
import type { AppContext } from '../context.js';
import { openPostgres } from '../db/postgres.js';
import { createLogger } from '../logger.js';
import { createEmbedder } from '../../retrieval/embedder.js';
import { createJobRunner } from './runner.js';
import type { JobDefinition, RunningJob } from './types.js';

const config = loadConfig(process.env);
const name = process.env['JOBS_TEST_WORKER'] ?? String(process.pid);
const db = await openPostgres(config.DATABASE_URL!, { max: 4 });
const logger = createLogger(process.env['JOBS_TEST_LOG'] ?? 'silent');
const ctx: AppContext = { db, config, logger, authenticator: new Authenticator(db), embedder: createEmbedder(config) };

async function record(job: RunningJob, note: string): Promise<void> {
  await db.query(`INSERT INTO jobs_test_runs (job_id, tenant_id, worker, note) VALUES ($1, $2, $3, $4)`, [job.id, job.tenantId, name, note]);
}

const definitions: JobDefinition[] = [
  { type: 'test.count', handler: (_ctx, job) => record(job, 'run') },
  {
    type: 'test.tick',
    schedule: { everyMs: Number(process.env['JOBS_TEST_TICK_MS'] ?? 1000) },
    handler: (_ctx, job) => record(job, `tick:${(job.payload as { tick: number }).tick}`),
  },
  {
    // The first attempt never finishes: the test kills its process mid-handler.
    type: 'test.hang',
    async handler(_ctx, job) {
      await record(job, `start:${job.attempt}`);
      if (job.attempt === 1) await new Promise((_, reject) => job.signal.addEventListener('abort', () => reject(job.signal.reason)));
      await record(job, 'done');
    },
  },
];

const runner = createJobRunner(ctx, definitions, { leaseMs: Number(process.env['JOBS_TEST_LEASE_MS'] ?? 30_000), workerId: name, housekeeping: false });
runner.start();
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void runner
    .stop()
    .then(() => db.close())
    .then(() => process.exit(0));
});
