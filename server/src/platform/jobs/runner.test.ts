import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../testing/engines.js';
import { Authenticator } from '../auth/authenticate.js';
import { createTenant, issueKey } from '../auth/key-store.js';
import { loadConfig } from '../config.js';
import type { AppContext } from '../context.js';
import type { Database } from '../db/types.js';
import { createApp } from '../http/app.js';
import { createLogger } from '../logger.js';
import { createEmbedder } from '../../retrieval/embedder.js';
import { enqueue, JobError, jobRoutes, listJobs, createJobRunner, pruneFinished, type JobDefinition, type JobRunnerOptions } from './index.js';
import { claimJobs, completeJob } from './jobs.store.js';

/** Retries due almost at once, so drain() does not wait out real backoff. */
const FAST: JobRunnerOptions = { backoff: { baseMs: 1, maxMs: 4 }, housekeeping: false };
const DAY_MS = 24 * 60 * 60 * 1000;

function contextFor(db: Database): AppContext {
  const config = loadConfig({ LOG_LEVEL: 'silent', HUASHU_JOBS_INTERVAL_MS: '10' });
  return { db, config, logger: createLogger('silent'), authenticator: new Authenticator(db), embedder: createEmbedder(config) };
}

interface Row {
  state: string;
  attempts: number;
  last_error: string | null;
  locked_by: string | null;
}

