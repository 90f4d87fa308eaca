import type { JobDefinition } from '../platform/jobs/index.js';
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

export const signalJobs: readonly JobDefinition[] = [silenceSweepJob];
