import { DEFAULT_HEALTH_THRESHOLDS, DEFAULT_TRUST_WEIGHTS } from '@huashu/core';
import { describe, expect, it } from 'vitest';
import { detectStalledEverywhere, findStalled } from '../pipeline/index.js';
import { testEngines } from '../testing/engines.js';
import { useTestServer } from '../testing/suite.js';
import { repTokenFor, type TestTenant } from '../testing/test-server.js';

const DAY = 24 * 3600_000;
/** Both deals entered `qualify` this long ago: 15–22 working days whatever the holidays. */
const QUIET_DAYS = 30;
/** The live threshold is beyond the deals' quiet time, the pilot's well within it. */
const LIVE_STALL_DAYS = 40;
const PILOT_STALL_DAYS = 5;

const LIVE_STAGES = {
  stages: [
    { key: 'qualify', name: '线索确认', order: 1, stall: { workingDays: LIVE_STALL_DAYS } },
    { key: 'demo', name: '方案演示', order: 2 },
    { key: 'won', name: '赢单', order: 3, terminal: true },
  ],
};
/** The manager's change: entering the demo needs 2 of 3 checks, and a quiet lead is flagged sooner. */
const PILOT_STAGES = {
  stages: [
    { key: 'qualify', name: '线索确认', order: 1, stall: { workingDays: PILOT_STALL_DAYS } },
    {
      key: 'demo',
      name: '方案演示',
      order: 2,
      gate: {
        checklist: {
          items: [
            { key: 'budget', label: '已确认预算' },
            { key: 'decision_maker', label: '已接触决策人' },
            { key: 'pain', label: '已确认痛点' },
          ],
          minChecked: 2,
        },
      },
    },
    { key: 'won', name: '赢单', order: 3, terminal: true },
  ],
};
const PILOT_HEALTH = { thresholds: { leadNurturing: 0.6 }, trustWeights: { documents: 0.6, offHoursReplies: 0.2, customerInitiated: 0.2 } };

