import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgres } from '../../testing/engines.js';
import { createTenant } from '../auth/key-store.js';
import type { Database } from '../db/types.js';
import { enqueue } from './jobs.store.js';

/**
 * Several real worker processes on one Postgres (PGlite is single-process, so
 * there is nothing to race there). The workers run the compiled fixture
 * test-worker.ts, so `kill -9` really kills a process mid-handler.
 */
const serverUrl = process.env['DATABASE_URL'];
const SERVER_DIR = fileURLToPath(new URL('../../../', import.meta.url));
const SOURCE_DIR = join(SERVER_DIR, 'src/platform/jobs');
const WORKER = join(SERVER_DIR, 'dist/platform/jobs/test-worker.js');
const JOBS = 40;
const TICK_MS = 200;
const TICKS_TO_SEE = 3;
/** Short, so the killed worker's job comes back quickly; renewed every third of it while alive. */
const SHORT_LEASE_MS = 1_000;
const POLL_MS = 20;

/** Builds dist/ when the fixture is older than the sources it runs. */
function ensureBuilt(): void {
  const fresh = () => existsSync(WORKER) && readdirSync(SOURCE_DIR).every((name) => statSync(join(SOURCE_DIR, name)).mtimeMs <= statSync(WORKER).mtimeMs);
  if (fresh()) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-b', SERVER_DIR], { stdio: 'pipe' });
  } catch (error) {
    // Type errors elsewhere still emit; only a missing or stale fixture is fatal.
    if (!fresh()) throw error;
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 45_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

describe.skipIf(!serverUrl)('job runner across processes on Postgres (skipped: set DATABASE_URL to a Postgres server to run it)', () => {
  let db: Database;
  let url: string;
  const workers = new Set<ChildProcess>();

  function startWorker(name: string, env: Record<string, string> = {}): Promise<ChildProcess> {
    const child = spawn(process.execPath, [WORKER], {
      env: { ...process.env, DATABASE_URL: url, JOBS_TEST_WORKER: name, HUASHU_JOBS_INTERVAL_MS: String(POLL_MS), JOBS_TEST_TICK_MS: String(TICK_MS), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    workers.add(child);
    child.once('exit', () => workers.delete(child));
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve(child);
      });
      child.once('exit', (code) => reject(new Error(`worker ${name} exited with ${code}: ${stderr}`)));
    });
  }

  const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  const stop = async (child: ChildProcess) => {
    child.kill('SIGTERM');
    await exited(child);
  };
  const count = async (sql: string, params: unknown[] = []) => (await db.query<{ n: number }>(sql, params)).rows[0]!.n;

  beforeAll(async () => {
    ensureBuilt();
    ({ db, url } = await freshPostgres(serverUrl!));
    await db.exec(`CREATE TABLE jobs_test_runs (job_id text NOT NULL, tenant_id text, worker text NOT NULL, note text NOT NULL, at timestamptz NOT NULL DEFAULT now())`);
  });
  afterAll(async () => {
    for (const child of workers) child.kill('SIGKILL');
    await Promise.all([...workers].map(exited));
    await db?.close();
  });

  it('runs each job and each periodic tick exactly once across two processes', async () => {
    const tenants = [await createTenant(db, { name: 'P1', slug: 'proc-one' }), await createTenant(db, { name: 'P2', slug: 'proc-two' })];
    const ids: string[] = [];
    for (let n = 0; n < JOBS; n++) ids.push((await enqueue(db, { type: 'test.count', tenantId: tenants[n % 2]!.id, payload: { n } })).id);
    const [one, two] = await Promise.all([startWorker('worker-1'), startWorker('worker-2')]);
    await waitFor(`${JOBS} jobs and ${TICKS_TO_SEE} ticks`, async () => {
      const runs = await count(`SELECT count(*)::int AS n FROM jobs_test_runs WHERE note = 'run' AND tenant_id IS NOT NULL`);
      const ticks = await count(`SELECT count(DISTINCT note)::int AS n FROM jobs_test_runs WHERE note LIKE 'tick:%' AND tenant_id IS NULL`);
      return runs >= JOBS && ticks >= TICKS_TO_SEE;
    });
    await Promise.all([stop(one!), stop(two!)]);

    const runs = await db.query<{ job_id: string; n: number }>(`SELECT job_id, count(*)::int AS n FROM jobs_test_runs WHERE note = 'run' AND tenant_id IS NOT NULL GROUP BY job_id`);
    expect(runs.rows.map((row) => row.job_id).sort()).toEqual([...ids].sort());
    expect(runs.rows.filter((row) => row.n !== 1)).toEqual([]);

    const repeatedTicks = await db.query(`SELECT note FROM jobs_test_runs WHERE note LIKE 'tick:%' AND tenant_id IS NULL GROUP BY note HAVING count(*) > 1`);
    expect(repeatedTicks.rows).toEqual([]);
    // Every tick either of them enqueued and finished ran once; none was enqueued twice.
    const succeededTicks = await count(`SELECT count(*)::int AS n FROM jobs WHERE tenant_id IS NULL AND type = 'test.tick' AND state = 'succeeded'`);
    const tickRuns = await count(`SELECT count(*)::int AS n FROM jobs_test_runs WHERE note LIKE 'tick:%' AND tenant_id IS NULL`);
    expect(tickRuns).toBe(succeededTicks);
    const tickKeys = await db.query<{ dedupe_key: string; n: number }>(`SELECT dedupe_key, count(*)::int AS n FROM jobs WHERE tenant_id IS NULL AND type = 'test.tick' GROUP BY dedupe_key`);
    expect(tickKeys.rows.filter((row) => row.n !== 1)).toEqual([]);
  });

  it('finishes a job on another process after its worker is killed with -9 mid-handler', async () => {
    const lease = { JOBS_TEST_LEASE_MS: String(SHORT_LEASE_MS) };
    const doomed = await startWorker('doomed', lease);
    const tenant = await createTenant(db, { name: 'P3', slug: 'proc-three' });
    const { id } = await enqueue(db, { type: 'test.hang', tenantId: tenant.id, payload: {} });
    await waitFor('the first attempt to start', async () => (await count(`SELECT count(*)::int AS n FROM jobs_test_runs WHERE job_id = $1 AND tenant_id = $2 AND note = 'start:1'`, [id, tenant.id])) === 1);
    // The survivor is up before the kill, so it sees the job only once the lease runs out.
    const survivor = await startWorker('survivor', lease);
    doomed.kill('SIGKILL');
    await exited(doomed);
    await waitFor('the job to finish elsewhere', async () => (await count(`SELECT count(*)::int AS n FROM jobs_test_runs WHERE job_id = $1 AND tenant_id = $2 AND note = 'done'`, [id, tenant.id])) === 1);
    await stop(survivor);

    const trail = await db.query<{ worker: string; note: string }>(`SELECT worker, note FROM jobs_test_runs WHERE job_id = $1 AND tenant_id = $2 ORDER BY at, note DESC`, [id, tenant.id]);
    expect(trail.rows).toEqual([
      { worker: 'doomed', note: 'start:1' },
      { worker: 'survivor', note: 'start:2' },
      { worker: 'survivor', note: 'done' },
    ]);
    const job = await db.query<{ state: string; attempts: number; locked_by: string | null }>(`SELECT state, attempts, locked_by FROM jobs WHERE id = $1 AND tenant_id = $2`, [id, tenant.id]);
    expect(job.rows[0]).toEqual({ state: 'succeeded', attempts: 2, locked_by: null });
  });
});
