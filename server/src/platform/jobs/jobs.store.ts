import { randomUUID } from 'node:crypto';
import type { Job, JobState } from '@huashu/core';
import type { Queryable } from '../db/types.js';

export interface JobInput {
  type: string;
  /** Absent or null: a system job, invisible to tenants. */
  tenantId?: string | null;
  payload?: unknown;
  /** Not before this time. @default now */
  runAt?: Date;
  /** @default the job type's `maxAttempts` */
  maxAttempts?: number;
  /** A second enqueue with the same key (per tenant) is a no-op returning the first job's id, for good. */
  dedupeKey?: string;
}

export interface EnqueueResult {
  id: string;
  /** false when the dedupe key was already taken. */
  created: boolean;
}

/** A job as a worker holds it after claiming it. */
export interface ClaimedJob {
  id: string;
  tenantId: string | null;
  type: string;
  payload: unknown;
  /** 1 on the first run; also the fencing token with the worker id. */
  attempt: number;
  maxAttempts: number | null;
  runAt: Date;
}

const MAX_TYPE_LENGTH = 100;

/**
 * Adds a job. Pass the caller's transaction as `q` and the job commits or
 * rolls back with the domain change that asked for it.
 */
export async function enqueue(q: Queryable, job: JobInput): Promise<EnqueueResult> {
  if (!job.type || job.type.length > MAX_TYPE_LENGTH) throw new Error(`job type must be 1–${MAX_TYPE_LENGTH} characters`);
  if (job.maxAttempts !== undefined && !(Number.isInteger(job.maxAttempts) && job.maxAttempts >= 1)) {
    throw new Error('maxAttempts must be a positive integer');
  }
  const tenantId = job.tenantId ?? null;
  const id = `job_${randomUUID()}`;
  const inserted = await q.query<{ id: string }>(
    `INSERT INTO jobs (id, tenant_id, type, payload, max_attempts, run_at, dedupe_key)
     VALUES ($1, $2, $3, $4::jsonb, $5, coalesce($6::timestamptz, now()), $7)
     ON CONFLICT (tenant_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
     RETURNING id`,
    [id, tenantId, job.type, JSON.stringify(job.payload ?? {}), job.maxAttempts ?? null, job.runAt?.toISOString() ?? null, job.dedupeKey ?? null],
  );
  if (inserted.rows[0]) return { id, created: true };
  const existing = await q.query<{ id: string }>(`SELECT id FROM jobs WHERE tenant_id IS NOT DISTINCT FROM $1 AND dedupe_key = $2`, [tenantId, job.dedupeKey]);
  return { id: existing.rows[0]!.id, created: false };
}

/**
 * Enqueues the current tick of a periodic type, numbered by the database's
 * clock (replicas' clocks may disagree, the database's is one). The dedupe key
 * makes this a no-op for every replica but the first. Returns whether this call
 * created the tick.
 */
export async function enqueueTick(q: Queryable, type: string, everyMs: number, maxAttempts: number): Promise<boolean> {
  const result = await q.query(
    `INSERT INTO jobs (id, tenant_id, type, payload, max_attempts, run_at, dedupe_key)
     SELECT $1, NULL, $2::text, jsonb_build_object('tick', t.tick, 'everyMs', $4::bigint), $3::int, to_timestamp((t.tick * $4::bigint) / 1000.0), 'schedule:' || $2::text || ':' || t.tick
     FROM (SELECT floor(extract(epoch FROM now()) * 1000 / $4::bigint)::bigint AS tick) t
     ON CONFLICT (tenant_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING`,
    [`job_${randomUUID()}`, type, maxAttempts, everyMs],
  );
  return result.rowCount > 0;
}

interface ClaimedRow {
  id: string;
  tenant_id: string | null;
  type: string;
  payload: unknown;
  attempts: number;
  max_attempts: number | null;
  run_at: Date | string;
}

