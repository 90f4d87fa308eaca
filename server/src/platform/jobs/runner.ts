import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { AppContext } from '../context.js';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import { describeError, isRetryable, JobError, JobTimeoutError } from './errors.js';
import { housekeeping } from './housekeeping.js';
import { buryJob, claimJobs, completeJob, enqueueTick, failJob, hasUnfinishedJobs, releaseJob, renewLease, type ClaimedJob } from './jobs.store.js';
import type { JobDefinition, JobRunner, JobRunnerOptions } from './types.js';

/** Enough to ride out a brief outage; jobs that need more (webhooks) set their own. */
export const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_SCHEDULED_MAX_ATTEMPTS = 1;
export const DEFAULT_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_LEASE_MS = 30_000;
/** Renewing at a third of the lease survives one missed renewal (a slow query, a GC pause). */
const RENEWALS_PER_LEASE = 3;
/** Handlers mostly wait on the database or the network; a few at once keep a two-core box busy without starving HTTP. */
const DEFAULT_CONCURRENCY = 4;
/** Below the usual 30 s an orchestrator allows between SIGTERM and SIGKILL. */
const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;
/** drain(): how long to wait for a retry's run_at or another worker's job before looking again. */
const DRAIN_PAUSE_MS = 10;

interface Active {
  job: ClaimedJob;
  controller: AbortController;
  heartbeat?: ReturnType<typeof setInterval>;
  done: Promise<void>;
}

/**
 * A durable job queue of our own over the `jobs` table, the same on PGlite and
 * Postgres. pg-boss and graphile-worker were the alternatives; both need a
 * real Postgres server (LISTEN/NOTIFY, several connections, their own schema
 * tooling) and so do not run on embedded PGlite.
 *
 * Delivery is at least once: a job claimed under a lease that its worker stops
 * renewing (kill -9, a lost network) becomes claimable again, so handlers must
 * be idempotent. Definitions are given explicitly; this runner only claims
 * types it has a handler for, so replicas of different versions can share a
 * queue.
 */