describe.each(testEngines())('job runner on $name', (engine) => {
  let db: Database;
  let ctx: AppContext;
  let tenantId: string;
  const job = async (id: string) => (await db.query<Row>(`SELECT state, attempts, last_error, locked_by FROM jobs WHERE id = $1 AND tenant_id IS NOT DISTINCT FROM $2`, [id, tenantId])).rows[0]!;

  beforeAll(async () => {
    db = await engine.open();
    ctx = contextFor(db);
    tenantId = (await createTenant(db, { name: 'Jobs', slug: 'jobs-runner' })).id;
  });
  afterAll(async () => {
    await db?.close();
  });

  it('runs an enqueued job once with its tenant and payload', async () => {
    const seen: unknown[] = [];
    const runner = createJobRunner(ctx, [{ type: 'once', handler: async (_ctx, running) => void seen.push([running.tenantId, running.payload, running.attempt]) }], FAST);
    const { id, created } = await enqueue(db, { type: 'once', tenantId, payload: { leadId: 'l1' } });
    expect(created).toBe(true);
    expect(await runner.drain()).toBe(1);
    expect(seen).toEqual([[tenantId, { leadId: 'l1' }, 1]]);
    expect(await job(id)).toMatchObject({ state: 'succeeded', attempts: 1, last_error: null, locked_by: null });
    expect(await runner.drain()).toBe(0);
  });

  it('retries with backoff until the handler succeeds', async () => {
    let calls = 0;
    const runner = createJobRunner(
      ctx,
      [
        {
          type: 'flaky',
          async handler() {
            if (++calls < 3) throw new JobError('upstream_unavailable', `try ${calls} failed`);
          },
        },
      ],
      FAST,
    );
    const { id } = await enqueue(db, { type: 'flaky', tenantId, payload: {} });
    await runner.runOnce();
    expect(await job(id)).toMatchObject({ state: 'failed', attempts: 1, last_error: 'JobError(upstream_unavailable): try 1 failed' });
    await runner.drain();
    expect(calls).toBe(3);
    expect(await job(id)).toMatchObject({ state: 'succeeded', attempts: 3 });
  });

  it('marks a job dead after its attempts, or at once when the error says so', async () => {
    const definitions: JobDefinition[] = [
      { type: 'always-fails', maxAttempts: 3, handler: async () => Promise.reject(new JobError('bad_target', 'target refused')) },
      { type: 'gone', handler: async () => Promise.reject(new JobError('gone', 'endpoint answered 410', { retry: false })) },
    ];
    const runner = createJobRunner(ctx, definitions, FAST);
    const fails = await enqueue(db, { type: 'always-fails', tenantId, payload: {} });
    const override = await enqueue(db, { type: 'always-fails', tenantId, payload: {}, maxAttempts: 2 });
    const gone = await enqueue(db, { type: 'gone', tenantId, payload: {} });
    await runner.drain();
    expect(await job(fails.id)).toMatchObject({ state: 'dead', attempts: 3, last_error: 'JobError(bad_target): target refused' });
    expect(await job(override.id)).toMatchObject({ state: 'dead', attempts: 2 });
    expect(await job(gone.id)).toMatchObject({ state: 'dead', attempts: 1 });
  });

  it('never stores the message of an error it does not own', async () => {
    const runner = createJobRunner(ctx, [{ type: 'leaky', maxAttempts: 1, handler: async () => Promise.reject(new TypeError('bad phone 13800138000 for 王芳')) }], FAST);
    const { id } = await enqueue(db, { type: 'leaky', tenantId, payload: {} });
    await runner.drain();
    expect((await job(id)).last_error).toBe('TypeError');
  });

  it('times a handler out, aborting its signal', async () => {
    let aborted = false;
    const runner = createJobRunner(
      ctx,
      [
        {
          type: 'slow',
          maxAttempts: 1,
          timeoutMs: 20,
          handler: (_ctx, running) =>
            new Promise<void>((resolve) =>
              running.signal.addEventListener('abort', () => {
                aborted = true;
                resolve();
              }),
            ),
        },
      ],
      FAST,
    );
    const { id } = await enqueue(db, { type: 'slow', tenantId, payload: {} });
    await runner.drain();
    expect(aborted).toBe(true);
    expect(await job(id)).toMatchObject({ state: 'dead', last_error: 'JobTimeoutError(timeout): handler did not finish within 20 ms' });
  });

  it('never runs a job whose enqueueing transaction rolled back, and runs the committed one', async () => {
    const ran: unknown[] = [];
    const runner = createJobRunner(ctx, [{ type: 'tx-bound', handler: async (_ctx, running) => void ran.push(running.payload) }], FAST);
    await expect(
      db.transaction(async (tx) => {
        await enqueue(tx, { type: 'tx-bound', tenantId, payload: { n: 'rolled back' } });
        throw new Error('domain change failed');
      }),
    ).rejects.toThrow('domain change failed');
    await db.transaction(async (tx) => {
      await enqueue(tx, { type: 'tx-bound', tenantId, payload: { n: 'committed' } });
    });
    await runner.drain();
    expect(ran).toEqual([{ n: 'committed' }]);
  });

  it('dedupes by key per tenant; system jobs have their own key space', async () => {
    const first = await enqueue(db, { type: 'dedupe', tenantId, payload: {}, dedupeKey: 'lead:1:sla' });
    const again = await enqueue(db, { type: 'dedupe', tenantId, payload: {}, dedupeKey: 'lead:1:sla' });
    const system = await enqueue(db, { type: 'dedupe', payload: {}, dedupeKey: 'lead:1:sla' });
    const systemAgain = await enqueue(db, { type: 'dedupe', payload: {}, dedupeKey: 'lead:1:sla' });
    expect(again).toEqual({ id: first.id, created: false });
    expect(system.created).toBe(true);
    expect(systemAgain).toEqual({ id: system.id, created: false });
    const runner = createJobRunner(ctx, [{ type: 'dedupe', handler: async () => undefined }], FAST);
    expect(await runner.drain()).toBe(2);
  });

  it('waits for runAt', async () => {
    const runner = createJobRunner(ctx, [{ type: 'later', handler: async () => undefined }], FAST);
    const { id } = await enqueue(db, { type: 'later', tenantId, payload: {}, runAt: new Date(Date.now() + DAY_MS) });
    expect(await runner.runOnce()).toBe(0);
    expect((await job(id)).state).toBe('queued');
  });

  it('takes over a job whose worker stopped renewing its lease, and fences the old worker out', async () => {
    let runs = 0;
    const runner = createJobRunner(ctx, [{ type: 'orphan', handler: async () => void runs++ }], FAST);
    const { id } = await enqueue(db, { type: 'orphan', tenantId, payload: {} });
    const [held] = await claimJobs(db, { workerId: 'crashed-worker', types: ['orphan'], limit: 1, leaseMs: DAY_MS });
    expect(held!.id).toBe(id);
    expect(await runner.runOnce()).toBe(0);
    // Time passes for the crashed worker's lease.
    await db.query(`UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1 AND tenant_id = $2`, [id, tenantId]);
    expect(await runner.runOnce()).toBe(1);
    expect(runs).toBe(1);
    expect(await job(id)).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(await completeJob(db, held!, 'crashed-worker')).toBe(false);
  });

  it('buries a job whose worker died on its last attempt instead of running it again', async () => {
    let runs = 0;
    const runner = createJobRunner(ctx, [{ type: 'last-try', maxAttempts: 1, handler: async () => void runs++ }], FAST);
    const { id } = await enqueue(db, { type: 'last-try', tenantId, payload: {} });
    await claimJobs(db, { workerId: 'crashed-worker', types: ['last-try'], limit: 1, leaseMs: DAY_MS });
    await db.query(`UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1 AND tenant_id = $2`, [id, tenantId]);
    await runner.runOnce();
    expect(runs).toBe(0);
    expect(await job(id)).toMatchObject({ state: 'dead', attempts: 1, last_error: expect.stringMatching(/^LeaseExpired/) });
  });

  it('enqueues each periodic tick once however many runners try', async () => {
    const ticks: unknown[] = [];
    // A day-long period: both runners poll inside the same tick.
    const definition: JobDefinition = { type: 'daily', schedule: { everyMs: DAY_MS }, handler: async (_ctx, running) => void ticks.push(running.payload) };
    const a = createJobRunner(ctx, [definition], FAST);
    const b = createJobRunner(ctx, [definition], FAST);
    await a.runOnce();
    await b.runOnce();
    await a.runOnce();
    expect(ticks).toHaveLength(1);
    expect(ticks[0]).toMatchObject({ tick: expect.any(Number), everyMs: DAY_MS });
    const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE tenant_id IS NULL AND type = 'daily'`);
    expect(rows.rows[0]!.n).toBe(1);
  });

  it('stops gracefully: a running handler finishes before stop() returns', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const runner = createJobRunner(ctx, [{ type: 'gated', handler: async () => (started(), gate) }], { ...FAST, intervalMs: 5 });
    const { id } = await enqueue(db, { type: 'gated', tenantId, payload: {} });
    runner.start();
    await running;
    const stopped = runner.stop();
    release();
    await stopped;
    expect((await job(id)).state).toBe('succeeded');
  });

  it('gives a job back when its handler outlasts the shutdown grace', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const runner = createJobRunner(
      ctx,
      [{ type: 'stuck', handler: (_ctx, job) => (started(), new Promise<void>((resolve) => job.signal.addEventListener('abort', () => resolve()))) }],
      { ...FAST, intervalMs: 5, shutdownGraceMs: 1 },
    );
    const { id } = await enqueue(db, { type: 'stuck', tenantId, payload: {} });
    runner.start();
    await running;
    await runner.stop();
    expect(await job(id)).toMatchObject({ state: 'queued', attempts: 0, locked_by: null });
  });

  it('prunes finished jobs past their retention and keeps the rest', async () => {
    const runner = createJobRunner(ctx, [{ type: 'prune.me', handler: async () => undefined }], FAST);
    const old = await enqueue(db, { type: 'prune.me', tenantId, payload: {} });
    const recent = await enqueue(db, { type: 'prune.me', tenantId, payload: {} });
    const waiting = await enqueue(db, { type: 'prune.later', tenantId, payload: {} });
    await runner.drain();
    await db.query(`UPDATE jobs SET finished_at = now() - interval '8 days' WHERE id = $1 AND tenant_id = $2`, [old.id, tenantId]);
    await db.query(`UPDATE jobs SET created_at = now() - interval '60 days' WHERE id = $1 AND tenant_id = $2`, [waiting.id, tenantId]);
    const pruned = await pruneFinished(db);
    expect(pruned.jobs).toBeGreaterThanOrEqual(1);
    const left = await db.query<{ id: string }>(`SELECT id FROM jobs WHERE tenant_id = $1 AND id = ANY($2::text[])`, [tenantId, [old.id, recent.id, waiting.id]]);
    expect(left.rows.map((row) => row.id).sort()).toEqual([recent.id, waiting.id].sort());
  });

  describe('GET /v1/jobs', () => {
    let server: Server;
    let url: string;
    let a: { id: string; secret: string; publishable: string };
    let b: { id: string; secret: string };

    beforeAll(async () => {
      const tenantA = await createTenant(db, { name: 'A', slug: 'jobs-route-a' });
      const tenantB = await createTenant(db, { name: 'B', slug: 'jobs-route-b' });
      a = { id: tenantA.id, secret: (await issueKey(db, tenantA.id, 'secret')).key, publishable: (await issueKey(db, tenantA.id, 'publishable')).key };
      b = { id: tenantB.id, secret: (await issueKey(db, tenantB.id, 'secret')).key };
      const app = createApp(ctx, { routes: jobRoutes });
      server = await new Promise<Server>((resolve) => {
        const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
      });
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((resolve) => server?.close(resolve));
    });

    const get = async (path: string, key: string) => {
      const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
      return { status: response.status, body: (await response.json()) as any };
    };

    it("lists the caller's jobs with their state, never another tenant's or the system's", async () => {
      const runner = createJobRunner(ctx, [{ type: 'route.fails', maxAttempts: 1, handler: async () => Promise.reject(new JobError('nope', 'no')) }], FAST);
      const dead = await enqueue(db, { type: 'route.fails', tenantId: a.id, payload: {} });
      const waiting = await enqueue(db, { type: 'route.later', tenantId: a.id, payload: {}, runAt: new Date(Date.now() + DAY_MS) });
      await enqueue(db, { type: 'route.later', tenantId: b.id, payload: {} });
      await enqueue(db, { type: 'route.later', payload: {} });
      await runner.drain();

      const all = await get('/v1/jobs', a.secret);
      expect(all.status).toBe(200);
      expect(all.body.jobs.map((j: { id: string }) => j.id).sort()).toEqual([dead.id, waiting.id].sort());
      const deadOnly = await get('/v1/jobs?state=dead', a.secret);
      expect(deadOnly.body.jobs).toEqual([
        expect.objectContaining({ id: dead.id, type: 'route.fails', state: 'dead', attempts: 1, maxAttempts: null, lastError: 'JobError(nope): no', finishedAt: expect.any(String) }),
      ]);
      expect((await get('/v1/jobs?type=route.later&limit=1', a.secret)).body.jobs.map((j: { id: string }) => j.id)).toEqual([waiting.id]);
      expect((await get('/v1/jobs', b.secret)).body.jobs).toHaveLength(1);
    });

    it('needs a secret key and valid filters', async () => {
      expect((await get('/v1/jobs', a.publishable)).status).toBe(403);
      expect((await get('/v1/jobs?state=sleeping', a.secret)).status).toBe(400);
      expect((await get('/v1/jobs?limit=100000', a.secret)).status).toBe(400);
    });
  });

  it('lists a tenant through the store with the same scoping', async () => {
    const other = await createTenant(db, { name: 'C', slug: 'jobs-store-c' });
    await enqueue(db, { type: 'store.list', tenantId: other.id, payload: {} });
    const jobs = await listJobs(db, other.id, { limit: 10 });
    expect(jobs.map((j) => j.type)).toEqual(['store.list']);
  });
});
