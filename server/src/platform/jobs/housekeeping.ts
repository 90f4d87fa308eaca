import type { Queryable } from '../db/types.js';
import type { JobDefinition } from './types.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** Long enough to look into last week's runs. */
export const SUCCEEDED_RETENTION_MS = 7 * DAY_MS;
/** Dead jobs are what an operator investigates: kept longer. */
export const DEAD_RETENTION_MS = 30 * DAY_MS;
/**
 * A finished tick matters only while its period lasts (its dedupe key stops a
 * second replica enqueueing it); a one-second dispatcher tick kept for a week
 * would be 600,000 rows. An hour past the period leaves time to look.
 */
export const TICK_RETENTION_MS = HOUR_MS;
/** Consumers have had every dispatched event; a week covers a replay by hand. */
export const OUTBOX_RETENTION_MS = 7 * DAY_MS;
const HOUSEKEEPING_EVERY_MS = HOUR_MS;
/** Deletes in slices so one run never holds a long lock on a big backlog. */
const PRUNE_BATCH = 5_000;

async function inSlices(q: Queryable, sql: string, params: readonly unknown[]): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = (await q.query(sql, [...params, PRUNE_BATCH])).rowCount;
    total += deleted;
    if (deleted < PRUNE_BATCH) return total;
  }
}

/**
 * Deletes finished jobs and dispatched outbox events past their retention,
 * across all tenants. Ticks are only ever enqueued for the current period, so
 * an old tick's dedupe key is never needed again.
 */
export async function pruneFinished(q: Queryable): Promise<{ jobs: number; events: number }> {
  const ticks = await inSlices(
    q,
    `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE tenant_id IS NULL AND dedupe_key LIKE 'schedule:%' AND state IN ('succeeded', 'dead')
       AND run_at + (payload->>'everyMs')::bigint * interval '1 millisecond' < now() - $1::bigint * interval '1 millisecond' LIMIT $2)`,
    [TICK_RETENTION_MS],
  );
  const jobs = await inSlices(
    q,
    `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE (state = 'succeeded' AND finished_at < now() - $1::bigint * interval '1 millisecond')
       OR (state = 'dead' AND finished_at < now() - $2::bigint * interval '1 millisecond') LIMIT $3)`,
    [SUCCEEDED_RETENTION_MS, DEAD_RETENTION_MS],
  );
  const events = await inSlices(
    q,
    `DELETE FROM outbox_events WHERE (tenant_id, id) IN (SELECT tenant_id, id FROM outbox_events
       WHERE dispatched_at < now() - $1::bigint * interval '1 millisecond' LIMIT $2)`,
    [OUTBOX_RETENTION_MS],
  );
  return { jobs: ticks + jobs, events };
}

/** Added to every runner unless turned off: without it, tick rows would pile up forever. */
export function housekeeping(): JobDefinition {
  return {
    type: 'jobs.housekeeping',
    schedule: { everyMs: HOUSEKEEPING_EVERY_MS },
    async handler(ctx) {
      const pruned = await pruneFinished(ctx.db);
      if (pruned.jobs + pruned.events > 0) ctx.logger.info(pruned, 'pruned finished jobs and dispatched outbox events');
    },
  };
}
