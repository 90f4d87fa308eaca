import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';
import { gateCheck, stageStats } from './pipeline.service.js';

/** Beijing local time as an ISO instant. */
const bj = (local: string) => new Date(`${local}+08:00`).toISOString();

const CHECKLIST_STAGES = {
  stages: [
    { key: 'qualify', name: '线索确认', order: 1 },
    {
      key: 'demo',
      name: '方案演示',
      nameEn: 'Solution demo',
      order: 2,
      gate: {
        requiredFiles: [{ kind: '定制化PPT', labelEn: 'Tailored deck' }, '竞品分析'],
        checklist: {
          items: [
            { key: 'bottleneck', label: '已确认产线节拍瓶颈', labelEn: 'Line takt bottleneck confirmed' },
            { key: 'plc', label: '已采集PLC型号', labelEn: 'PLC models collected' },
            { key: 'mes', label: '已获取MES系统截图', labelEn: 'MES screenshots obtained' },
          ],
          minChecked: 2,
        },
      },
    },
    { key: 'negotiation', name: '商务谈判', order: 3, gate: { requiredFields: [{ key: 'budget', label: '预算', labelEn: 'Budget' }], contacts: { min: 1, roles: ['决策人'] } } },
  ],
};

describe.each(testEngines())('pipeline API on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  beforeAll(async () => {
    db = await engine.open();
    // No background runner: the periodic stall check would alert at the real clock while a test holds its own.
    server = await startTestServer(db, { HUASHU_JOBS: '0' });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  const put = (tenant: TestTenant, body: unknown) => server.call('PUT', '/v1/pipeline/stages', { key: tenant.secretKey, body });
  const send = (tenant: TestTenant, events: unknown[]) => server.call('POST', '/v1/pipeline/events', { key: tenant.secretKey, body: { events } });
  const check = (tenant: TestTenant, body: unknown) => server.call('POST', '/v1/pipeline/gate-check', { key: tenant.secretKey, body });

  describe('stages and gates', () => {
    let tenant: TestTenant;
    beforeAll(async () => {
      tenant = await server.tenant();
      expect((await put(tenant, CHECKLIST_STAGES)).status).toBe(200);
    });

    it('refuses a stage defined twice and a checklist asking for more than it has, naming the fields', async () => {
      const res = await put(tenant, {
        stages: [
          { key: 'a', name: 'A', order: 1, gate: { checklist: { items: [{ key: 'x', label: 'X' }], minChecked: 2 } } },
          { key: 'a', name: 'A again', order: 2 },
        ],
      });
      expect(res.status).toBe(400);
      const paths = res.body.error.details.issues.map((issue: { path: string }) => issue.path);
      expect(paths).toEqual(expect.arrayContaining(['stages.0.gate.checklist.minChecked', 'stages.1.key']));
      expect((await server.call('GET', '/v1/pipeline/stages', { key: tenant.secretKey })).body.stages).toHaveLength(3);
    });

    it('allows a 2-of-3 checklist with two items and blocks it with one, naming the missing items in zh and en', async () => {
      const files = ['定制化PPT', { kind: '竞品分析', name: 'vs-competitor.pdf' }];
      const two = await check(tenant, { dealId: 'd-check', toStage: 'demo', files, checklist: ['bottleneck', 'mes'] });
      expect(two.status).toBe(200);
      expect(two.body).toMatchObject({ allowed: true, missing: [], stage: 'demo' });

      const one = await check(tenant, { dealId: 'd-check', toStage: 'demo', files, checklist: { plc: true, mes: false } });
      expect(one.body.allowed).toBe(false);
      expect(one.body.missing.map((m: { kind: string; key: string }) => `${m.kind}:${m.key}`)).toEqual(['checklist:bottleneck', 'checklist:mes']);
      expect(one.body.missing[0].message).toBe('未完成检查项「已确认产线节拍瓶颈」（3 项中至少完成 2 项，已完成 1 项）');
      expect(one.body.missing[1].messages.en).toBe('Checklist item not done: MES screenshots obtained (at least 2 of 3 needed, 1 done)');

      const english = await check(tenant, { dealId: 'd-check', toStage: 'demo', files, checklist: ['plc'], lang: 'en' });
      expect(english.body.missing[0].message).toMatch(/^Checklist item not done: Line takt bottleneck confirmed/);
    });

    it('requires files by kind, counting those attached through events', async () => {
      const none = await check(tenant, { dealId: 'd-files', toStage: 'demo', checklist: ['plc', 'mes'] });
      expect(none.body.missing).toEqual([
        { kind: 'file', key: '定制化PPT', message: '缺少文件「定制化PPT」', messages: { zh: '缺少文件「定制化PPT」', en: 'Missing file: Tailored deck' } },
        { kind: 'file', key: '竞品分析', message: '缺少文件「竞品分析」', messages: { zh: '缺少文件「竞品分析」', en: 'Missing file: 竞品分析' } },
      ]);
      await send(tenant, [{ id: 'f-1', type: 'deal.file_attached', dealId: 'd-files', at: bj('2025-11-03T10:00:00'), file: { kind: '定制化PPT', name: '方案.pptx' } }]);
      const one = await check(tenant, { dealId: 'd-files', toStage: 'demo', checklist: ['plc', 'mes'] });
      expect(one.body.missing.map((m: { key: string }) => m.key)).toEqual(['竞品分析']);
      const both = await check(tenant, { dealId: 'd-files', toStage: 'demo', checklist: ['plc', 'mes'], files: ['竞品分析'] });
      expect(both.body.allowed).toBe(true);
    });

    it('checks required fields and linked contacts by role', async () => {
      const res = await check(tenant, { dealId: 'd-fields', toStage: 'negotiation', fields: { budget: '  ' } });
      expect(res.body.missing.map((m: { kind: string; key: string }) => `${m.kind}:${m.key}`)).toEqual(['field:budget', 'contact:min', 'contact:决策人']);
      await send(tenant, [
        { id: 'c-1', type: 'deal.contact_linked', dealId: 'd-fields', at: bj('2025-11-03T10:00:00'), contact: { name: '刘总', role: '决策人' } },
        { id: 'c-2', type: 'deal.field_updated', dealId: 'd-fields', at: bj('2025-11-03T10:05:00'), fields: { budget: '120 万' } },
      ]);
      expect((await check(tenant, { dealId: 'd-fields', toStage: 'negotiation' })).body).toMatchObject({ allowed: true, missing: [] });
    });

    it('answers 400 naming toStage for a stage that does not exist, and 403 to a rep token', async () => {
      const res = await check(tenant, { dealId: 'd-x', toStage: 'nowhere' });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues[0].path).toBe('toStage');
      const token = await repTokenFor(tenant.secretKey, { repId: 'r1', name: '销售', role: 'rep' });
      expect((await server.call('PUT', '/v1/pipeline/stages', { key: token, body: CHECKLIST_STAGES })).status).toBe(403);
    });
  });

  describe('events from the CRM', () => {
    let tenant: TestTenant;
    beforeAll(async () => {
      tenant = await server.tenant();
      await put(tenant, { stages: [{ key: 'a', name: 'A', order: 1 }, { key: 'b', name: 'B', order: 2 }, { key: 'c', name: 'C', order: 3 }] });
    });
    const stays = async (dealId: string) =>
      (
        await db.query<{ stage: string; from_stage: string | null; to_stage: string | null; entered_at: Date; exited_at: Date | null }>(
          `SELECT stage, from_stage, to_stage, entered_at, exited_at FROM pipeline_stays WHERE tenant_id = $1 AND deal_id = $2 ORDER BY seq`,
          [tenant.id, dealId],
        )
      ).rows.map((row) => ({ stage: row.stage, from: row.from_stage, to: row.to_stage, entered: row.entered_at.toISOString(), exited: row.exited_at?.toISOString() ?? null }));

    it('rejects bad events by index and stores the rest', async () => {
      const res = await send(tenant, [
        { id: 'e-ok', type: 'deal.stage_changed', dealId: 'd1', at: bj('2025-11-03T09:00:00'), to: 'a' },
        { id: 'e-no-to', type: 'deal.stage_changed', dealId: 'd1', at: bj('2025-11-03T09:00:00') },
        { id: 'e-type', type: 'deal.won', dealId: 'd1', at: bj('2025-11-03T09:00:00') },
        { id: 'e-future', type: 'deal.note_added', dealId: 'd1', at: new Date(Date.now() + 86_400_000).toISOString(), note: 'x' },
        'not an event',
      ]);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ accepted: 1, duplicates: 0, deals: 1 });
      expect(res.body.rejected.map((r: { index: number }) => r.index)).toEqual([1, 2, 3, 4]);
      expect(res.body.rejected[0].error).toMatch(/^to: a deal.stage_changed event needs to/);
      expect(res.body.rejected[1].error).toMatch(/^type:/);
      expect(res.body.rejected[2].error).toBe('at: is in the future');
    });

    it('is idempotent on the event id', async () => {
      const event = { id: 'e-dup', type: 'deal.note_added', dealId: 'd1', at: bj('2025-11-03T10:00:00'), note: { text: '首次拜访', author: '王磊' } };
      expect((await send(tenant, [event])).body).toMatchObject({ accepted: 1, duplicates: 0 });
      expect((await send(tenant, [event, { ...event }])).body).toMatchObject({ accepted: 0, duplicates: 2, deals: 0 });
      const stored = await db.query(`SELECT 1 FROM pipeline_events WHERE tenant_id = $1 AND id = 'e-dup'`, [tenant.id]);
      expect(stored.rows).toHaveLength(1);
    });

    it('rebuilds the history in `at` order whatever the arrival order', async () => {
      const changes = [
        { id: 'o-1', type: 'deal.stage_changed', dealId: 'd-order', at: bj('2025-11-03T09:00:00'), to: 'a', region: '华东' },
        { id: 'o-2', type: 'deal.stage_changed', dealId: 'd-order', at: bj('2025-11-05T09:00:00'), from: 'a', to: 'b' },
        { id: 'o-3', type: 'deal.stage_changed', dealId: 'd-order', at: bj('2025-11-06T09:00:00'), from: 'b', to: 'c' },
        { id: 'o-4', type: 'deal.stage_changed', dealId: 'd-order', at: bj('2025-11-07T09:00:00'), from: 'c', to: 'b' },
      ];
      // The last move arrives first, the first one last, in separate requests.
      for (const event of [changes[3], changes[1], changes[2], changes[0]]) await send(tenant, [event]);
      expect(await stays('d-order')).toEqual([
        { stage: 'a', from: null, to: 'b', entered: bj('2025-11-03T09:00:00'), exited: bj('2025-11-05T09:00:00') },
        { stage: 'b', from: 'a', to: 'c', entered: bj('2025-11-05T09:00:00'), exited: bj('2025-11-06T09:00:00') },
        { stage: 'c', from: 'b', to: 'b', entered: bj('2025-11-06T09:00:00'), exited: bj('2025-11-07T09:00:00') },
        { stage: 'b', from: 'c', to: null, entered: bj('2025-11-07T09:00:00'), exited: null },
      ]);
      const deal = await db.query<{ stage: string; region: string }>(`SELECT stage, region FROM pipeline_deals WHERE tenant_id = $1 AND id = 'd-order'`, [tenant.id]);
      expect(deal.rows[0]).toEqual({ stage: 'b', region: '华东' });
    });
  });

  describe('stage statistics', () => {
    let tenant: TestTenant;
    // Asked after every stay below has ended except the deals' last (stage d, not checked).
    const now = new Date(bj('2025-12-01T09:00:00'));
    beforeAll(async () => {
      tenant = await server.tenant();
      await put(tenant, {
        stages: [
          { key: 'a', name: '线索确认', order: 1 },
          { key: 'b', name: '需求调研', order: 2, gate: { requiredFields: ['budget'] } },
          { key: 'c', name: '方案演示', order: 3 },
          { key: 'd', name: '赢单', order: 4, terminal: true },
        ],
      });
      const move = (id: string, dealId: string, local: string, to: string, extra: Record<string, unknown> = {}) => ({ id, type: 'deal.stage_changed', dealId, at: bj(local), to, ...extra });
      await send(tenant, [
        // d1, 华东: a across National Day → b → c → back to b → c → d.
        move('1a', 'd1', '2025-09-26T09:00:00', 'a', { region: '华东', team: '一组' }),
        move('1b', 'd1', '2025-10-13T09:00:00', 'b'),
        move('1c', 'd1', '2025-10-15T09:00:00', 'c'),
        move('1b2', 'd1', '2025-10-16T09:00:00', 'b'),
        move('1c2', 'd1', '2025-10-17T09:00:00', 'c'),
        move('1d', 'd1', '2025-10-20T09:00:00', 'd'),
        // d2, 华东: into b on the 调休 Saturday.
        move('2a', 'd2', '2025-10-09T09:00:00', 'a', { region: '华东', team: '一组' }),
        move('2b', 'd2', '2025-10-11T09:00:00', 'b'),
        move('2d', 'd2', '2025-10-14T09:00:00', 'd'),
        // d3, 华南: half days.
        move('3a', 'd3', '2025-10-20T09:00:00', 'a', { region: '华南', team: '二组' }),
        move('3b', 'd3', '2025-10-24T13:30:00', 'b'),
        move('3d', 'd3', '2025-10-27T09:00:00', 'd'),
      ]);
      // d1 was refused entry to b once, d2 let in; d3 never asked.
      await gateCheck(server.running.ctx, tenant.id, { dealId: 'd1', toStage: 'b' }, new Date(bj('2025-10-13T08:50:00')));
      await gateCheck(server.running.ctx, tenant.id, { dealId: 'd2', toStage: 'b', fields: { budget: '80 万' } }, new Date(bj('2025-10-11T08:50:00')));
    });

    const statsOf = async (groupBy?: 'region' | 'team') => {
      const result = await stageStats(server.running.ctx, tenant.id, { groupBy, to: '2025-11-30' }, now);
      return (stage: string, group: string | null) => result.stats.find((stat) => stat.stage === stage && stat.group === group)!;
    };

    it('computes time in stage per stage and region in working and calendar days (values worked out by hand)', async () => {
      const stat = await statsOf('region');
      // a/华东: d1 7 wd (Fri 26 Sep, Sun 28 调休, 29, 30, 9, 10, Sat 11 调休) over 17 days; d2 Thu 9 + Fri 10 = 2 wd over 2 days.
      // p90 by linear interpolation: 2 + 0.9 × (7 − 2) = 6.5.
      expect(stat('a', '华东')).toMatchObject({ stageName: '线索确认', deals: 2, entries: 2, open: 0, avgWorkingDays: 4.5, p90WorkingDays: 6.5, avgCalendarDays: 9.5, blockingRate: 0, backwardMoves: 0 });
      // a/华南: Mon 20 09:00 → Fri 24 13:30 = 4 days + 4.5 h of 9 = 4.5 wd; 4 days 4.5 h = 4.1875 calendar days.
      expect(stat('a', '华南')).toMatchObject({ deals: 1, avgWorkingDays: 4.5, p90WorkingDays: 4.5, avgCalendarDays: 4.19 });
      // b/华东: d1 2 wd (13→15 Oct), 1 wd (16→17); d2 Sat 11 (调休) + Mon 13 = 2 wd over 3 days.
      // avg 5/3; p90 of [1, 2, 2] = 2; calendar days 1, 2, 3: avg 2.
      // Blocking: d1 failed its check, d2 passed → 1 of 2 deals.
      expect(stat('b', '华东')).toMatchObject({ deals: 2, entries: 3, avgWorkingDays: 1.67, p90WorkingDays: 2, avgCalendarDays: 2, blockingRate: 0.5, blockedDeals: 1 });
      // b/华南: Fri 24 13:30 → Mon 27 09:00 = 4.5 h = 0.5 wd; 2 days 19.5 h = 2.8125 calendar days.
      expect(stat('b', '华南')).toMatchObject({ deals: 1, avgWorkingDays: 0.5, avgCalendarDays: 2.81, blockingRate: 0 });
      // c/华东: d1 1 wd (15→16) and 1 wd (Fri 17 → Mon 20, 3 days); one move back to b.
      expect(stat('c', '华东')).toMatchObject({ deals: 1, entries: 2, avgWorkingDays: 1, avgCalendarDays: 2, backwardMoves: 1, escalations: 0 });
    });

    it('counts again when the working hours change', async () => {
      const stages = (await server.call('GET', '/v1/pipeline/stages', { key: tenant.secretKey })).body.stages;
      await put(tenant, { stages, workingHours: [{ start: '09:00', end: '12:00' }] });
      // a/华南 under 09:00–12:00: Mon 20 to Thu 23 whole mornings, Fri 24 09:00–12:00 before 13:30 → 5 days.
      expect((await statsOf('region'))('a', '华南')).toMatchObject({ avgWorkingDays: 5 });
      await put(tenant, { stages, workingHours: [{ start: '09:00', end: '18:00' }] });
      expect((await statsOf('region'))('a', '华南')).toMatchObject({ avgWorkingDays: 4.5 });
    });

    it('groups by team, or not at all', async () => {
      expect((await statsOf('team'))('b', '一组')).toMatchObject({ deals: 2, entries: 3, avgWorkingDays: 1.67 });
      const all = await stageStats(server.running.ctx, tenant.id, { to: '2025-11-30' }, now);
      expect(all.groups).toEqual(['all']);
      // a: 7, 2, 4.5 → avg 4.5.
      expect(all.stats.find((stat) => stat.stage === 'a')).toMatchObject({ group: 'all', deals: 3, avgWorkingDays: 4.5 });
      expect(all.stats.map((stat) => stat.stage)).toEqual(['a', 'b', 'c', 'd']);
      // Deals end in the terminal stage: counted, not timed.
      expect(all.stats.find((stat) => stat.stage === 'd')).toMatchObject({ deals: 3, open: 3, avgWorkingDays: null, p90WorkingDays: null, avgCalendarDays: null });
    });

    it('serves the statistics and the heatmap over HTTP, with names escaped and values as text', async () => {
      const res = await server.call('GET', '/v1/pipeline/stage-stats?groupBy=region&from=2025-09-01&to=2025-11-30', { key: tenant.secretKey });
      expect(res.status).toBe(200);
      expect(res.body.groups).toEqual(['华东', '华南']);
      expect(res.body.stats.find((s: { stage: string; group: string }) => s.stage === 'a' && s.group === '华东').avgWorkingDays).toBe(4.5);
      const bad = await server.call('GET', '/v1/pipeline/stage-stats?groupBy=colour', { key: tenant.secretKey });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.issues[0].path).toBe('groupBy');

      await put(tenant, { stages: [{ key: 'a', name: '<script>alert(1)</script>', order: 1 }, { key: 'b', name: '需求调研', order: 2 }] });
      const svg = await fetch(`${server.url}/v1/pipeline/heatmap.svg?groupBy=region&to=2025-11-30`, { headers: { authorization: `Bearer ${tenant.secretKey}` } });
      expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      const text = await svg.text();
      expect(text).not.toContain('<script>');
      expect(text).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
      expect(text).toMatch(/<title>&#60;script&#62;alert\(1\)&#60;\/script&#62; · 华东：平均 4.5 个工作日/);
      expect(text).toContain('<desc id="hs-desc">');
    });

    it('shows another tenant nothing', async () => {
      const other = await server.tenant();
      const res = await server.call('GET', '/v1/pipeline/stage-stats?groupBy=region', { key: other.secretKey });
      expect(res.body.stats).toEqual([]);
    });
  });
});
