import type { JobDefinition } from '../platform/jobs/index.js';
import { learn, tenantsDueForTraining } from '../knowledge/knowledge.service.js';
import { LEARN_JOB } from './assistant.service.js';

/** Tenants retrained per catch-up tick; the rest wait for the next one. */
const CATCH_UP_TENANTS = 50;
/** The catch-up tick: tenants whose outcomes arrived without a queued retraining (e.g. written before a crash). */
const CATCH_UP_EVERY_MS = 10 * 60_000;

export const assistantJobs: readonly JobDefinition[] = [
  {
    // Queued (debounced) by outcome reports that carry an askId.
    type: LEARN_JOB,
    async handler(ctx, job) {
      if (job.tenantId) await learn(ctx, job.tenantId);
    },
  },
  {
    type: `${LEARN_JOB}.catch-up`,
    schedule: { everyMs: CATCH_UP_EVERY_MS },
    async handler(ctx) {
      for (const tenantId of await tenantsDueForTraining(ctx.db, CATCH_UP_TENANTS)) await learn(ctx, tenantId);
    },
  },
];
