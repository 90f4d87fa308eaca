import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../platform/auth/key-store.js';
import { loadConfig } from '../platform/config.js';
import type { Database } from '../platform/db/types.js';
import { createLogger } from '../platform/logger.js';
import { testEngines } from '../testing/engines.js';
import { maintainEventPartitions, PARTITION_MONTHS_AHEAD, retentionCutoff } from './events.jobs.js';
import { eventsByMessageIds, ingestBatch, listEvents } from './events.service.js';
import { ensureMonthPartitions, monthPartitions, monthStart } from './events.store.js';

const DAY_MS = 24 * 60 * 60 * 1000;

describe.each(testEngines())('events partitioned by month on $name', (engine) => {
  let db: Database;
  let tenantId: string;
  const now = new Date('2026-12-03T08:00:00Z');
  const ctx = (retentionDays?: string) => ({
    db,
    config: loadConfig({ LOG_LEVEL: 'silent', ...(retentionDays ? { HUASHU_EVENTS_RETENTION_DAYS: retentionDays } : {}) }),
    logger: createLogger('silent'),
  });
  const send = (messageId: string, timestamp: Date, receivedAt: Date, sentAt = receivedAt) =>
    ingestBatch(db, tenantId, { sentAt: sentAt.toISOString(), batch: [{ messageId, type: 'track', event: 'page_dwell', leadId: 'lead-1', properties: { activeSeconds: 30 }, timestamp: timestamp.toISOString() }] }, receivedAt);
  const partitionOf = async (messageId: string) =>
    (await db.query<{ p: string }>(`SELECT tableoid::regclass::text AS p FROM events WHERE tenant_id = $1 AND message_id = $2`, [tenantId, messageId])).rows.map((row) => row.p);

  beforeAll(async () => {
    db = await engine.open();
    tenantId = (await createTenant(db, { name: 'partitions', slug: 'partitions' })).id;
    await maintainEventPartitions(ctx(), now);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('keeps this month and the next ones ready, and stores an event in its month', async () => {
    const names = (await monthPartitions(db)).map((partition) => partition.name);
    expect(names).toEqual(expect.arrayContaining(['events_p202612', 'events_p202701', 'events_p202702']));
    expect(names).toHaveLength(PARTITION_MONTHS_AHEAD + 1);
    expect(await send('m-now', now, now)).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(await partitionOf('m-now')).toEqual(['events_p202612']);
  });

  it('stores a messageId once even when a retry lands it in another month', async () => {
    const firstSeen = new Date('2026-12-31T23:59:00Z');
    expect(await send('m-retry', firstSeen, firstSeen)).toMatchObject({ accepted: 1 });
    // The same event re-sent a day later with a device clock a day off: its corrected time falls in January.
    const retriedAt = new Date(firstSeen.getTime() + DAY_MS);
    expect(await send('m-retry', firstSeen, retriedAt, firstSeen)).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await partitionOf('m-retry')).toEqual(['events_p202612']);
  });

  it('lands an event outside every month partition in the default one, and moves it when its month is created', async () => {
    const later = new Date('2027-06-15T10:00:00Z');
    expect(await send('m-june', later, later)).toMatchObject({ accepted: 1 });
    expect(await partitionOf('m-june')).toEqual(['events_default']);
    expect(await ensureMonthPartitions(db, later, 0)).toEqual(['events_p202706']);
    expect(await partitionOf('m-june')).toEqual(['events_p202706']);
    expect(await send('m-june', later, later)).toMatchObject({ accepted: 0, duplicates: 1 });
  });

  it('reads across partitions through the service as before', async () => {
    const found = await eventsByMessageIds(db, tenantId, ['m-now', 'm-retry', 'm-june']);
    expect(found.map((event) => event.messageId)).toEqual(['m-now', 'm-retry', 'm-june']);
    const listed = await listEvents(db, tenantId, { leadIds: ['lead-1'], names: ['page_dwell'], from: new Date('2026-01-01T00:00:00Z'), to: new Date('2028-01-01T00:00:00Z'), limit: 10 });
    expect(listed.map((event) => event.messageId)).toEqual(['m-now', 'm-retry', 'm-june']);
  });

  it('drops whole months past the retention and forgets their messageIds, keeping everything newer', async () => {
    const old = new Date('2025-03-10T00:00:00Z');
    await ensureMonthPartitions(db, old, 0);
    expect(await send('m-old-partition', old, old)).toMatchObject({ accepted: 1 });
    const older = new Date('2024-01-05T00:00:00Z');
    expect(await send('m-old-default', older, older)).toMatchObject({ accepted: 1 });
    expect(await partitionOf('m-old-default')).toEqual(['events_default']);

    const result = await maintainEventPartitions(ctx('365'), now);
    expect(retentionCutoff(now, 365)).toEqual(monthStart(new Date('2025-12-03T08:00:00Z')));
    expect(result.dropped).toEqual(['events_p202503']);
    expect(result.rows).toBe(1);
    expect(await partitionOf('m-old-partition')).toEqual([]);
    expect(await partitionOf('m-old-default')).toEqual([]);
    const kept = await eventsByMessageIds(db, tenantId, ['m-now', 'm-retry', 'm-june']);
    expect(kept).toHaveLength(3);
    const ledger = await db.query<{ message_id: string }>(`SELECT message_id FROM event_message_ids WHERE tenant_id = $1 ORDER BY message_id`, [tenantId]);
    expect(ledger.rows.map((row) => row.message_id)).toEqual(['m-june', 'm-now', 'm-retry']);
  });

  it('leaves everything alone without a retention setting', async () => {
    const before = (await monthPartitions(db)).map((partition) => partition.name);
    const result = await maintainEventPartitions(ctx(), now);
    expect(result).toEqual({ created: [], dropped: [], rows: 0 });
    expect((await monthPartitions(db)).map((partition) => partition.name)).toEqual(before);
  });
});
