import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';

const DAY = 24 * 3600_000;

const RULES = {
  halfLife: 'P7D',
  weights: [
    { id: 'poc_requested', event: 'poc_requested', weight: 0.5, label: { zh: '主动索要POC环境', en: 'Asked for a POC environment' } },
    { id: 'demo_booked', event: 'demo_booked', weight: 0.3, label: { zh: '预约演示', en: 'Booked a demo' } },
  ],
  sequences: [],
  silences: [],
  thresholds: [{ score: 70, event: 'lead.hot' }],
};
/** The manager's change: a POC request says more. */
const PILOT_RULES = { ...RULES, weights: RULES.weights.map((rule) => (rule.id === 'poc_requested' ? { ...rule, weight: 1.2 } : rule)) };

const STAGES = {
  stages: [
    { key: 'qualify', name: '线索确认', order: 1 },
    { key: 'discovery', name: '需求调研', order: 2 },
    { key: 'won', name: '赢单', order: 3, terminal: true },
  ],
};

describe.each(testEngines())('the manager’s console on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;
  let admin: string;
  let reviewer: string;
  let rep: string;
  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db, { HUASHU_JOBS: '0' });
    tenant = await server.tenant();
    admin = await repTokenFor(tenant.secretKey, { repId: 'mgr-admin', name: '周总监', role: 'admin' });
    reviewer = await repTokenFor(tenant.secretKey, { repId: 'mgr-review', name: '吴经理', role: 'reviewer' });
    rep = await repTokenFor(tenant.secretKey, { repId: 'rep-a', name: '王磊', role: 'rep' });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  const call = (method: string, path: string, key: string, body?: unknown) => server.call(method, path, { key, ...(body === undefined ? {} : { body }) });

  describe('role-based access to configuration routes', () => {
    const writes: [string, string, unknown][] = [
      ['PUT', '/v1/signal-rules', RULES],
      ['POST', '/v1/signal-rules/dry-run', { rules: RULES, days: 7 }],
      ['GET', '/v1/signal-rules/versions', undefined],
      ['PUT', '/v1/pipeline/stages', STAGES],
      ['POST', '/v1/pipeline/gate-check', { dealId: 'd-1', toStage: 'discovery' }],
      ['PUT', '/v1/metrics/health/settings', {}],
      ['GET', '/v1/lead-sources', undefined],
      ['GET', '/v1/assignment-rules', undefined],
      ['PUT', '/v1/assignment-rules', { rules: [] }],
      ['GET', '/v1/console/rule-sets/signal-rules/versions', undefined],
      ['POST', '/v1/console/rule-sets/signal-rules/versions', { content: RULES }],
      ['GET', '/v1/console/audit', undefined],
    ];
    it.each(writes)('%s %s refuses a rep-role token with 403', async (method, path, body) => {
      const res = await call(method, path, rep, body);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toMatch(/role (reviewer or admin|admin)/);
    });

    it('accepts an admin token on the configuration routes and a reviewer on the reading ones, but not a reviewer writing rules', async () => {
      expect((await call('PUT', '/v1/pipeline/stages', admin, STAGES)).status).toBe(200);
      expect((await call('PUT', '/v1/signal-rules', admin, RULES)).status).toBe(200);
      expect((await call('GET', '/v1/signal-rules/versions', reviewer)).status).toBe(200);
      expect((await call('POST', '/v1/signal-rules/dry-run', reviewer, { rules: RULES, days: 7 })).status).toBe(200);
      expect((await call('GET', '/v1/assignment-rules', reviewer)).status).toBe(200);
      expect((await call('PUT', '/v1/assignment-rules', admin, { rules: [] })).status).toBe(200);
      expect((await call('GET', '/v1/console/audit', reviewer)).status).toBe(200);
      expect((await call('PUT', '/v1/signal-rules', reviewer, RULES)).status).toBe(403);
      expect((await call('POST', '/v1/console/rule-sets/signal-rules/versions', reviewer, { content: RULES })).status).toBe(403);
    });
  });

  describe('draft → pilot → published', () => {
    it('names the field of a bad draft and stores nothing', async () => {
      const t = await server.tenant();
      const bad = { ...RULES, weights: [{ ...RULES.weights[0], weight: 'heavy' }] };
      const res = await call('POST', '/v1/console/rule-sets/signal-rules/versions', t.secretKey, { content: bad });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'content.weights.0.weight' })]));
      expect((await call('GET', '/v1/console/rule-sets/signal-rules/versions', t.secretKey)).body.versions).toEqual([]);
    });

    it('scores the pilot reps’ leads with the pilot version and everyone else’s with the live one, then publishes to all with an audit trail', async () => {
      const t = await server.tenant();
      const manager = await repTokenFor(t.secretKey, { repId: 'director', name: '周总监', role: 'admin' });
      expect((await call('PUT', '/v1/signal-rules', t.secretKey, RULES)).status).toBe(200);
      expect(
        (await call('PUT', '/v1/assignment-rules', t.secretKey, { rules: [{ id: 'rr', name: '全部', match: {}, strategy: 'round-robin', reps: [{ id: 'pilot-rep', name: '王磊' }, { id: 'other-rep', name: '李娜' }] }] }))
          .status,
      ).toBe(200);
      let phone = 13_700_000_000;
      const lead = async () => (await call('POST', '/v1/leads', t.secretKey, { source: 'web', name: '测试', phone: String(++phone) })).body.lead as { id: string; assignee: { id: string } };
      const [a, b] = [await lead(), await lead()];
      expect([a.assignee.id, b.assignee.id]).toEqual(['pilot-rep', 'other-rep']);
      const batch = [a, b].map((l) => ({ messageId: randomUUID(), type: 'track', event: 'poc_requested', leadId: l.id, timestamp: new Date(Date.now() - 60_000).toISOString() }));
      expect((await server.call('POST', '/v1/events/batch', { key: t.publishableKey, body: { sentAt: new Date().toISOString(), batch } })).body.rejected).toEqual([]);
      const score = async (id: string) => (await call('GET', `/v1/leads/${id}`, t.secretKey)).body.lead.intent.score as number;
      const before = [await score(a.id), await score(b.id)];
      expect(before[0]).toBe(before[1]);

      // The draft changes nothing for anyone.
      const draft = await call('POST', '/v1/console/rule-sets/signal-rules/versions', manager, { content: PILOT_RULES, note: '试点' });
      expect(draft.status).toBe(201);
      expect(draft.body).toMatchObject({ version: 1, status: 'draft', createdBy: 'rep:director' });
      expect([await score(a.id), await score(b.id)]).toEqual(before);

      // Working hours clock every stay of the tenant, so a stages pilot that changes them is refused.
      const stagesDraft = await call('POST', '/v1/console/rule-sets/pipeline-stages/versions', manager, { content: { ...STAGES, workingHours: [{ start: '08:00', end: '17:00' }] } });
      expect((await call('POST', `/v1/console/rule-sets/pipeline-stages/versions/${stagesDraft.body.version}/pilot`, manager, { repIds: ['pilot-rep'], until: new Date(Date.now() + DAY).toISOString() })).status).toBe(409);

      const pilot = await call('POST', '/v1/console/rule-sets/signal-rules/versions/1/pilot', manager, {
        repIds: ['pilot-rep'],
        from: new Date(Date.now() - DAY).toISOString(),
        until: new Date(Date.now() + 14 * DAY).toISOString(),
      });
      expect(pilot.status).toBe(200);
      expect(pilot.body).toMatchObject({ status: 'pilot', pilot: { repIds: ['pilot-rep'] } });
      const during = [await score(a.id), await score(b.id)];
      expect(during[0]).toBeGreaterThan(before[0]!);
      expect(during[1]).toBe(before[1]);
      // The live rules are untouched while the pilot runs.
      expect((await call('GET', '/v1/signal-rules', t.secretKey)).body.version).toBe(1);
      // A second pilot of the same rules waits for the first.
      const second = await call('POST', '/v1/console/rule-sets/signal-rules/versions', manager, { content: RULES });
      expect((await call('POST', `/v1/console/rule-sets/signal-rules/versions/${second.body.version}/pilot`, manager, { repIds: ['other-rep'], until: new Date(Date.now() + DAY).toISOString() })).status).toBe(409);

      const comparison = await call('GET', '/v1/console/rule-sets/signal-rules/versions/1/comparison', manager);
      expect(comparison.status).toBe(200);
      expect(comparison.body).toMatchObject({ version: 1, pilot: { reps: expect.any(Number) }, rest: { reps: expect.any(Number) }, intent: { pilot: { leads: 1, mean: during[0] }, rest: { leads: 1, mean: during[1] } } });

      const published = await call('POST', '/v1/console/rule-sets/signal-rules/versions/1/publish', manager);
      expect(published.body).toMatchObject({ status: 'published' });
      const live = await call('GET', '/v1/signal-rules', t.secretKey);
      expect(live.body).toMatchObject({ version: 2, rules: { weights: [{ id: 'poc_requested', weight: 1.2 }, { id: 'demo_booked' }] } });
      // Published: the pilot no longer applies, the live version does (for new events, as every signal-rule change).
      const listed = await call('GET', '/v1/console/rule-sets/signal-rules/versions', manager);
      expect(listed.body.versions.map((v: { version: number; status: string }) => [v.version, v.status])).toEqual([
        [2, 'draft'],
        [1, 'published'],
      ]);
      expect((await call('POST', '/v1/console/rule-sets/signal-rules/versions/1/discard', manager)).status).toBe(409);

      const audit = (await call('GET', '/v1/console/audit?ruleSet=signal-rules', manager)).body.entries as Array<{ action: string; actor: string; changes: Array<{ path: string; before: unknown; after: unknown }> }>;
      expect(audit.map((entry) => entry.action)).toEqual(['published', 'draft_created', 'piloted', 'draft_created']);
      expect(audit.every((entry) => entry.actor === 'rep:director')).toBe(true);
      expect(audit.at(-1)!.changes).toEqual([{ path: 'weights.0.weight', before: 0.5, after: 1.2 }]);
    });

    it('publishes a stage draft: reordered stages and a 2-of-3 checklist change gate-check', async () => {
      const t = await server.tenant();
      const manager = await repTokenFor(t.secretKey, { repId: 'director', name: '周总监', role: 'admin' });
      expect((await call('PUT', '/v1/pipeline/stages', t.secretKey, STAGES)).status).toBe(200);
      const gate = () => call('POST', '/v1/pipeline/gate-check', manager, { dealId: 'deal-1', toStage: 'discovery', checklist: ['bottleneck'] });
      expect((await gate()).body.allowed).toBe(true);
      const checklist = { minChecked: 2, items: [{ key: 'bottleneck', label: '已确认产线节拍瓶颈' }, { key: 'plc', label: '已采集PLC型号' }, { key: 'budget', label: '已确认预算' }] };
      const content = { stages: [STAGES.stages[1]!, STAGES.stages[0]!, STAGES.stages[2]!].map((stage, index) => ({ ...stage, order: index + 1, ...(stage.key === 'discovery' ? { gate: { checklist } } : {}) })) };
      const draft = await call('POST', '/v1/console/rule-sets/pipeline-stages/versions', manager, { content });
      expect(draft.status).toBe(201);
      expect((await call('POST', `/v1/console/rule-sets/pipeline-stages/versions/${draft.body.version}/publish`, manager)).status).toBe(200);
      const stages = (await call('GET', '/v1/pipeline/stages', manager)).body.stages as Array<{ key: string }>;
      expect(stages.map((stage) => stage.key)).toEqual(['discovery', 'qualify', 'won']);
      const refused = await gate();
      expect(refused.body.allowed).toBe(false);
      expect(refused.body.missing.map((missing: { kind: string; key: string }) => [missing.kind, missing.key])).toEqual([
        ['checklist', 'plc'],
        ['checklist', 'budget'],
      ]);
      expect((await call('POST', '/v1/pipeline/gate-check', manager, { dealId: 'deal-1', toStage: 'discovery', checklist: ['bottleneck', 'plc'] })).body.allowed).toBe(true);
      const audit = (await call('GET', '/v1/console/audit?ruleSet=pipeline-stages', manager)).body.entries as Array<{ action: string; changes: Array<{ path: string }> }>;
      expect(audit[0]).toMatchObject({ action: 'published' });
      expect(audit[0]!.changes.map((change) => change.path)).toEqual(expect.arrayContaining(['stages.0.key', 'stages.0.gate']));
    });
  });

  describe('layouts', () => {
    it('are saved per manager and validated', async () => {
      const other = await repTokenFor(tenant.secretKey, { repId: 'mgr-2', name: '孙经理', role: 'reviewer' });
      expect((await call('GET', '/v1/console/layouts/health-dashboard', admin)).body).toEqual({ widget: 'health-dashboard', layout: null, updatedAt: null });
      expect((await call('PUT', '/v1/console/layouts/health-dashboard', admin, { items: ['customerTrust', 'leadNurturing'] })).status).toBe(200);
      expect((await call('GET', '/v1/console/layouts/health-dashboard', admin)).body.layout).toEqual({ items: ['customerTrust', 'leadNurturing'] });
      expect((await call('GET', '/v1/console/layouts/health-dashboard', other)).body.layout).toBeNull();
      const twice = await call('PUT', '/v1/console/layouts/health-dashboard', admin, { items: ['a', 'a'] });
      expect(twice.status).toBe(400);
      expect(twice.body.error.message).toMatch(/items/);
      expect((await call('PUT', '/v1/console/layouts/health-dashboard', rep, { items: [] })).status).toBe(403);
      const unknown = await call('PUT', '/v1/console/layouts/anything-else', admin, { items: [] });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toMatch(/widget/);
    });
  });
});
