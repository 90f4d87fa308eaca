import type { AppContext } from '../context.js';
import type { Backoff } from './backoff.js';
import type { ClaimedJob } from './jobs.store.js';

/** What a handler receives. `signal` aborts when the job timed out, lost its lease or the runner gave it back at shutdown. */
export interface RunningJob extends ClaimedJob {
  signal: AbortSignal;
}

export interface JobDefinition {
  type: string;
  /**
   * Runs at least once per job, more than once only after a failure or a
   * crash: make it idempotent. A throw retries with backoff; throw a
   * `JobError` to control what `last_error` says or to stop retrying.
   */
  handler(ctx: AppContext, job: RunningJob): Promise<void>;
  /** @default 5, or 1 for scheduled types (the next tick is their retry) */
  maxAttempts?: number;
  /** @default 5 minutes */
  timeoutMs?: number;
  /** Enqueue one job of this type per `everyMs` tick, once across all replicas. */
  schedule?: { everyMs: number };
}

export interface JobRunnerOptions {
  /** Pause between polls when idle. @default ctx.config.HUASHU_JOBS_INTERVAL_MS */
  intervalMs?: number;
  /** Handlers running at once in this process. @default 4 */
  concurrency?: number;
  /** How long a claim holds without renewal; a killed worker's jobs come back after this. @default 30 s */
  leaseMs?: number;
  backoff?: Backoff;
  /** @default host/pid/random */
  workerId?: string;
  /** How long `stop()` waits for running handlers before giving their jobs back. @default 10 s */
  shutdownGraceMs?: number;
  /** Prune finished jobs and dispatched outbox events (see housekeeping.ts). @default true */
  housekeeping?: boolean;
}

export interface JobRunner {
  readonly workerId: string;
  /** Polls in the background until `stop()`. */
  start(): void;
  /** Stops polling, waits for running handlers (up to the grace period), then gives back the jobs still held. */
  stop(): Promise<void>;
  /** One poll: enqueue due ticks, claim what is due, run it to the end. Returns how many jobs ran. */
  runOnce(): Promise<number>;
  /** Runs due jobs until none of this runner's types is queued, awaiting retry or running anywhere (tests). */
  drain(options?: { timeoutMs?: number }): Promise<number>;
}