/**
 * Claims up to `limit` due jobs of `types` for `workerId` — across tenants, a
 * worker serves them all. Due = queued or awaiting retry with run_at passed, or
 * running under a lease that ran out (its worker died). SKIP LOCKED lets
 * concurrent workers on Postgres claim disjoint rows without waiting; a row a
 * competitor claimed first fails the state recheck and is left out.
 */
export async function claimJobs(q: Queryable, options: { workerId: string; types: readonly string[]; limit: number; leaseMs: number }): Promise<ClaimedJob[]> {
  const result = await q.query<ClaimedRow>(
    `UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1,
            locked_until = now() + $2::bigint * interval '1 millisecond'
     WHERE id IN (
       SELECT id FROM jobs
       WHERE type = ANY($3::text[])
         AND ((state IN ('queued', 'failed') AND run_at <= now()) OR (state = 'running' AND locked_until < now()))
       ORDER BY run_at
       LIMIT $4
       FOR UPDATE SKIP LOCKED)
     RETURNING id, tenant_id, type, payload, attempts, max_attempts, run_at`,
    [options.workerId, options.leaseMs, [...options.types], options.limit],
  );
  return result.rows.map((row) => ({
    id: row.id,
    tenantId: row.tenant_id,
    type: row.type,
    payload: row.payload,
    attempt: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: new Date(row.run_at),
  }));
}

// Every write after the claim is fenced by (worker, attempt) — the WHERE clause
// `id = $1 AND tenant_id IS NOT DISTINCT FROM $2 AND locked_by = $3 AND attempts = $4`:
// a worker that lost its lease to another finds no row to update, and the
// other's outcome stands.
const fence = (job: ClaimedJob, workerId: string) => [job.id, job.tenantId, workerId, job.attempt];

/** Extends the lease; false when the job is no longer this worker's. */
export async function renewLease(q: Queryable, job: ClaimedJob, workerId: string, leaseMs: number): Promise<boolean> {
  const result = await q.query(
    `UPDATE jobs SET locked_until = now() + $5::bigint * interval '1 millisecond' WHERE id = $1 AND tenant_id IS NOT DISTINCT FROM $2 AND locked_by = $3 AND attempts = $4 AND state = 'running'`,
    [...fence(job, workerId), leaseMs],
  );
  return result.rowCount > 0;
}

export async function completeJob(q: Queryable, job: ClaimedJob, workerId: string): Promise<boolean> {
  const result = await q.query(
    `UPDATE jobs SET state = 'succeeded', finished_at = now(), locked_by = NULL, locked_until = NULL WHERE id = $1 AND tenant_id IS NOT DISTINCT FROM $2 AND locked_by = $3 AND attempts = $4`,
    fence(job, workerId),
  );
  return result.rowCount > 0;
}

/** Records a failed attempt: a retry at now + `retryInMs`, or `dead` when `retryInMs` is null. */
export async function failJob(q: Queryable, job: ClaimedJob, workerId: string, error: string, retryInMs: number | null): Promise<JobState | undefined> {
  const result = await q.query<{ state: JobState }>(
    `UPDATE jobs SET
       state = CASE WHEN $5::bigint IS NULL THEN 'dead' ELSE 'failed' END,
       run_at = CASE WHEN $5::bigint IS NULL THEN run_at ELSE now() + $5::bigint * interval '1 millisecond' END,
       finished_at = CASE WHEN $5::bigint IS NULL THEN now() END,
       locked_by = NULL, locked_until = NULL, last_error = $6
     WHERE id = $1 AND tenant_id IS NOT DISTINCT FROM $2 AND locked_by = $3 AND attempts = $4
     RETURNING state`,
    [...fence(job, workerId), retryInMs, error],
  );
  return result.rows[0]?.state;
}

/**
 * A job claimed again after its lease ran out on its last allowed attempt:
 * its worker died mid-run every time. Recorded dead without running it again;
 * the claim that found it is not counted as an attempt.
 */
