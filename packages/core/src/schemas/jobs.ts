import { z } from 'zod';
import { IsoDateTime } from './common.js';

/**
 * `failed` = the last attempt failed and a retry is scheduled at `runAt`;
 * `dead` = out of attempts (or failed permanently), nothing more happens.
 */
export const JobState = z.enum(['queued', 'running', 'succeeded', 'failed', 'dead']);
export type JobState = z.infer<typeof JobState>;

export const Job = z.object({
  id: z.string(),
  type: z.string(),
  state: JobState,
  /** Attempts started so far (a running job counts its current one). */
  attempts: z.number().int(),
  /** `null` = the job type's default. */
  maxAttempts: z.number().int().nullable(),
  runAt: IsoDateTime,
  /** The error class, code and message of the last failure — never lead data. */
  lastError: z.string().nullable(),
  dedupeKey: z.string().nullable(),
  createdAt: IsoDateTime,
  finishedAt: IsoDateTime.nullable(),
});
export type Job = z.infer<typeof Job>;

export const DEFAULT_JOB_LIST_LIMIT = 50;
export const MAX_JOB_LIST_LIMIT = 500;

export const JobListQuery = z
  .object({
    state: JobState.optional(),
    type: z.string().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_JOB_LIST_LIMIT).default(DEFAULT_JOB_LIST_LIMIT),
  })
  .strict();
export type JobListQuery = z.input<typeof JobListQuery>;

/** Newest first. */
export const JobListResponse = z.object({ jobs: z.array(Job) });
export type JobListResponse = z.infer<typeof JobListResponse>;
