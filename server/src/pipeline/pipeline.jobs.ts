import type { JobDefinition } from '../platform/jobs/types.js';
import { detectStalledEverywhere } from './pipeline.service.js';

/** How often stalled deals are looked for. Thresholds are in working days, so a quarter of an hour is prompt enough. */
export const STALL_CHECK_EVERY_MS = 15 * 60_000;

/**
 * The stalled-deal check: one tick runs once across all replicas (the job
 * platform's schedule), and each episode is alerted once however often it runs.
 */
export const stallCheckJob: JobDefinition = {
  type: 'pipeline.stall_check',
  schedule: { everyMs: STALL_CHECK_EVERY_MS },
  async handler(ctx) {
    const alerted = await detectStalledEverywhere(ctx);
    if (alerted > 0) ctx.logger.info({ alerted }, 'stalled deals alerted');
  },
};

export const pipelineJobs: readonly JobDefinition[] = [stallCheckJob];