export async function buryJob(q: Queryable, job: ClaimedJob, workerId: string, error: string): Promise<void> {
  await q.query(
    `UPDATE jobs SET state = 'dead', attempts = attempts - 1, finished_at = now(), locked_by = NULL, locked_until = NULL, last_error = $5
     WHERE id = $1 AND tenant_id IS NOT DISTINCT FROM $2 AND locked_by = $3 AND attempts = $4`,
    [...fence(job, workerId), error],
  );
}

/** Gives a job back at shutdown: due now, and the interrupted run does not count as an attempt. */
export async function releaseJob(q: Queryable, job: ClaimedJob, workerId: string): Promise<void> {
  await q.query(
    `UPDATE jobs SET state = 'queued', attempts = attempts - 1, run_at = now(), locked_by = NULL, locked_until = NULL WHERE id = $1 AND tenant_id IS NOT DISTINCT FROM $2 AND locked_by = $3 AND attempts = $4`,
    fence(job, workerId),
  );
}

/** Whether any job of `types`, in any tenant, is still to run or running (tests drain until there is none). */
export async function hasUnfinishedJobs(q: Queryable, types: readonly string[]): Promise<boolean> {
  const result = await q.query<{ tenant_id: string | null }>(
    `SELECT tenant_id FROM jobs WHERE type = ANY($1::text[]) AND state IN ('queued', 'failed', 'running') LIMIT 1`,
    [[...types]],
  );
  return result.rows.length > 0;
}

export interface JobFilter {
  state?: JobState;
  type?: string;
  limit: number;
}

interface JobRow {
  id: string;
  type: string;
  state: JobState;
  attempts: number;
  max_attempts: number | null;
  run_at: Date | string;
  last_error: string | null;
  dedupe_key: string | null;
  created_at: Date | string;
  finished_at: Date | string | null;
}

const JOB_COLUMNS = 'j.id, j.type, j.state, j.attempts, j.max_attempts, j.run_at, j.last_error, j.dedupe_key, j.created_at, j.finished_at';
const iso = (value: Date | string) => new Date(value).toISOString();

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    type: row.type,
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    runAt: iso(row.run_at),
    lastError: row.last_error,
    dedupeKey: row.dedupe_key,
    createdAt: iso(row.created_at),
    finishedAt: row.finished_at === null ? null : iso(row.finished_at),
  };
}

/** One tenant's jobs, newest first; system jobs (no tenant) never appear. */
export async function listJobs(q: Queryable, tenantId: string, filter: JobFilter): Promise<Job[]> {
  const result = await q.query<JobRow>(
    `SELECT ${JOB_COLUMNS} FROM jobs j
     WHERE j.tenant_id = $1 AND ($2::text IS NULL OR j.state = $2) AND ($3::text IS NULL OR j.type = $3)
     ORDER BY j.created_at DESC, j.id DESC LIMIT $4`,
    [tenantId, filter.state ?? null, filter.type ?? null, filter.limit],
  );
  return result.rows.map(toJob);
}

export interface AdminJob extends Job {
  tenantId: string | null;
  tenantSlug: string | null;
}

/** Every tenant's jobs and the system's, for the operator's CLI only (never an HTTP route). */
export async function listAllJobs(q: Queryable, filter: JobFilter): Promise<AdminJob[]> {
  const result = await q.query<JobRow & { tenant_id: string | null; slug: string | null }>(
    `SELECT ${JOB_COLUMNS}, j.tenant_id, t.slug FROM jobs j LEFT JOIN tenants t ON t.id = j.tenant_id
     WHERE ($1::text IS NULL OR j.state = $1) AND ($2::text IS NULL OR j.type = $2)
     ORDER BY j.created_at DESC, j.id DESC LIMIT $3`,
    [filter.state ?? null, filter.type ?? null, filter.limit],
  );
  return result.rows.map((row) => ({ ...toJob(row), tenantId: row.tenant_id, tenantSlug: row.slug }));
}