describe.each(testEngines())('pipeline and health pilots on $name', (engine) => {
  // No background runner: the stall check would alert while the test reads.
  const suite = useTestServer(engine, { HUASHU_JOBS: '0' });
  const { call } = suite;

  /** A tenant with the live stages and one deal each for the pilot rep and another rep, both quiet in `qualify`. */
  async function tenantWithDeals(): Promise<{ t: TestTenant; manager: string }> {
    const t = await suite.server.tenant();
    const manager = await repTokenFor(t.secretKey, { repId: 'director', name: '周总监', role: 'admin' });
    expect((await call('PUT', '/v1/pipeline/stages', t.secretKey, LIVE_STAGES)).status).toBe(200);
    const at = new Date(Date.now() - QUIET_DAYS * DAY).toISOString();
    const events = [
      { id: 'a-1', type: 'deal.stage_changed', dealId: 'deal-a', at, to: 'qualify', owner: 'pilot-rep', team: '华东一组' },
      { id: 'b-1', type: 'deal.stage_changed', dealId: 'deal-b', at, to: 'qualify', owner: 'other-rep', team: '华东一组' },
    ];
    expect((await call('POST', '/v1/pipeline/events', t.secretKey, { events })).body).toMatchObject({ accepted: 2, rejected: [] });
    return { t, manager };
  }

  const pilotFor = (repIds: string[]) => ({ repIds, from: new Date(Date.now() - DAY).toISOString(), until: new Date(Date.now() + 14 * DAY).toISOString() });

  it('gates and stall thresholds of a pilot rep’s deals follow the pilot’s stages, everyone else’s the live ones; discard restores, publish makes them everyone’s', async () => {
    const { t, manager } = await tenantWithDeals();
    const gate = async (dealId: string) => {
      const res = await call('POST', '/v1/pipeline/gate-check', t.secretKey, { dealId, toStage: 'demo', checklist: ['budget'] });
      expect(res.status).toBe(200);
      return res.body as { allowed: boolean; missing: Array<{ kind: string; key: string }> };
    };
    const stalled = async () => (await findStalled(suite.ctx, t.id)).map((deal) => `${deal.dealId}:${deal.thresholdWorkingDays}`).sort();
    expect([(await gate('deal-a')).allowed, (await gate('deal-b')).allowed]).toEqual([true, true]);
    expect(await stalled()).toEqual([]);

    const draft = await call('POST', '/v1/console/rule-sets/pipeline-stages/versions', manager, { content: PILOT_STAGES, note: '试点：演示前三项检查至少两项' });
    expect(draft.status).toBe(201);
    // The draft alone changes nothing.
    expect((await gate('deal-a')).allowed).toBe(true);
    const pilot = await call('POST', `/v1/console/rule-sets/pipeline-stages/versions/${draft.body.version}/pilot`, manager, pilotFor(['pilot-rep']));
    expect(pilot.status).toBe(200);

    const blocked = await gate('deal-a');
    expect(blocked.allowed).toBe(false);
    expect(blocked.missing.map((m) => `${m.kind}:${m.key}`)).toEqual(['checklist:decision_maker', 'checklist:pain']);
    expect((await gate('deal-b')).allowed).toBe(true);
    expect(await stalled()).toEqual([`deal-a:${PILOT_STALL_DAYS}`]);
    // The live stages are untouched while the pilot runs.
    expect((await call('GET', '/v1/pipeline/stages', t.secretKey)).body.stages[1].gate).toBeUndefined();

    expect((await call('POST', `/v1/console/rule-sets/pipeline-stages/versions/${draft.body.version}/discard`, manager)).status).toBe(200);
    expect((await gate('deal-a')).allowed).toBe(true);
    expect(await stalled()).toEqual([]);

    const second = await call('POST', '/v1/console/rule-sets/pipeline-stages/versions', manager, { content: PILOT_STAGES });
    expect((await call('POST', `/v1/console/rule-sets/pipeline-stages/versions/${second.body.version}/publish`, manager)).status).toBe(200);
    expect([(await gate('deal-a')).allowed, (await gate('deal-b')).allowed]).toEqual([false, false]);
    expect(await stalled()).toEqual([`deal-a:${PILOT_STALL_DAYS}`, `deal-b:${PILOT_STALL_DAYS}`]);
  });

  it('the periodic stall check alerts a pilot rep’s quiet deal when only the pilot has a stall threshold', async () => {
    const t = await suite.server.tenant();
    const manager = await repTokenFor(t.secretKey, { repId: 'director', name: '周总监', role: 'admin' });
    const noThresholds = { stages: LIVE_STAGES.stages.map(({ stall: _stall, ...stage }) => stage) };
    expect((await call('PUT', '/v1/pipeline/stages', t.secretKey, noThresholds)).status).toBe(200);
    const at = new Date(Date.now() - QUIET_DAYS * DAY).toISOString();
    const events = [
      { id: 'a-1', type: 'deal.stage_changed', dealId: 'deal-a', at, to: 'qualify', owner: 'pilot-rep' },
      { id: 'b-1', type: 'deal.stage_changed', dealId: 'deal-b', at, to: 'qualify', owner: 'other-rep' },
    ];
    expect((await call('POST', '/v1/pipeline/events', t.secretKey, { events })).body).toMatchObject({ accepted: 2 });
    const draft = await call('POST', '/v1/console/rule-sets/pipeline-stages/versions', manager, { content: PILOT_STAGES });
    expect((await call('POST', `/v1/console/rule-sets/pipeline-stages/versions/${draft.body.version}/pilot`, manager, pilotFor(['pilot-rep']))).status).toBe(200);
    await detectStalledEverywhere(suite.ctx);
    const alerts = await suite.db.query<{ data: { deal: { id: string } } }>(`SELECT data FROM outbox_events WHERE tenant_id = $1 AND type = 'deal.stalled'`, [t.id]);
    expect(alerts.rows.map((row) => row.data.deal.id)).toEqual(['deal-a']);
  });

  it('scores a pilot rep’s health row with the pilot’s thresholds and weights, everyone else’s and the teams’ with the live ones', async () => {
    const { t, manager } = await tenantWithDeals();
    type Row = { rep: string; metrics: { leadNurturing: { threshold: number }; customerTrust: { components: { documentsPerWeek: { weight: number } } } } };
    const rows = async () => {
      const body = (await call('GET', '/v1/metrics/health', t.secretKey)).body as { reps: Row[]; teams: Array<{ metrics: Row['metrics'] }> };
      const of = (metrics: Row['metrics']) => [metrics.leadNurturing.threshold, metrics.customerTrust.components.documentsPerWeek.weight];
      return { ...Object.fromEntries(body.reps.map((row) => [row.rep, of(row.metrics)])), team: of(body.teams[0]!.metrics) };
    };
    const live = [DEFAULT_HEALTH_THRESHOLDS.leadNurturing, DEFAULT_TRUST_WEIGHTS.documents];
    const piloted = [PILOT_HEALTH.thresholds.leadNurturing, PILOT_HEALTH.trustWeights.documents];
    expect(await rows()).toEqual({ 'pilot-rep': live, 'other-rep': live, team: live });

    const draft = await call('POST', '/v1/console/rule-sets/health-settings/versions', manager, { content: PILOT_HEALTH });
    expect((await call('POST', `/v1/console/rule-sets/health-settings/versions/${draft.body.version}/pilot`, manager, pilotFor(['pilot-rep']))).status).toBe(200);
    expect(await rows()).toEqual({ 'pilot-rep': piloted, 'other-rep': live, team: live });
    expect((await call('GET', '/v1/metrics/health/settings', t.secretKey)).body.thresholds.leadNurturing).toBe(DEFAULT_HEALTH_THRESHOLDS.leadNurturing);

    expect((await call('POST', `/v1/console/rule-sets/health-settings/versions/${draft.body.version}/discard`, manager)).status).toBe(200);
    expect(await rows()).toEqual({ 'pilot-rep': live, 'other-rep': live, team: live });

    const second = await call('POST', '/v1/console/rule-sets/health-settings/versions', manager, { content: PILOT_HEALTH });
    expect((await call('POST', `/v1/console/rule-sets/health-settings/versions/${second.body.version}/publish`, manager)).status).toBe(200);
    expect(await rows()).toEqual({ 'pilot-rep': piloted, 'other-rep': piloted, team: piloted });
  });
});
