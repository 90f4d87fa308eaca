import { MAX_PIPELINE_EVENTS } from '@huashu/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testEngines, type TestServer, type TestTenant } from '@huashu/server/testing';
import type { Database } from '@huashu/server';
import { createPipelineClient, PIPELINE_EVENTS_PER_REQUEST, type PipelineClient } from './node.js';

const bj = (local: string) => new Date(`${local}+08:00`).toISOString();

describe('createPipelineClient against the real server', () => {
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;
  let pipeline: PipelineClient;
  beforeAll(async () => {
    db = await testEngines()[0]!.open();
    server = await startTestServer(db);
    tenant = await server.tenant();
    pipeline = createPipelineClient({ endpoint: server.url, secretKey: tenant.secretKey });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  it('keeps its request size to the server’s limit', () => {
    expect(PIPELINE_EVENTS_PER_REQUEST).toBe(MAX_PIPELINE_EVENTS);
  });

  it('defines stages, asks a gate, reports events in parts and reads the statistics', async () => {
    const stages = await pipeline.putStages({
      stages: [
        { key: 'discovery', name: '需求调研', order: 1 },
        { key: 'demo', name: '方案演示', order: 2, gate: { requiredFiles: ['定制化PPT'] } },
      ],
    });
    expect(stages.stages.map((stage) => stage.key)).toEqual(['discovery', 'demo']);
    const gate = await pipeline.gateCheck({ dealId: 'D-1', toStage: 'demo' });
    expect(gate).toMatchObject({ allowed: false, missing: [{ kind: 'file', key: '定制化PPT' }] });

    // More events than one request may carry, one of them bad: its index is the caller's.
    const events = Array.from({ length: PIPELINE_EVENTS_PER_REQUEST + 2 }, (_, index) => ({
      id: `n-${index}`,
      type: 'deal.note_added' as const,
      dealId: `D-${index % 5}`,
      at: bj('2025-11-03T10:00:00'),
      note: `第 ${index} 条跟进`,
    }));
    events.push({ id: 'move', type: 'deal.stage_changed', dealId: 'D-1', at: bj('2025-11-03T09:00:00'), to: 'discovery', region: '华东' } as never);
    events[PIPELINE_EVENTS_PER_REQUEST + 1] = { ...events[PIPELINE_EVENTS_PER_REQUEST + 1]!, at: 'yesterday' };
    const sent = await pipeline.sendEvents(events);
    expect(sent.accepted).toBe(events.length - 1);
    expect(sent.rejected.map((rejected) => rejected.index)).toEqual([PIPELINE_EVENTS_PER_REQUEST + 1]);
    expect((await pipeline.sendEvents(events.slice(0, 3))).duplicates).toBe(3);

    const stats = await pipeline.stageStats({ groupBy: 'region' });
    // The refused gate check counts for 方案演示 (the deal was not known yet, so no region).
    expect(stats.stats).toEqual([
      expect.objectContaining({ stage: 'discovery', group: '华东', deals: 1, open: 1 }),
      expect.objectContaining({ stage: 'demo', group: null, deals: 0, blockingRate: 1, blockedDeals: 1 }),
    ]);
    await expect(pipeline.stalled()).resolves.toEqual({ asOf: expect.any(String), deals: [] });
    await expect(pipeline.health({ from: '2025-11-01', to: '2025-12-01' })).resolves.toMatchObject({ reps: [expect.objectContaining({ deals: 5 })] });
  });

  it('rejects what the server refuses with its error, and a publishable key up front', async () => {
    await expect(pipeline.putStages({ stages: [] })).rejects.toMatchObject({ code: 'validation_failed', status: 400, issues: [expect.objectContaining({ path: 'stages' })] });
    await expect(pipeline.gateCheck({ dealId: 'D-1', toStage: 'nowhere' })).rejects.toMatchObject({ code: 'validation_failed', issues: [expect.objectContaining({ path: 'toStage' })] });
    expect(() => createPipelineClient({ endpoint: server.url, secretKey: tenant.publishableKey })).toThrow(/secret key/);
  });
});
