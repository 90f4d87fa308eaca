import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';
import { seedPipelineDemo } from './demo.js';
import { findStalled, healthReport, stageStats } from './pipeline.service.js';

describe.each(testEngines())('demo pipeline on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;
  const now = new Date();
  beforeAll(async () => {
    db = await engine.open();
    // No background runner: the periodic stall check would alert at the real clock while a test holds its own.
    server = await startTestServer(db, { HUASHU_JOBS: '0' });
    tenant = await server.tenant();
    await seedPipelineDemo(server.running.ctx, { id: tenant.id, name: 'demo', slug: 'demo' } as never, now);
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  it('seeds deals in every region with a bottleneck to see, the quiet deals in 合同审核 alerted', async () => {
    const stats = await stageStats(server.running.ctx, tenant.id, { groupBy: 'industry' }, now);
    expect(stats.groups).toEqual(expect.arrayContaining(['制造业', '医院信息化', '零售', '金融']));
    const slowest = (industry: string) => stats.stats.filter((s) => s.group === industry && s.stage !== 'won').sort((a, b) => (b.avgWorkingDays ?? 0) - (a.avgWorkingDays ?? 0))[0]!.stage;
    expect(slowest('医院信息化')).toBe('poc');
    expect(stats.stats.some((stat) => (stat.blockingRate ?? 0) > 0)).toBe(true);
    const stalled = await findStalled(server.running.ctx, tenant.id, now);
    const review = stalled.filter((deal) => deal.stage === 'contract_review');
    expect(review.map((deal) => deal.dealId).sort()).toEqual(['demo-deal-001', 'demo-deal-002', 'demo-deal-003']);
    expect(review.every((deal) => deal.alertedAt !== null && deal.lastNotes[0] === '合同已提交客户法务，等待反馈')).toBe(true);
    const health = await healthReport(server.running.ctx, tenant.id, {}, now);
    expect(health.teams.map((team) => team.team).sort()).toEqual(['华东一组', '华北行业组', '华南大客户部']);
    expect(health.teams.every((team) => team.metrics.progressCompliance.value !== null)).toBe(true);
    // The demo page signs in as demo-rep-01 (王磊): his own row has something in it.
    const own = health.reps.find((row) => row.rep === 'demo-rep-01')!;
    expect(own.deals).toBeGreaterThan(0);
    expect(own.metrics.customerTrust.value).not.toBeNull();
  });
});
