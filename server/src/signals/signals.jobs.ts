import { JobError, type JobDefinition } from '../platform/jobs/index.js';
import { EVALUATE_JOB, evaluateAgain } from './evaluation.js';
import { sweepSilences } from './signals.service.js';

/** Silence windows are days long; a minute's delay in noticing one closed is nothing. */
export const SILENCE_SWEEP_EVERY_MS = 60_000;

/**
 * The silence sweep, a periodic job: one tick per interval across all
 * replicas, and each due silence is claimed under a row lock, so it fires once.
 */
export const silenceSweepJob: JobDefinition = {
  type: 'signals.silence_sweep',
  schedule: { everyMs: SILENCE_SWEEP_EVERY_MS },
  async handler(ctx) {
    const fired = await sweepSilences(ctx.db);
    if (fired > 0) ctx.logger.info({ fired }, 'silence signals fired');
  },
};

/** A batch whose evaluation failed on ingest, evaluated again (its events were stored regardless). */
export const evaluateJob: JobDefinition = {
  type: EVALUATE_JOB,
  async handler(ctx, job) {
    const payload = job.payload as { messageIds?: unknown; receivedAt?: unknown };
    if (!job.tenantId || !Array.isArray(payload.messageIds) || typeof payload.receivedAt !== 'string') throw new JobError('malformed_payload', 'signals.evaluate needs messageIds and receivedAt', { retry: false });
    const messageIds = payload.messageIds.filter((id): id is string => typeof id === 'string');
    await ctx.db.transaction((tx) => evaluateAgain(tx, job.tenantId!, messageIds, new Date(payload.receivedAt as string)));
  },
};

export const signalJobs: readonly JobDefinition[] = [silenceSweepJob, evaluateJob];
