import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';
import { slaBreachJob } from './leads.jobs.js';
import { sweepSlaBreaches } from './leads.service.js';

describe.each(testEngines())('assignment and first-response SLA on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db);
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  let phoneCounter = 0;
  const nextPhone = () => `1370000${String(++phoneCounter).padStart(4, '0')}`;
  const post = (tenant: TestTenant, body: Record<string, unknown> = {}) => server.call('POST', '/v1/leads', { key: tenant.secretKey, body: { phone: nextPhone(), source: 'website', ...body } });
  const rules = (tenant: TestTenant, list: unknown[]) => server.call('PUT', '/v1/assignment-rules', { key: tenant.secretKey, body: { rules: list } });
  const events = async (tenant: TestTenant, type: string) =>
    (await db.query<{ data: { lead: { id: string } } }>(`SELECT data FROM outbox_events WHERE tenant_id = $1 AND type = $2 ORDER BY created_at`, [tenant.id, type])).rows.map((row) => row.data);

  it('round-robins over the reps, and records the rule and why in zh and en', async () => {
    const tenant = await server.tenant();
    expect((await rules(tenant, [{ id: 'rr', name: '全部线索', match: {}, strategy: 'round-robin', reps: [{ id: 'a', name: '王磊' }, { id: 'b', name: '李娜' }, { id: 'c', name: '张伟' }] }])).status).toBe(200);
    const assignees: string[] = [];
    for (let i = 0; i < 6; i++) assignees.push((await post(tenant)).body.lead.assignee.id);
    expect(assignees).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
    const lead = (await post(tenant)).body.lead;
    expect(lead.assignmentReason).toMatchObject({ ruleId: 'rr', ruleName: '全部线索', strategy: 'round_robin' });
    expect(lead.assignmentReason.zh).toContain('规则「全部线索」');
    expect(lead.assignmentReason.zh).toContain('轮询分配给 王磊');
    expect(lead.assignmentReason.en).toContain('round-robin → 王磊');
    const assigned = await events(tenant, 'lead.assigned');
    expect(assigned).toHaveLength(7);
    expect(assigned[0]).toMatchObject({ assignee: { id: 'a', name: '王磊' }, rule: { id: 'rr' } });
  });

  it('keeps round-robin fair under concurrency', async () => {
    const tenant = await server.tenant();
    await rules(tenant, [{ id: 'rr', match: {}, strategy: 'round_robin', reps: [{ id: 'a' }, { id: 'b' }] }]);
    const results = await Promise.all(Array.from({ length: 20 }, () => post(tenant)));
    const counts = results.reduce<Record<string, number>>((acc, res) => ({ ...acc, [res.body.lead.assignee.id]: (acc[res.body.lead.assignee.id] ?? 0) + 1 }), {});
    expect(counts).toEqual({ a: 10, b: 10 });
  });

  it('matches on source, region, industry and campaign, in rule order', async () => {
    const tenant = await server.tenant();
    await rules(tenant, [
      { id: 'hospital', name: '医疗信息化', match: { industry: '医疗', region: ['上海', '浙江'] }, strategy: 'round_robin', reps: [{ id: 'li', name: '李娜' }] },
      { id: 'douyin', match: { source: 'douyin', campaign: '2025Q4 智能制造获客' }, strategy: 'round_robin', reps: [{ id: 'zhang', name: '张伟' }] },
      { id: 'rest', match: {}, strategy: 'round_robin', reps: [{ id: 'wang', name: '王磊' }] },
    ]);
    const hospital = await post(tenant, { fields: { industry: '医疗', region: '上海' } });
    expect(hospital.body.lead).toMatchObject({ industry: '医疗', region: '上海', assignee: { id: 'li' } });
    expect(hospital.body.lead.assignmentReason.zh).toContain('行业=医疗');
    expect((await post(tenant, { fields: { industry: '医疗', region: '北京' } })).body.lead.assignee.id).toBe('wang');
    expect((await post(tenant, { source: 'DouYin', campaign: '2025Q4 智能制造获客' })).body.lead.assignee.id).toBe('zhang');
    expect((await post(tenant, { source: 'douyin' })).body.lead.assignee.id).toBe('wang');
  });

  it('respects daily capacity, falls through to the next rule, and says when nobody is left', async () => {
    const tenant = await server.tenant();
    await rules(tenant, [
      { id: 'expo', match: { source: 'expo' }, strategy: 'round_robin', reps: [{ id: 'a', dailyCapacity: 1 }, { id: 'b' }], dailyCapacity: 2 },
      { id: 'overflow', match: { source: 'expo' }, strategy: 'least_loaded', reps: [{ id: 'z', name: '赵经理', dailyCapacity: 1 }] },
    ]);
    const assignees: (string | null)[] = [];
    for (let i = 0; i < 5; i++) assignees.push((await post(tenant, { source: 'expo' })).body.lead.assignee?.id ?? null);
    // a takes 1, b takes 2 (the rule's default), z takes 1 from the next rule, then nobody.
    expect(assignees).toEqual(['a', 'b', 'b', 'z', null]);
    const last = (await server.call('GET', '/v1/leads?limit=1', { key: tenant.secretKey })).body.leads[0];
    expect(last.assignmentReason.zh).toContain('均已达上限');
    expect(last.assignmentReason.en).toContain("at today's capacity");
    const none = await rules(tenant, []);
    expect(none.status).toBe(200);
    expect((await post(tenant)).body.lead.assignee).toBeNull();
  });

  it('gives least-loaded leads to the rep with the fewest open leads', async () => {
    const tenant = await server.tenant();
    await rules(tenant, [{ id: 'll', match: {}, strategy: 'least_loaded', reps: [{ id: 'a', name: '王磊' }, { id: 'b', name: '李娜' }] }]);
    const first = (await post(tenant)).body.lead;
    const second = (await post(tenant)).body.lead;
    expect([first.assignee.id, second.assignee.id]).toEqual(['a', 'b']);
    // a answers their lead: a has no open lead left, b has one.
    const token = await repTokenFor(tenant.secretKey, { repId: 'a', name: '王磊' });
    expect((await server.call('POST', `/v1/leads/${first.id}/first-response`, { key: token })).status).toBe(200);
    const third = (await post(tenant)).body.lead;
    expect(third.assignee.id).toBe('a');
    expect(third.assignmentReason.zh).toContain('待跟进 0 条');
    expect(third.assignmentReason.en).toContain('least-loaded → 王磊 (0 open leads');
  });

  it('refuses malformed rules, naming the field', async () => {
    const tenant = await server.tenant();
    const dup = await rules(tenant, [
      { id: 'x', match: {}, strategy: 'round_robin', reps: [{ id: 'a' }] },
      { id: 'x', match: {}, strategy: 'round_robin', reps: [{ id: 'a' }, { id: 'a' }] },
    ]);
    expect(dup.status).toBe(400);
    expect(dup.body.error.details.issues.map((issue: { path: string }) => issue.path)).toEqual(['rules.1.id', 'rules.1.reps.1.id']);
    const bad = await rules(tenant, [{ id: 'y', match: { colour: 'red' }, strategy: 'random', reps: [] }]);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((issue: { path: string }) => issue.path)).toEqual(expect.arrayContaining(['rules.0.match.colour', 'rules.0.strategy', 'rules.0.reps']));
  });

  /** Waits until `at` has passed on the clock the database compares with. */
  const until = async (at: string) => {
    while (Date.now() <= new Date(at).getTime() + 50) await new Promise((resolve) => setTimeout(resolve, 100));
  };

  it('fires lead.sla_breached once for an unanswered lead past its deadline, and lists it as overdue', async () => {
    const tenant = await server.tenant();
    const source = await server.call('POST', '/v1/lead-sources', { key: tenant.secretKey, body: { slug: 'fast-form', preset: 'web_form', firstResponseSla: 'PT2S' } });
    expect(source.status).toBe(201);
    const late = (await post(tenant, { source: 'fast-form' })).body.lead;
    const answered = (await post(tenant, { source: 'fast-form' })).body.lead;
    const relaxed = (await post(tenant, { source: 'website' })).body.lead;
    expect(new Date(late.firstResponseDueAt).getTime() - new Date(late.createdAt).getTime()).toBe(2000);
    expect(new Date(relaxed.firstResponseDueAt).getTime() - new Date(relaxed.createdAt).getTime()).toBe(48 * 3600_000);
    const responded = await server.call('POST', `/v1/leads/${answered.id}/first-response`, { key: tenant.secretKey });
    expect(responded.body).toMatchObject({ alreadyResponded: false, lead: { id: answered.id, overdue: false } });
    expect(responded.body.lead.firstRespondedAt).not.toBeNull();
    await until(late.firstResponseDueAt);

    const overdue = await server.call('GET', '/v1/leads?overdue=true', { key: tenant.secretKey });
    expect(overdue.body.leads.map((lead: { id: string }) => lead.id)).toEqual([late.id]);
    // Replicas sweeping at the same moment, then again later: one event.
    const ctx = server.running.ctx;
    await Promise.all([sweepSlaBreaches(db), sweepSlaBreaches(db), slaBreachJob.handler(ctx, {} as never)]);
    await sweepSlaBreaches(db);
    const breaches = await events(tenant, 'lead.sla_breached');
    expect(breaches.map((data) => data.lead.id)).toEqual([late.id]);
    expect(breaches[0]).toMatchObject({ dueAt: late.firstResponseDueAt });
    const stored = (await server.call('GET', `/v1/leads/${late.id}`, { key: tenant.secretKey })).body.lead;
    expect(stored).toMatchObject({ overdue: true, slaBreachedAt: expect.any(String) });

    // A late response stops the clock: no longer overdue, the breach stays on record.
    await server.call('POST', `/v1/leads/${late.id}/first-response`, { key: tenant.secretKey });
    expect((await server.call('GET', '/v1/leads?overdue=true', { key: tenant.secretKey })).body.leads).toEqual([]);
    const again = await server.call('POST', `/v1/leads/${late.id}/first-response`, { key: tenant.secretKey });
    expect(again.body.alreadyResponded).toBe(true);
    expect((await server.call('GET', `/v1/leads/${late.id}`, { key: tenant.secretKey })).body.lead.slaBreachedAt).toBe(stored.slaBreachedAt);
  });

  it('lets a rep stop the clock only on its own leads', async () => {
    const tenant = await server.tenant();
    await rules(tenant, [{ id: 'rr', match: {}, strategy: 'round_robin', reps: [{ id: 'a' }, { id: 'b' }] }]);
    const mine = (await post(tenant)).body.lead;
    const theirs = (await post(tenant)).body.lead;
    const token = await repTokenFor(tenant.secretKey, { repId: 'a', name: '王磊' });
    expect((await server.call('POST', `/v1/leads/${theirs.id}/first-response`, { key: token })).status).toBe(404);
    const ok = await server.call('POST', `/v1/leads/${mine.id}/first-response`, { key: token });
    expect(ok.status).toBe(200);
    expect(ok.body.lead.firstRespondedAt).not.toBeNull();
  });
});