export function createJobRunner(ctx: AppContext, definitions: readonly JobDefinition[], options: JobRunnerOptions = {}): JobRunner {
  const all = options.housekeeping === false ? [...definitions] : [...definitions, housekeeping()];
  const byType = new Map<string, JobDefinition>();
  for (const definition of all) {
    if (byType.has(definition.type)) throw new Error(`job type "${definition.type}" is defined twice`);
    if (definition.schedule && !(Number.isInteger(definition.schedule.everyMs) && definition.schedule.everyMs > 0)) {
      throw new Error(`job type "${definition.type}": schedule.everyMs must be a positive integer`);
    }
    byType.set(definition.type, definition);
  }
  const types = [...byType.keys()];
  const scheduled = all.filter((definition) => definition.schedule);
  const workerId = options.workerId ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  const intervalMs = options.intervalMs ?? ctx.config.HUASHU_JOBS_INTERVAL_MS;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const shutdownGraceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  const { db, logger } = ctx;
  const active = new Map<string, Active>();
  let loop: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let saturated = false;

  const maxAttemptsOf = (job: ClaimedJob, definition: JobDefinition) =>
    job.maxAttempts ?? definition.maxAttempts ?? (definition.schedule ? DEFAULT_SCHEDULED_MAX_ATTEMPTS : DEFAULT_MAX_ATTEMPTS);

  /**
   * Sleeps `ms`, or less when woken (a slot freed up, stop() was called). A
   * wake-up resolves through setImmediate: on PGlite a whole claim–run–complete
   * cycle can happen in promise callbacks alone, and waking straight from one
   * would loop without ever letting timers or I/O run.
   */
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (wake === done) wake = undefined;
        setImmediate(resolve);
      };
      const timer = setTimeout(done, ms);
      wake = done;
    });

  async function renew(entry: Active): Promise<void> {
    try {
      if (await renewLease(db, entry.job, workerId, leaseMs)) return;
      // Another worker has the job now (our lease ran out while we were stalled): stop and leave it to them.
      clearInterval(entry.heartbeat);
      entry.controller.abort(new JobError('lease_lost', 'the lease ran out and another worker claimed the job'));
    } catch (error) {
      logger.warn({ jobId: entry.job.id, error: describeError(error) }, 'job lease renewal failed');
    }
  }

  async function execute(entry: Active): Promise<void> {
    const { job } = entry;
    const definition = byType.get(job.type)!;
    const maxAttempts = maxAttemptsOf(job, definition);
    if (job.attempt > maxAttempts) {
      await buryJob(db, job, workerId, `LeaseExpired(lease_expired): the worker running attempt ${maxAttempts} of ${maxAttempts} stopped before finishing`);
      logger.warn({ jobId: job.id, type: job.type, tenantId: job.tenantId }, 'job dead: its worker stopped on the last attempt');
      return;
    }
    entry.heartbeat = setInterval(() => void renew(entry), leaseMs / RENEWALS_PER_LEASE);
    const timeoutMs = definition.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new JobTimeoutError(timeoutMs)), timeoutMs);
      });
      await Promise.race([definition.handler(ctx, { ...job, signal: entry.controller.signal }), timeout]);
      clearInterval(entry.heartbeat);
      if (!(await completeJob(db, job, workerId))) {
        logger.warn({ jobId: job.id, type: job.type }, 'job finished after its lease was lost; the outcome is not recorded');
      }
    } catch (error) {
      clearInterval(entry.heartbeat);
      // A timed-out handler may still be running: ask it to stop.
      entry.controller.abort(error);
      const text = describeError(error);
      const retryInMs = isRetryable(error) && job.attempt < maxAttempts ? backoffDelay(job.attempt, backoff) : null;
      const state = await failJob(db, job, workerId, text, retryInMs);
      logger.warn({ jobId: job.id, type: job.type, tenantId: job.tenantId, attempt: job.attempt, state, error: text }, 'job failed');
    } finally {
      clearTimeout(timer);
    }
  }

  function launch(job: ClaimedJob): Promise<void> {
    const entry: Active = { job, controller: new AbortController(), done: Promise.resolve() };
    active.set(job.id, entry);
    entry.done = execute(entry)
      .catch((error: unknown) => logger.error({ jobId: job.id, error: describeError(error) }, 'job outcome could not be recorded'))
      .finally(() => {
        clearInterval(entry.heartbeat);
        active.delete(job.id);
        if (saturated || stopping) wake?.();
      });
    return entry.done;
  }

  async function scheduleTicks(): Promise<void> {
    for (const definition of scheduled) {
      await enqueueTick(db, definition.type, definition.schedule!.everyMs, definition.maxAttempts ?? DEFAULT_SCHEDULED_MAX_ATTEMPTS);
    }
  }

  async function claim(): Promise<ClaimedJob[]> {
    const free = concurrency - active.size;
    if (free <= 0) return [];
    return claimJobs(db, { workerId, types, limit: free, leaseMs });
  }

  async function poll(): Promise<void> {
    while (!stopping) {
      try {
        await scheduleTicks();
        const free = concurrency - active.size;
        const jobs = await claim();
        for (const job of jobs) void launch(job);
        // No slot left: more may be due, so look again as soon as one frees up.
        saturated = jobs.length >= free;
      } catch (error) {
        logger.error({ error: describeError(error) }, 'job poll failed');
      }
      if (stopping) break;
      await nap(intervalMs);
    }
  }

  async function shutdown(): Promise<void> {
    wake?.();
    await loop;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const graceOver = new Promise<'grace_over'>((resolve) => {
      timer = setTimeout(() => resolve('grace_over'), shutdownGraceMs);
    });
    const outcome = await Promise.race([Promise.all([...active.values()].map((entry) => entry.done)), graceOver]);
    clearTimeout(timer);
    if (outcome !== 'grace_over') return;
    for (const entry of active.values()) {
      clearInterval(entry.heartbeat);
      // Released before the abort, so whatever the aborted handler does next is fenced out.
      await releaseJob(db, entry.job, workerId).catch((error: unknown) =>
        logger.warn({ jobId: entry.job.id, error: describeError(error) }, 'job could not be released; its lease will expire'),
      );
      entry.controller.abort(new JobError('shutdown', 'the worker is shutting down'));
    }
  }

  return {
    workerId,
    start() {
      if (stopping) throw new Error('a stopped job runner cannot start again');
      loop ??= poll();
    },
    stop() {
      return (stopping ??= shutdown());
    },
    async runOnce() {
      await scheduleTicks();
      const jobs = await claim();
      await Promise.all(jobs.map(launch));
      return jobs.length;
    },
    async drain({ timeoutMs = DEFAULT_DRAIN_TIMEOUT_MS } = {}) {
      const deadline = Date.now() + timeoutMs;
      let ran = 0;
      for (;;) {
        const jobs = await claim();
        await Promise.all(jobs.map(launch));
        ran += jobs.length;
        if (jobs.length > 0) continue;
        if (!(await hasUnfinishedJobs(db, types))) return ran;
        if (Date.now() > deadline) throw new Error(`jobs still unfinished after ${timeoutMs} ms of drain()`);
        await nap(DRAIN_PAUSE_MS);
      }
    },
  };
}
