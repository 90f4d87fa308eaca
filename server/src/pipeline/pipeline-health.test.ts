import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';
import { gateCheck } from './pipeline.service.js';

const bj = (local: string) => new Date(`${local}+08:00`).toISOString();
/** Two weeks, Mon 3 Nov – Sun 16 Nov 2025, Beijing time. */
const PERIOD = 'from=2025-11-03&to=2025-11-17';

describe.each(testEngines())('process-health metrics on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;

  beforeAll(async () => {
    db = await engine.open();
    // No background runner: the periodic stall check would alert at the real clock while a test holds its own.
    server = await startTestServer(db, { HUASHU_JOBS: '0' });
    tenant = await server.tenant();
    await server.call('PUT', '/v1/pipeline/stages', {
      key: tenant.secretKey,
      body: {
        stages: [
          { key: 'qualify', name: '线索确认', order: 1 },
          { key: 'discovery', name: '需求调研', order: 2, gate: { requiredFields: ['budget'] } },
          { key: 'demo', name: '方案演示', order: 3, gate: { checklist: { items: [{ key: 'a', label: 'A' }, { key: 'b', label: 'B' }], minChecked: 1 } } },
          { key: 'won', name: '赢单', order: 4 },
        ],
      },
    });
    let n = 0;
    const ev = (type: string, dealId: string, local: string, extra: Record<string, unknown> = {}) => ({ id: `h-${++n}`, type, dealId, at: bj(local), ...extra });
    const r1 = { owner: 'r1', team: 'T1' };
    const r2 = { owner: 'r2', team: 'T1' };
    const move = (dealId: string, local: string, to: string, who: Record<string, string>) => ev('deal.stage_changed', dealId, local, { to, ...who });
    const message = (dealId: string, local: string, from: 'customer' | 'rep') => ev('deal.message', dealId, local, { message: { from } });
    const res = await server.call('POST', '/v1/pipeline/events', {
      key: tenant.secretKey,
      body: {
        events: [
          // r1: four new deals; a1 reaches 方案演示.
          move('a1', '2025-11-03T10:00:00', 'qualify', { ...r1, leadId: 'lead-a1' }),
          move('a1', '2025-11-04T10:00:00', 'discovery', r1),
          move('a1', '2025-11-05T10:00:00', 'demo', r1),
          move('a2', '2025-11-03T11:00:00', 'qualify', r1),
          move('a2', '2025-11-05T11:00:00', 'discovery', r1),
          move('a3', '2025-11-06T10:00:00', 'qualify', r1),
          move('a4', '2025-11-07T10:00:00', 'qualify', r1),
          move('a4', '2025-11-10T10:00:00', 'discovery', r1),
          // r2: one deal, all the way, every gate passed.
          move('b1', '2025-11-04T10:00:00', 'qualify', r2),
          move('b1', '2025-11-05T10:00:00', 'discovery', r2),
          move('b1', '2025-11-06T10:00:00', 'demo', r2),
          move('b1', '2025-11-10T10:00:00', 'won', r2),
          // r3 (team T2): a deal that entered before the period is not new.
          move('c1', '2025-10-20T10:00:00', 'qualify', { owner: 'r3', team: 'T2' }),
          // Files shared: a1 two, a2 one (and one before the period), b1 one.
          ev('deal.file_attached', 'a1', '2025-11-04T11:00:00', { file: { kind: '定制化PPT' } }),
          ev('deal.file_attached', 'a1', '2025-11-06T11:00:00', { file: { kind: '竞品分析' } }),
          ev('deal.file_attached', 'a2', '2025-11-05T12:00:00', { file: { kind: '报价单' } }),
          ev('deal.file_attached', 'a2', '2025-10-30T12:00:00', { file: { kind: '案例集' } }),
          ev('deal.file_attached', 'b1', '2025-11-06T11:00:00', { file: { kind: '定制化PPT' } }),
          // Messages. a1: Tue 20:00 customer (off hours) answered at 21:00; Thu 10:00 customer (working hours), answered.
          message('a1', '2025-11-04T20:00:00', 'customer'),
          message('a1', '2025-11-04T21:00:00', 'rep'),
          message('a1', '2025-11-06T10:00:00', 'customer'),
          message('a1', '2025-11-06T10:30:00', 'rep'),
          // a2: Saturday 11:00 customer, never answered.
          message('a2', '2025-11-08T11:00:00', 'customer'),
          // a3: the rep writes first.
          message('a3', '2025-11-07T15:00:00', 'rep'),
          message('a3', '2025-11-07T16:00:00', 'customer'),
        ],
      },
    });
    expect(res.body).toMatchObject({ rejected: [] });
    // Gate checks made just before the moves (the CRM asks, then moves).
    const ctx = server.running.ctx;
    const before = (local: string) => new Date(new Date(bj(local)).getTime() - 60_000);
    await gateCheck(ctx, tenant.id, { dealId: 'a1', toStage: 'discovery', fields: { budget: '50 万' } }, before('2025-11-04T10:00:00'));
    await gateCheck(ctx, tenant.id, { dealId: 'a1', toStage: 'demo', checklist: ['a'] }, before('2025-11-05T10:00:00'));
    await gateCheck(ctx, tenant.id, { dealId: 'a2', toStage: 'discovery' }, before('2025-11-05T11:00:00'));
    await gateCheck(ctx, tenant.id, { dealId: 'b1', toStage: 'discovery', fields: { budget: '80 万' } }, before('2025-11-05T10:00:00'));
    await gateCheck(ctx, tenant.id, { dealId: 'b1', toStage: 'demo', checklist: ['b'] }, before('2025-11-06T10:00:00'));
    // a1's customer opened two distinct documents in the period (one twice), and one before it.
    const track = (messageId: string, local: string, documentId: string) => ({ messageId, type: 'track', event: 'document_download', leadId: 'lead-a1', properties: { documentId }, timestamp: bj(local) });
    const tracked = await server.call('POST', '/v1/events/batch', {
      key: tenant.publishableKey,
      body: { sentAt: new Date().toISOString(), batch: [track('t1', '2025-11-05T15:00:00', 'whitepaper'), track('t2', '2025-11-06T15:00:00', 'whitepaper'), track('t3', '2025-11-07T15:00:00', 'case-study'), track('t4', '2025-10-28T15:00:00', 'pricing')] },
    });
    expect(tracked.body.accepted).toBe(4);
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  const report = async (query = PERIOD) => {
    const res = await server.call('GET', `/v1/metrics/health?${query}`, { key: tenant.secretKey });
    expect(res.status).toBe(200);
    return res.body;
  };
  const repOf = (body: any, rep: string) => body.reps.find((row: { rep: string }) => row.rep === rep).metrics;

  it('equals the hand-computed values for each rep', async () => {
    const body = await report();
    const r1 = repOf(body, 'r1');
    // 线索培育有效性: a1 of a1–a4 reached 方案演示 → 1/4, healthy at ≥ 25 %.
    expect(r1.leadNurturing).toEqual({ value: 0.25, numerator: 1, denominator: 4, threshold: 0.25, healthy: true });
    // 商机推进合规率: a1→discovery ✓, a1→demo ✓, a2→discovery ✗ (failed), a4→discovery ✗ (never asked) → 2/4.
    expect(r1.progressCompliance).toEqual({ value: 0.5, numerator: 2, denominator: 4, threshold: 0.9, healthy: false });
    // 客户信任指数: documents 3 files + 2 opened = 5 in 2 weeks = 2.5/week → 10 × 2.5/3 = 8.33;
    // off-hours: Tue 20:00 answered, Sat 11:00 not → 0.5 → 5; conversations (24 h gap): a1 Tue, a1 Thu, a2 Sat
    // by the customer, a3 by the rep → 3/4 → 7.5. Index 0.3 × 8.333 + 0.4 × 5 + 0.3 × 7.5 = 6.75.
    const trust = r1.customerTrust;
    expect(trust.components.documentsPerWeek).toMatchObject({ documents: 5, weeks: 2, value: 2.5, score: 8.33 });
    expect(trust.components.offHoursReplyRate).toMatchObject({ received: 2, replied: 1, value: 0.5, score: 5 });
    expect(trust.components.customerInitiated).toMatchObject({ conversations: 4, initiated: 3, value: 0.75, score: 7.5 });
    expect(trust.value).toBe(6.75);
    expect(trust.healthy).toBe(false);

    const r2 = repOf(body, 'r2');
    expect(r2.leadNurturing).toMatchObject({ value: 1, numerator: 1, denominator: 1 });
    expect(r2.progressCompliance).toMatchObject({ value: 1, numerator: 2, denominator: 2, healthy: true });
    // Only documents measurable (no messages): 1 in 2 weeks → 10 × 0.5/3 = 1.67, the index alone.
    expect(r2.customerTrust).toMatchObject({ value: 1.67, healthy: false });
    expect(r2.customerTrust.components.offHoursReplyRate).toMatchObject({ value: null, score: null });

    // r3's deal started before the period: nothing new to nurture.
    expect(repOf(body, 'r3').leadNurturing).toMatchObject({ value: null, denominator: 0, healthy: null });
  });

  it('adds the team up from its deals', async () => {
    const body = await report(`${PERIOD}&team=T1`);
    expect(body.reps.map((row: { rep: string }) => row.rep)).toEqual(['r1', 'r2']);
    const [team] = body.teams;
    expect(team.team).toBe('T1');
    // 2 of 5 new deals reached 方案演示; 4 of 6 gated entries passed.
    expect(team.metrics.leadNurturing).toMatchObject({ value: 0.4, numerator: 2, denominator: 5, healthy: true });
    expect(team.metrics.progressCompliance).toMatchObject({ value: 0.6667, numerator: 4, denominator: 6, healthy: false });
    // 6 documents → 3/week → 10; off-hours 1/2 → 5; conversations 3/4 → 7.5: 3 + 2 + 2.25 = 7.25 ≥ 7.2.
    expect(team.metrics.customerTrust).toMatchObject({ value: 7.25, healthy: true });
  });

  it('applies the tenant’s thresholds and weights', async () => {
    const put = await server.call('PUT', '/v1/metrics/health/settings', {
      key: tenant.secretKey,
      body: { thresholds: { leadNurturing: 0.3 }, trustWeights: { documents: 0.5, offHoursReplies: 0.25, customerInitiated: 0.25 } },
    });
    expect(put.status).toBe(200);
    expect(put.body.thresholds).toEqual({ leadNurturing: 0.3, progressCompliance: 0.9, customerTrust: 7.2 });
    const r1 = repOf(await report(), 'r1');
    expect(r1.leadNurturing).toMatchObject({ value: 0.25, threshold: 0.3, healthy: false });
    // 0.5 × 8.333 + 0.25 × 5 + 0.25 × 7.5 = 7.29.
    expect(r1.customerTrust).toMatchObject({ value: 7.29, healthy: true });
    const bad = await server.call('PUT', '/v1/metrics/health/settings', { key: tenant.secretKey, body: { thresholds: { leadNurturing: 25 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].path).toBe('thresholds.leadNurturing');
  });

  it('gives a rep token of role rep only its own row', async () => {
    const token = await repTokenFor(tenant.secretKey, { repId: 'r2', name: '李娜', role: 'rep' });
    const res = await server.call('GET', `/v1/metrics/health?${PERIOD}`, { key: token });
    expect(res.body.reps.map((row: { rep: string }) => row.rep)).toEqual(['r2']);
  });
});
