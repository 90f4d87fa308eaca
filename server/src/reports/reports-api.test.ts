import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../platform/auth/authenticate.js';
import type { Database } from '../platform/db/types.js';
import { createTask, change } from '../tasks/tasks.service.js';
import { testEngines } from '../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';

/** The reported day: Wednesday 2026-12-02 in Asia/Shanghai = [12-01T16:00Z, 12-02T16:00Z). */
const DAY = '2026-12-02';
const END_OF_DAY = '2026-12-02T16:00:00Z';
const STAGES = { stages: [{ key: 'qualify', name: '线索确认', order: 1 }, { key: 'demo', name: '方案演示', order: 2, stall: { workingDays: 3 } }, { key: 'won', name: '赢单', order: 3, terminal: true }] };

describe.each(testEngines())('reports on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;
  let repA: string;
  const leads: Record<string, string> = {};

  async function lead(key: string, seed: { owner: string; createdAt: string; industry?: string | null; breachedAt?: string }) {
    const res = await server.call('POST', '/v1/leads', { key: tenant.secretKey, body: { name: `客户${key}`, phone: `1390000${String(Object.keys(leads).length).padStart(4, '0')}`, company: `${key}公司`, source: 'website' } });
    leads[key] = res.body.lead.id;
    // The seeded state a day of real traffic would leave: owner, arrival time, industry, SLA breach.
    await db.query(`UPDATE leads SET owner_rep_id = $3, created_at = $4, industry = $5, sla_breached_at = $6 WHERE tenant_id = $1 AND id = $2`, [
      tenant.id,
      res.body.lead.id,
      seed.owner,
      seed.createdAt,
      seed.industry ?? null,
      seed.breachedAt ?? null,
    ]);
  }
  /** An intent score stored as signals leaves it: 100·(1 − e^(−sum)), no decay by the end of the day. */
  async function score(key: string, sum: number) {
    await db.query(`INSERT INTO signal_scores (tenant_id, lead_id, sum, sum_at, half_life_ms) VALUES ($1, $2, $3, $4, $5)`, [tenant.id, leads[key], sum, END_OF_DAY, 7 * 86_400_000]);
  }

  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db, { HUASHU_JOBS: '0' });
    tenant = await server.tenant();
    repA = await repTokenFor(tenant.secretKey, { repId: 'rep-a', name: '王磊' });
    // rep-a's day: five arrivals (three manufacturing — 制造业 and 智能制造), one the evening before, one the minute after midnight.
    await lead('a1', { owner: 'rep-a', createdAt: '2026-12-01T16:30:00Z', industry: '制造业' });
    await lead('a2', { owner: 'rep-a', createdAt: '2026-12-02T02:00:00Z', industry: '制造业', breachedAt: '2026-12-02T05:00:00Z' });
    await lead('a3', { owner: 'rep-a', createdAt: '2026-12-02T06:00:00Z', industry: '智能制造' });
    await lead('a4', { owner: 'rep-a', createdAt: '2026-12-02T09:00:00Z', industry: '金融' });
    await lead('a5', { owner: 'rep-a', createdAt: '2026-12-02T15:59:00Z' });
    await lead('before', { owner: 'rep-a', createdAt: '2026-12-01T15:30:00Z', industry: '制造业', breachedAt: '2026-12-01T10:00:00Z' });
    await lead('after', { owner: 'rep-a', createdAt: '2026-12-02T16:01:00Z', industry: '制造业' });
    await lead('old', { owner: 'rep-a', createdAt: '2026-11-20T02:00:00Z', industry: '制造业' });
    await lead('b1', { owner: 'rep-b', createdAt: '2026-12-02T03:00:00Z', industry: '制造业', breachedAt: '2026-12-02T06:00:00Z' });
    // Hot, but its deal is won: no longer 跟进中.
    await lead('closed', { owner: 'rep-a', createdAt: '2026-11-01T02:00:00Z', industry: '制造业' });
    // High intent (≥ 60): old (86, with a deal in its stage since 11-28 02:00Z) and a2 (86, no deal: since it arrived); a3 is warm only (39).
    await score('old', 2);
    await score('a2', 2);
    await score('a3', 0.5);
    await score('b1', 2);
    await score('closed', 2);
    await server.call('PUT', '/v1/pipeline/stages', { key: tenant.secretKey, body: STAGES });
    const events = [
      { id: 'h1', type: 'deal.stage_changed', dealId: 'D-HOT', at: '2026-11-28T02:00:00Z', to: 'qualify', owner: 'rep-a', leadId: leads['old'] },
      { id: 's1', type: 'deal.stage_changed', dealId: 'D-STALL', at: '2026-11-25T02:00:00Z', to: 'demo', owner: 'rep-a' },
      { id: 'b1', type: 'deal.stage_changed', dealId: 'D-B', at: '2026-11-25T02:00:00Z', to: 'demo', owner: 'rep-b' },
      { id: 'w1', type: 'deal.stage_changed', dealId: 'D-WON', at: '2026-11-26T02:00:00Z', to: 'won', owner: 'rep-a', leadId: leads['closed'] },
    ];
    expect((await server.call('POST', '/v1/pipeline/events', { key: tenant.secretKey, body: { events } })).body.accepted).toBe(4);
    // Tasks: rep-a asked for two (one overdue by the day's end), was assigned one by rep-b, cancelled one; rep-b has one of their own.
    const ctx = server.running.ctx;
    const secret: Principal = { kind: 'secret', tenantId: tenant.id, keyId: 'test' };
    const at = (iso: string) => new Date(iso);
    await createTask(ctx, secret, { type: 'presales_support', assigneeRole: 'presales', due: '2026-12-02T08:00:00Z', actor: { id: 'rep-a' } }, at('2026-12-02T01:00:00Z'));
    await createTask(ctx, secret, { type: 'presales_support', assigneeRole: 'presales', due: '2026-12-05T08:00:00Z', actor: { id: 'rep-a' } }, at('2026-12-02T02:00:00Z'));
    await createTask(ctx, secret, { type: 'contract_review', assignee: 'rep-a', actor: { id: 'rep-b' } }, at('2026-12-02T03:00:00Z'));
    const cancelled = await createTask(ctx, secret, { type: 'presales_support', assigneeRole: 'presales', actor: { id: 'rep-a' } }, at('2026-12-02T04:00:00Z'));
    await change(ctx, secret, cancelled.task.id, { status: 'cancelled', actor: { id: 'rep-a' } }, at('2026-12-02T05:00:00Z'));
    await createTask(ctx, secret, { type: 'presales_support', assigneeRole: 'presales', actor: { id: 'rep-b' } }, at('2026-12-02T04:00:00Z'));
    // Created after the day: not in its report.
    await createTask(ctx, secret, { type: 'presales_support', assigneeRole: 'presales', actor: { id: 'rep-a' } }, at('2026-12-02T17:00:00Z'));
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  const daily = (key: string, query: string) => server.call('GET', `/v1/reports/daily?${query}`, { key });

  it('counts what was seeded for the rep’s day (Asia/Shanghai)', async () => {
    const res = await daily(repA, `date=${DAY}`);
    expect(res.status).toBe(200);
    const report = res.body;
    expect(report).toMatchObject({ rep: 'rep-a', date: DAY, from: '2026-12-01T16:00:00.000Z', to: '2026-12-02T16:00:00.000Z' });
    expect(report.newLeads).toMatchObject({ total: 5, manufacturing: 3 });
    // old: 11-28 02:00Z → 12-02 16:00Z = 4.58 days → 4.6; a2: 02:00Z → 16:00Z = 0.58 → 0.6; mean 2.6.
    expect(report.highIntent).toMatchObject({ customers: 2, avgStalledDays: 2.6, threshold: 60 });
    expect(report.highIntent.leads.map((row: { leadId: string; stalledDays: number }) => [row.leadId, row.stalledDays]).sort()).toEqual([[leads['a2'], 0.6], [leads['old'], 4.6]].sort());
    expect(report.pendingTasks).toMatchObject({ total: 3, overdue: 1 });
    expect(report.slaBreaches.total).toBe(1);
    expect(report.slaBreaches.leads[0].leadId).toBe(leads['a2']);
    expect(report.stalledDeals.total).toBe(1);
    expect(report.stalledDeals.deals[0]).toMatchObject({ dealId: 'D-STALL', stage: 'demo' });
    expect(report.headline[0]).toBe('今日新增线索 5 条（其中制造业 3 条）');
    expect(report.headline[1]).toBe('跟进中高意向客户 2 家（平均停滞 2.6 天）');
    expect(report.headline[2]).toBe('待处理跨部门协同任务 3 项（逾期 1 项）');
  });

  it('answers Markdown with the same figures', async () => {
    const res = await server.call('GET', `/v1/reports/daily?date=${DAY}&format=md`, { key: repA });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/markdown');
    const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
    expect(text).toContain(`# 销售日报 ${DAY}`);
    expect(text).toContain('- 今日新增线索 5 条（其中制造业 3 条）');
    expect(text).toContain('D-STALL');
  });

  it('gives a rep their own report only; a manager or the secret key any rep’s or the team’s', async () => {
    expect((await daily(repA, `date=${DAY}&rep=rep-b`)).status).toBe(403);
    const manager = await repTokenFor(tenant.secretKey, { repId: 'mgr', name: '孙涛', role: 'reviewer' });
    const b = await daily(manager, `date=${DAY}&rep=rep-b`);
    expect(b.body).toMatchObject({ rep: 'rep-b', newLeads: { total: 1, manufacturing: 1 }, highIntent: { customers: 1 }, slaBreaches: { total: 1 }, stalledDeals: { total: 1 }, pendingTasks: { total: 2 } });
    const team = await daily(tenant.secretKey, `date=${DAY}`);
    expect(team.body).toMatchObject({ rep: null, newLeads: { total: 6, manufacturing: 4 }, highIntent: { customers: 3 }, slaBreaches: { total: 2 }, stalledDeals: { total: 2 }, pendingTasks: { total: 4 } });
    expect((await daily(tenant.secretKey, 'date=2026-13-01')).status).toBe(400);
  });

  it('puts the lead’s journey on one chronological timeline with its breaks flagged, and answers 404 across tenants', async () => {
    const id = leads['old']!;
    await server.call('POST', '/v1/events/batch', {
      key: tenant.publishableKey,
      body: { sentAt: new Date().toISOString(), batch: [{ messageId: 'm-1', type: 'track', event: 'document_download', leadId: id, properties: { documentId: 'plc' }, timestamp: '2026-11-27T03:00:00Z' }] },
    });
    await server.call('POST', '/v1/pipeline/events', {
      key: tenant.secretKey,
      body: { events: [{ id: 'n1', type: 'deal.note_added', dealId: 'D-HOT', at: '2026-11-29T03:00:00Z', note: { text: '客户要看工厂', author: '王磊' } }] },
    });
    await db.query(`UPDATE leads SET sla_breached_at = '2026-11-21T02:00:00Z', first_response_due_at = '2026-11-21T02:00:00Z' WHERE tenant_id = $1 AND id = $2`, [tenant.id, id]);
    const task = await server.call('POST', '/v1/tasks', { key: repA, body: { type: 'presales_support', leadId: id, assigneeRole: 'presales', due: '2026-11-30T02:00:00Z', role: 'sales' } });
    expect(task.status).toBe(201);

    const res = await server.call('GET', `/v1/leads/${id}/timeline`, { key: repA });
    expect(res.status).toBe(200);
    const events = res.body.events as Array<{ at: string; kind: string; source: string; actor?: string; role?: string; summary: string; flagged?: boolean }>;
    const times = events.map((event) => Date.parse(event.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const kinds = events.map((event) => event.kind);
    for (const kind of ['lead.created', 'touchpoint', 'sla_breach', 'event', 'deal.stage_changed', 'deal.note_added', 'task.created', 'task.overdue']) expect(kinds).toContain(kind);
    expect(new Set(events.map((event) => event.source))).toEqual(new Set(['leads', 'tracking', 'pipeline', 'tasks']));
    expect(events.filter((event) => event.flagged).map((event) => event.kind).sort()).toEqual(['sla_breach', 'task.overdue']);
    expect(res.body.breaks).toBe(2);
    expect(events.find((event) => event.kind === 'deal.note_added')).toMatchObject({ actor: '王磊', source: 'pipeline' });
    expect(events.find((event) => event.kind === 'task.created')).toMatchObject({ actor: 'rep-a', role: 'sales', source: 'tasks' });

    const stalled = await server.call('GET', `/v1/leads/${leads['a1']}/timeline`, { key: tenant.secretKey });
    expect(stalled.status).toBe(200);
    const other = await server.tenant();
    expect((await server.call('GET', `/v1/leads/${id}/timeline`, { key: other.secretKey })).status).toBe(404);
    // A rep sees the timeline of their own leads only.
    const repB = await repTokenFor(tenant.secretKey, { repId: 'rep-b', name: '李娜' });
    expect((await server.call('GET', `/v1/leads/${id}/timeline`, { key: repB })).status).toBe(404);
  });
});
