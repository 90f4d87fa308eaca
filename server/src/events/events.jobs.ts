import type { AppContext } from '../platform/context.js';
import type { JobDefinition } from '../platform/jobs/types.js';
import { dropEventsBefore, ensureMonthPartitions, monthStart } from './events.store.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/**
 * Month partitions kept ready beyond the current one: a server that stays
 * down over a month boundary still finds next month's partition waiting.
 */
export const PARTITION_MONTHS_AHEAD = 2;
/** Partitions are made months ahead, so a few runs a day leave a wide margin. */
const PARTITIONS_EVERY_MS = 6 * HOUR_MS;

/**
 * Where retention cuts: the start of the month holding `now − days`, so whole
 * partitions go and an event's messageId leaves the ledger together with it.
 */
export function retentionCutoff(now: Date, days: number): Date {
  return monthStart(new Date(now.getTime() - days * DAY_MS));
}

/** Creates the coming months' partitions, then applies HUASHU_EVENTS_RETENTION_DAYS when set. */
export async function maintainEventPartitions(ctx: Pick<AppContext, 'db' | 'config' | 'logger'>, now = new Date()): Promise<{ created: string[]; dropped: string[]; rows: number }> {
  const created = await ensureMonthPartitions(ctx.db, now, PARTITION_MONTHS_AHEAD);
  const days = ctx.config.HUASHU_EVENTS_RETENTION_DAYS;
  const expired = days ? await dropEventsBefore(ctx.db, retentionCutoff(now, days)) : { partitions: [], rows: 0 };
  if (created.length + expired.partitions.length + expired.rows > 0) {
    ctx.logger.info({ created, dropped: expired.partitions, rows: expired.rows }, 'event partitions maintained');
  }
  return { created, dropped: expired.partitions, rows: expired.rows };
}

export const eventPartitionsJob: JobDefinition = {
  type: 'events.partitions',
  schedule: { everyMs: PARTITIONS_EVERY_MS },
  handler: async (ctx) => {
    await maintainEventPartitions(ctx);
  },
};
