import type { JobDefinition } from '../platform/jobs/index.js';
import { sweepSlaBreaches } from './leads.service.js';

/** How often unanswered leads are checked against their first-response deadline. */
export const SLA_SWEEP_EVERY_MS = 15_000;

/**
 * The SLA breach sweep, a periodic job: the runner enqueues one tick per
 * interval across all replicas, and `sweepSlaBreaches` marks each breached
 * lead once (row locks, SKIP LOCKED), emitting `lead.sla_breached` in the same
 * transaction. A failed tick is simply retried by the next one.
 */
export const slaBreachJob: JobDefinition = {
  type: 'leads.sla_sweep',
  schedule: { everyMs: SLA_SWEEP_EVERY_MS },
  async handler(ctx) {
    const breached = await sweepSlaBreaches(ctx.db);
    if (breached > 0) ctx.logger.info({ breached }, 'first-response SLA breaches recorded');
  },
};
