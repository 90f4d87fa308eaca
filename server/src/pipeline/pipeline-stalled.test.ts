import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';
import { createJobRunner } from '../platform/jobs/index.js';
import { pipelineJobs } from './pipeline.jobs.js';
import { detectStalled, findStalled, stageStats } from './pipeline.service.js';

const bj = (local: string) => new Date(`${local}+08:00`).toISOString();

describe.each(testEngines())('stalled deals on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;
  // Mon 3 Nov 2025 09:00 → Tue 11 Nov 09:00 is six working days (no holiday in between).
  const entered = bj('2025-11-03T09:00:00');
  const now = new Date(bj('2025-11-11T09:00:00'));

  const alerts = async () =>
    (await db.query<{ id: string; data: any }>(`SELECT id, data FROM outbox_events WHERE tenant_id = $1 AND type = 'deal.stalled' ORDER BY created_at, id`, [tenant.id])).rows;

  beforeAll(async () => {
    db = await engine.open();
    // No background runner: the periodic stall check would alert at the real clock while a test holds its own.
    server = await startTestServer(db, { HUASHU_JOBS: '0' });
    tenant = await server.tenant();
    const put = await server.call('PUT', '/v1/pipeline/stages', {
      key: tenant.secretKey,
      body: {
        stages: [
          { key: 'negotiation', name: '商务谈判', order: 5 },
          { key: 'contract_review', name: '合同审核', order: 6, stall: { workingDays: 5 }, alert: ['owner', 'manager', '法务'] },
        ],
      },
    });
    expect(put.status).toBe(200);
    const base = { owner: 'rep-wang', manager: 'mgr-zhou', team: '华东一组', region: '华东' };
    const note = (id: string, dealId: string, local: string, text: string) => ({ id, type: 'deal.note_added', dealId, at: bj(local), note: { text, author: '王磊' } });
    const res = await server.call('POST', '/v1/pipeline/events', {
      key: tenant.secretKey,
      body: {
        // Notes arrive before the moves they follow, newest first: the order they are sent in must not matter.
        events: [
          note('q-n4', 'quiet', '2025-10-31T16:00:00', '客户法务要求修改违约条款'),
          note('q-n3', 'quiet', '2025-10-30T11:00:00', '报价已确认，进入合同流程'),
          note('q-n2', 'quiet', '2025-10-29T10:00:00', '财务对付款节点有异议'),
          note('q-n1', 'quiet', '2025-10-20T10:00:00', '首次拜访'),
          { id: 'q-r', type: 'deal.stage_changed', dealId: 'quiet', at: entered, from: 'negotiation', to: 'contract_review', ...base },
          { id: 'q-s', type: 'deal.stage_changed', dealId: 'quiet', at: bj('2025-10-20T09:00:00'), to: 'negotiation', ...base },
          { id: 'b-s', type: 'deal.stage_changed', dealId: 'busy', at: entered, to: 'contract_review', ...base, owner: 'rep-li' },
          note('b-n1', 'busy', '2025-11-07T10:00:00', '客户已盖章，等待回寄'),
        ],
      },
    });
    expect(res.body).toMatchObject({ accepted: 8, rejected: [] });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  it('alerts a deal six working days in 合同审核 without a note, once, with its last three notes; not one with a recent note', async () => {
    const alerted = await detectStalled(server.running.ctx, tenant.id, now);
    expect(alerted.map((deal) => deal.dealId)).toEqual(['quiet']);
    expect(alerted[0]).toMatchObject({
      stage: 'contract_review',
      stageName: '合同审核',
      workingDays: 6,
      thresholdWorkingDays: 5,
      since: entered,
      lastNotes: ['客户法务要求修改违约条款', '报价已确认，进入合同流程', '财务对付款节点有异议'],
      recipients: [
        { role: 'owner', id: 'rep-wang' },
        { role: 'manager', id: 'mgr-zhou' },
        { role: '法务', id: null },
      ],
    });
    const [event, ...more] = await alerts();
    expect(more).toEqual([]);
    expect(event!.data.deal).toMatchObject({ id: 'quiet', stage: 'contract_review', owner: 'rep-wang' });
    expect(event!.data.lastNotes).toEqual(['客户法务要求修改违约条款', '报价已确认，进入合同流程', '财务对付款节点有异议']);

    // The next ticks, an hour and a day later: the same episode, no second alert.
    expect(await detectStalled(server.running.ctx, tenant.id, new Date(now.getTime() + 3_600_000))).toEqual([]);
    expect(await detectStalled(server.running.ctx, tenant.id, new Date(now.getTime() + 86_400_000))).toEqual([]);
    expect(await alerts()).toHaveLength(1);
    const listed = await findStalled(server.running.ctx, tenant.id, now);
    expect(listed.map((deal) => [deal.dealId, deal.alertedAt !== null])).toEqual([['quiet', true]]);
    // The stall counts as an escalation in 合同审核.
    const stats = await stageStats(server.running.ctx, tenant.id, { groupBy: 'region' }, now);
    expect(stats.stats.find((stat) => stat.stage === 'contract_review')).toMatchObject({ group: '华东', escalations: 1 });
  });

  it('ends the episode with a new note; a later stall is a new episode', async () => {
    await server.call('POST', '/v1/pipeline/events', {
      key: tenant.secretKey,
      body: { events: [{ id: 'q-n5', type: 'deal.note_added', dealId: 'quiet', at: bj('2025-11-11T10:00:00'), note: '已催促客户法务' }] },
    });
    const open = await db.query(`SELECT 1 FROM pipeline_stall_episodes WHERE tenant_id = $1 AND deal_id = 'quiet' AND ended_at IS NULL`, [tenant.id]);
    expect(open.rows).toEqual([]);
    // Tue 11 Nov 10:00 → Wed 19 Nov 10:00: six working days again.
    const later = await detectStalled(server.running.ctx, tenant.id, new Date(bj('2025-11-19T10:00:00')));
    // Longest quiet first: busy since Fri 7 Nov, quiet since its new note.
    expect(later.map((deal) => [deal.dealId, deal.lastNotes[0]])).toEqual([
      ['busy', '客户已盖章，等待回寄'],
      ['quiet', '已催促客户法务'],
    ]);
    expect(await alerts()).toHaveLength(3);
  });

  it('lists stalled deals over HTTP; a rep sees only their own', async () => {
    const all = await server.call('GET', '/v1/pipeline/stalled', { key: tenant.secretKey });
    expect(all.status).toBe(200);
    expect(all.body.deals.map((deal: { dealId: string }) => deal.dealId).sort()).toEqual(['busy', 'quiet']);
    const quiet = all.body.deals.find((deal: { dealId: string }) => deal.dealId === 'quiet');
    expect(quiet.lastNotes).toEqual(['已催促客户法务', '客户法务要求修改违约条款', '报价已确认，进入合同流程']);
    const token = await repTokenFor(tenant.secretKey, { repId: 'rep-li', name: '李娜', role: 'rep' });
    const own = await server.call('GET', '/v1/pipeline/stalled', { key: token });
    expect(own.body.deals.map((deal: { dealId: string }) => deal.dealId)).toEqual(['busy']);
  });

  it('runs as a periodic job: one tick alerts every tenant’s stalled deals once', async () => {
    const other = await server.tenant();
    await server.call('PUT', '/v1/pipeline/stages', { key: other.secretKey, body: { stages: [{ key: 'review', name: '合同审核', order: 1, stall: { workingDays: 5 } }] } });
    const month = new Date(Date.now() - 30 * 86_400_000).toISOString();
    await server.call('POST', '/v1/pipeline/events', { key: other.secretKey, body: { events: [{ id: 'j-1', type: 'deal.stage_changed', dealId: 'job-deal', at: month, to: 'review', owner: 'rep-j' }] } });
    const runner = createJobRunner(server.running.ctx, pipelineJobs, { housekeeping: false });
    await runner.runOnce();
    await runner.runOnce();
    const sent = await db.query<{ data: any }>(`SELECT data FROM outbox_events WHERE tenant_id = $1 AND type = 'deal.stalled'`, [other.id]);
    expect(sent.rows.map((row) => [row.data.deal.id, row.data.recipients])).toEqual([['job-deal', [{ role: 'owner', id: 'rep-j' }, { role: 'manager', id: null }]]]);
    await runner.stop();
  });
});
