import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';
import { createJobRunner } from '../platform/jobs/index.js';
import { evaluateJob } from './signals.jobs.js';
import { leadIntent, sweepSilences } from './signals.service.js';
import { openShareLink, SAME_VISIT_MS } from './share-links.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

const COMPARISON = { event: 'page_dwell', where: [{ property: 'pageType', op: 'eq', value: 'competitor_comparison' }, { property: 'activeSeconds', op: 'gte', value: 180 }] };
const WHITEPAPER = { event: 'document_download', where: [{ property: 'documentId', op: 'eq', value: 'security_whitepaper' }], label: { zh: '安全白皮书', en: 'the security white paper' } };

const RULES = {
  halfLife: 'P7D',
  weights: [
    { id: 'poc_requested', event: 'poc_requested', weight: 0.85, label: { zh: '主动索要POC环境', en: 'Asked for a POC environment' } },
    { id: 'pricing_dwell', event: 'page_dwell', where: [{ property: 'pageType', op: 'eq', value: 'pricing' }, { property: 'activeSeconds', op: 'gte', value: 60 }], weight: 0.3, label: { zh: '定价页停留', en: 'Pricing dwell' } },
    { id: 'short_visit', event: 'page_dwell', where: [{ property: 'activeSeconds', op: 'lte', value: 5 }], weight: -0.1, label: { zh: '匆匆一瞥', en: 'A glance' } },
    { id: 'case_download', event: 'document_download', where: [{ property: 'documentId', op: 'in', value: ['case_a', 'case_b'] }], weight: 0.2, label: { zh: '下载案例', en: 'Case study' } },
    { id: 'utm_visit', event: 'page', where: [{ property: 'utm.campaign', op: 'exists' }], weight: 0.05, label: { zh: '广告来访', en: 'Campaign visit' } },
  ],
  sequences: [{ id: 'evaluating_competitors', steps: [COMPARISON, WHITEPAPER], within: 'PT10M', weight: 0.6, label: { zh: '正在评估竞品', en: 'Evaluating competitors' } }],
  silences: [
    {
      id: 'going_silent',
      after: { event: 'trial_started', label: { zh: '开通试用', en: 'the trial started' } },
      expect: { event: 'feature_used', label: { zh: '使用任何功能', en: 'feature use' } },
      within: 'P11D',
      weight: -0.4,
      label: { zh: '试用后沉默', en: 'Silent after the trial' },
    },
  ],
  thresholds: [{ score: 70, event: 'lead.hot' }],
};

describe.each(testEngines())('intent signals on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;
  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db, { HUASHU_JOBS: '0' });
    tenant = await server.tenant();
    expect((await server.call('PUT', '/v1/signal-rules', { key: tenant.secretKey, body: RULES })).status).toBe(200);
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  let phone = 13_900_000_000;
  const newLead = async (t = tenant) => {
    const res = await server.call('POST', '/v1/leads', { key: t.secretKey, body: { source: 'web', name: '测试', phone: String(++phone) } });
    expect(res.status).toBe(201);
    return res.body.lead.id as string;
  };
  const event = (fields: Record<string, unknown>, agoMs: number) => ({ messageId: randomUUID(), type: 'track', timestamp: new Date(Date.now() - agoMs).toISOString(), ...fields });
  const send = async (batch: unknown[], t = tenant) => {
    const res = await server.call('POST', '/v1/events/batch', { key: t.publishableKey, body: { sentAt: new Date().toISOString(), batch } });
    expect(res.status).toBe(200);
    expect(res.body.rejected).toEqual([]);
    return res.body;
  };
  const intent = async (leadId: string, t = tenant) => {
    const res = await server.call('GET', `/v1/leads/${leadId}`, { key: t.secretKey });
    expect(res.status).toBe(200);
    return res.body.lead.intent;
  };
  const ruleIds = async (leadId: string) => ((await intent(leadId)).signals as { ruleId: string }[]).map((s) => s.ruleId).sort();
  const outbox = async (type: string, leadId: string) =>
    (await db.query<{ id: string; data: any }>(`SELECT id, data FROM outbox_events WHERE tenant_id = $1 AND type = $2 AND data->'lead'->>'id' = $3`, [tenant.id, type, leadId])).rows;

  describe('rule sets', () => {
    it('record, under concurrent PUTs, each change against the version it replaced', async () => {
      const t = await server.tenant();
      const halfLives = ['P1D', 'P2D', 'P3D', 'P4D', 'P5D', 'P6D'];
      const results = await Promise.all(halfLives.map((halfLife) => server.call('PUT', '/v1/signal-rules', { key: t.secretKey, body: { ...RULES, halfLife } })));
      expect(results.map((res) => res.status)).toEqual(halfLives.map(() => 200));
      const changes = (await db.query<{ data: { ruleSet: string; before: { halfLife: string } | null; after: { halfLife: string } } }>(
        `SELECT data FROM outbox_events WHERE tenant_id = $1 AND type = 'config.changed' ORDER BY created_at, id`,
        [t.id],
      )).rows.map((row) => row.data).filter((data) => data.ruleSet === 'signal-rules');
      expect(changes).toHaveLength(halfLives.length);
      // Versions in order: each change's before is the previous version's after, the first replaced nothing.
      const byVersion = results.map((res) => ({ version: res.body.version as number, halfLife: res.body.rules.halfLife as string })).sort((a, b) => a.version - b.version);
      const beforeOf = new Map(changes.map((change) => [change.after.halfLife, change.before?.halfLife ?? null]));
      expect(byVersion.map(({ halfLife }) => beforeOf.get(halfLife))).toEqual([null, ...byVersion.slice(0, -1).map(({ halfLife }) => halfLife)]);
    });

    it('are versioned; a bad set is a 400 naming the rule and the field, and the live rules stay', async () => {
      const t = await server.tenant();
      const put = (body: unknown) => server.call('PUT', '/v1/signal-rules', { key: t.secretKey, body });
      expect((await server.call('GET', '/v1/signal-rules', { key: t.secretKey })).body).toEqual({ version: 0, rules: null, createdAt: null });
      expect((await put(RULES)).body.version).toBe(1);
      expect((await put({ ...RULES, halfLife: 'P14D' })).body.version).toBe(2);
      const bad = [
        [{ ...RULES, weights: [{ ...RULES.weights[0], wieght: 2 }] }, 'weights.0.wieght', /rule "poc_requested": unknown field/],
        [{ ...RULES, sequences: [{ ...RULES.sequences[0], within: 'ten minutes' }] }, 'sequences.0.within', /rule "evaluating_competitors": "ten minutes" is not an ISO 8601 duration/],
        [{ ...RULES, sequences: [{ ...RULES.sequences[0], steps: [] }] }, 'sequences.0.steps', /rule "evaluating_competitors": a sequence needs at least two steps/],
        [{ ...RULES, weights: [{ ...RULES.weights[1], where: [{ property: 'activeSeconds', op: 'gte', value: 'sixty' }] }] }, 'weights.0.where.0.value', /rule "pricing_dwell": gte needs a number/],
        [{ ...RULES, silences: [{ ...RULES.silences[0], within: 'P1Y' }] }, 'silences.0.within', /rule "going_silent": .*years and months/],
      ] as const;
      for (const [body, path, message] of bad) {
        const res = await put(body);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        expect(res.body.error.details.issues).toContainEqual({ path, message: expect.stringMatching(message) });
      }
      const live = await server.call('GET', '/v1/signal-rules', { key: t.secretKey });
      expect(live.body).toMatchObject({ version: 2, rules: { halfLife: 'P14D' } });
      expect((await server.call('GET', '/v1/signal-rules?version=1', { key: t.secretKey })).body.rules.halfLife).toBe('P7D');
      expect((await server.call('GET', '/v1/signal-rules/versions', { key: t.secretKey })).body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
      expect((await server.call('PUT', '/v1/signal-rules', { key: t.publishableKey, body: RULES })).status).toBe(403);
    });
  });

  describe('weights', () => {
    it('fire on each condition operator (eq, in, gte, lte, exists) and not when a condition fails', async () => {
      const lead = await newLead();
      await send([
        event({ event: 'poc_requested', leadId: lead }, 5 * MIN),
        event({ event: 'page_dwell', leadId: lead, properties: { pageType: 'pricing', activeSeconds: 60 } }, 4 * MIN),
        event({ event: 'page_dwell', leadId: lead, properties: { pageType: 'pricing', activeSeconds: 59 } }, 4 * MIN),
        event({ event: 'page_dwell', leadId: lead, properties: { pageType: 'blog', activeSeconds: 3 } }, 3 * MIN),
        event({ event: 'document_download', leadId: lead, properties: { documentId: 'case_b' } }, 2 * MIN),
        event({ event: 'document_download', leadId: lead, properties: { documentId: 'case_c' } }, 2 * MIN),
        { messageId: randomUUID(), type: 'page', leadId: lead, properties: { utm: { campaign: '2026Q1' } }, timestamp: new Date(Date.now() - MIN).toISOString() },
        { messageId: randomUUID(), type: 'page', leadId: lead, properties: { utm: {} }, timestamp: new Date(Date.now() - MIN).toISOString() },
      ]);
      expect(await ruleIds(lead)).toEqual(['case_download', 'poc_requested', 'pricing_dwell', 'short_visit', 'utm_visit']);
      const current = await intent(lead);
      // 0.85 + 0.3 − 0.1 + 0.2 + 0.05 = 1.3, barely decayed: 100 × (1 − e^−1.3) ≈ 73.
      expect(current.score).toBe(73);
      expect(current.trend).toBe('rising');
      expect(current.signals.find((s: { ruleId: string }) => s.ruleId === 'poc_requested')).toMatchObject({
        kind: 'weight',
        weight: 0.85,
        explanation: { zh: '主动索要POC环境', en: 'Asked for a POC environment' },
        messageIds: [expect.any(String)],
        rulesVersion: 1,
      });
    });

    it('never fire twice for a re-sent event', async () => {
      const lead = await newLead();
      const poc = event({ event: 'poc_requested', leadId: lead }, MIN);
      await send([poc]);
      expect((await send([poc])).duplicates).toBe(1);
      expect(await ruleIds(lead)).toEqual(['poc_requested']);
      const fired = await outbox('signal.fired', lead);
      expect(fired).toHaveLength(1);
      // The event carries the signal as the lead shows it and the score right after it (0.85 fresh → 57).
      // (The lead's view adds the signal's decayed contribution as of now.)
      const { contribution, ...shown } = (await intent(lead)).signals[0];
      expect(contribution).toBeGreaterThan(0);
      expect(fired[0]!.id).toBe(`signal.fired:${shown.id}`);
      expect(fired[0]!.data).toEqual({ lead: { id: lead }, signal: shown, score: 57, backfilled: false });
    });
  });

  describe('sequences', () => {
    it('fire for A then B within the window, with the explanation in both languages', async () => {
      const lead = await newLead();
      const a = event({ event: 'page_dwell', leadId: lead, properties: { pageType: 'competitor_comparison', activeSeconds: 240 } }, 20 * MIN);
      const b = event({ event: 'document_download', leadId: lead, properties: { documentId: 'security_whitepaper' } }, 14 * MIN);
      // A and B arrive in separate batches, B first: order of arrival does not matter, order of occurrence does.
      await send([b]);
      await send([a]);
      const sequence = (await intent(lead)).signals.find((s: { ruleId: string }) => s.ruleId === 'evaluating_competitors');
      expect(sequence).toMatchObject({
        kind: 'sequence',
        weight: 0.6,
        messageIds: [a.messageId, b.messageId],
        explanation: { zh: '对比页停留 4 分钟后 10 分钟内下载安全白皮书', en: '4 min on the comparison page, then downloaded the security white paper within 10 min' },
      });
    });

    it('do not fire for B before A, nor for B after the window', async () => {
      const before = await newLead();
      await send([
        event({ event: 'document_download', leadId: before, properties: { documentId: 'security_whitepaper' } }, 30 * MIN),
        event({ event: 'page_dwell', leadId: before, properties: { pageType: 'competitor_comparison', activeSeconds: 240 } }, 25 * MIN),
      ]);
      const late = await newLead();
      await send([event({ event: 'page_dwell', leadId: late, properties: { pageType: 'competitor_comparison', activeSeconds: 240 } }, 30 * MIN)]);
      await send([event({ event: 'document_download', leadId: late, properties: { documentId: 'security_whitepaper' } }, 19 * MIN)]);
      expect(await ruleIds(before)).toEqual([]);
      expect(await ruleIds(late)).toEqual([]);
    });
  });

  describe('silence', () => {
    it('fires once when the window closes without the expected event, through the outbox', async () => {
      const quiet = await newLead();
      const busy = await newLead();
      await send([event({ event: 'trial_started', leadId: quiet }, 12 * DAY), event({ event: 'trial_started', leadId: busy }, 12 * DAY)]);
      await send([event({ event: 'feature_used', leadId: busy }, 5 * DAY)]);
      await sweepSilences(db, new Date());
      await sweepSilences(db, new Date());
      expect(await ruleIds(quiet)).toEqual(['going_silent']);
      expect(await ruleIds(busy)).toEqual([]);
      const [silent] = await outbox('lead.going_silent', quiet);
      expect(silent!.data.signal).toMatchObject({ ruleId: 'going_silent', explanation: { zh: '开通试用后 11 天内没有使用任何功能', en: 'no feature use within 11 days after the trial started' } });
      expect(await outbox('lead.going_silent', quiet)).toHaveLength(1);
      expect(await outbox('lead.going_silent', busy)).toHaveLength(0);
    });

    it('waits while the window is open', async () => {
      const lead = await newLead();
      await send([event({ event: 'trial_started', leadId: lead }, 2 * DAY)]);
      await sweepSilences(db, new Date());
      expect(await ruleIds(lead)).toEqual([]);
      const later = new Date(Date.now() + 10 * DAY);
      await sweepSilences(db, later);
      expect((await leadIntent(db, tenant.id, lead, later))!.signals.map((s) => s.ruleId)).toEqual(['going_silent']);
    });
  });

  describe('score', () => {
    it('decays with the half-life over simulated time and reads a trend', async () => {
      const lead = await newLead();
      await send([event({ event: 'poc_requested', leadId: lead }, 0)]);
      const at = (days: number) => leadIntent(db, tenant.id, lead, new Date(Date.now() + days * DAY));
      expect((await at(0))!.score).toBe(57); // 100 × (1 − e^−0.85)
      expect((await at(7))!.score).toBe(35); // 0.425
      expect((await at(14))!.score).toBe(19); // 0.2125
      expect((await at(7))!.trend).toBe('falling');
      expect((await at(7))!.signals[0]!.contribution).toBeCloseTo(0.425);
    });

    it('fires lead.hot once per upward crossing of the threshold', async () => {
      const lead = await newLead();
      await send([event({ event: 'poc_requested', leadId: lead }, 2 * MIN)]);
      expect(await outbox('lead.hot', lead)).toHaveLength(0);
      await send([event({ event: 'poc_requested', leadId: lead }, MIN)]);
      const [hot] = await outbox('lead.hot', lead);
      expect(hot!.data).toMatchObject({ lead: { id: lead }, threshold: 70, score: 82 });
      await send([event({ event: 'poc_requested', leadId: lead }, 0)]);
      expect(await outbox('lead.hot', lead)).toHaveLength(1);
    });
  });

  describe('identify', () => {
    it('counts the anonymous history toward the lead, sequences across the link included', async () => {
      const lead = await newLead();
      const visitor = `anon-${randomUUID()}`;
      const dwell = event({ event: 'page_dwell', anonymousId: visitor, properties: { pageType: 'competitor_comparison', activeSeconds: 200 } }, 9 * MIN);
      const pricing = event({ event: 'page_dwell', anonymousId: visitor, properties: { pageType: 'pricing', activeSeconds: 90 } }, 8 * MIN);
      await send([dwell, pricing]);
      expect(await ruleIds(lead)).toEqual([]);
      await send([{ messageId: randomUUID(), type: 'identify', anonymousId: visitor, leadId: lead, timestamp: new Date(Date.now() - 7 * MIN).toISOString() }]);
      expect(await ruleIds(lead)).toEqual(['pricing_dwell']);
      // The SDK keeps sending the anonymous id once identified; the download completes the sequence begun anonymously.
      await send([event({ event: 'document_download', anonymousId: visitor, properties: { documentId: 'security_whitepaper' } }, 6 * MIN)]);
      expect(await ruleIds(lead)).toEqual(['evaluating_competitors', 'pricing_dwell']);
      const activity = (await intent(lead)).activity.map((item: { summary: { zh: string } }) => item.summary.zh);
      expect(activity).toContain('对比页停留 3 分 20 秒');
    });

    it('back-fills a sequence when the identify arrives after both steps', async () => {
      const lead = await newLead();
      const visitor = `anon-${randomUUID()}`;
      await send([
        event({ event: 'page_dwell', anonymousId: visitor, properties: { pageType: 'competitor_comparison', activeSeconds: 200 } }, 9 * MIN),
        event({ event: 'document_download', anonymousId: visitor, properties: { documentId: 'security_whitepaper' } }, 8 * MIN),
      ]);
      await send([{ messageId: randomUUID(), type: 'identify', anonymousId: visitor, leadId: lead, timestamp: new Date().toISOString() }]);
      expect(await ruleIds(lead)).toEqual(['evaluating_competitors']);
      expect((await outbox('signal.fired', lead)).map((row) => row.data.backfilled)).toEqual([true]);
    });

    it('moves an anonymous silence to the lead, broken by what the lead already did and kept where nothing was', async () => {
      const [used, idle] = [await newLead(), await newLead()];
      const [usedVisitor, idleVisitor] = [`anon-${randomUUID()}`, `anon-${randomUUID()}`];
      await send([event({ event: 'trial_started', anonymousId: usedVisitor }, 12 * DAY), event({ event: 'trial_started', anonymousId: idleVisitor }, 12 * DAY)]);
      // The lead used the product from another device before this visitor was known to be them.
      await send([event({ event: 'feature_used', leadId: used }, 10 * DAY)]);
      const identify = (anonymousId: string, leadId: string) => ({ messageId: randomUUID(), type: 'identify', anonymousId, leadId, timestamp: new Date().toISOString() });
      await send([identify(usedVisitor, used), identify(idleVisitor, idle)]);
      await sweepSilences(db, new Date());
      expect(await ruleIds(used)).toEqual([]);
      expect(await ruleIds(idle)).toEqual(['going_silent']);
      expect(await outbox('lead.going_silent', idle)).toHaveLength(1);
    });
  });

  describe('dry-run', () => {
    it('evaluates a proposed set over history and leaves live data unchanged', async () => {
      const t = await server.tenant();
      await server.call('PUT', '/v1/signal-rules', { key: t.secretKey, body: RULES });
      const lead = await newLead(t);
      await send([event({ event: 'poc_requested', leadId: lead }, DAY), event({ event: 'demo_booked', leadId: lead }, DAY)], t);
      const snapshot = async () => ({
        signals: (await db.query(`SELECT rule_id, lead_id, weight FROM signals WHERE tenant_id = $1 ORDER BY rule_id`, [t.id])).rows,
        scores: (await db.query(`SELECT lead_id, sum FROM signal_scores WHERE tenant_id = $1`, [t.id])).rows,
        outbox: (await db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE tenant_id = $1`, [t.id])).rows,
        rules: (await server.call('GET', '/v1/signal-rules', { key: t.secretKey })).body,
        intent: await intent(lead, t).then((current) => ({ score: current.score, signals: current.signals.map((s: { id: string }) => s.id) })),
      });
      const before = await snapshot();
      const proposed = { ...RULES, weights: [...RULES.weights, { id: 'demo_booked', event: 'demo_booked', weight: 1.5, label: { zh: '预约演示', en: 'Booked a demo' } }] };
      const res = await server.call('POST', '/v1/signal-rules/dry-run', { key: t.secretKey, body: { rules: proposed, days: 7 } });
      expect(res.status).toBe(200);
      expect(res.body.rules.find((r: { ruleId: string }) => r.ruleId === 'demo_booked')).toMatchObject({ leads: 1, signals: 1 });
      expect(res.body.rules.find((r: { ruleId: string }) => r.ruleId === 'poc_requested')).toMatchObject({ leads: 1 });
      expect(res.body.examples[0]).toMatchObject({ leadId: lead, before: before.intent.score, signals: expect.arrayContaining([expect.objectContaining({ ruleId: 'demo_booked', explanation: { zh: '预约演示', en: 'Booked a demo' } })]) });
      expect(res.body.examples[0].after).toBeGreaterThan(res.body.examples[0].before);
      expect(res.body.distribution.before.leads).toBe(1);
      expect(res.body.distribution.after.atOrAbove).toEqual([{ score: 70, leads: 1 }]);
      expect(await snapshot()).toEqual(before);
      const bad = await server.call('POST', '/v1/signal-rules/dry-run', { key: t.secretKey, body: { rules: { ...RULES, sequences: [{ ...RULES.sequences[0], steps: [COMPARISON] }] }, days: 7 } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details.issues[0]).toMatchObject({ path: 'rules.sequences.0.steps', message: expect.stringMatching(/^rule "evaluating_competitors":/) });
    });
  });

  describe('hottest leads', () => {
    it('GET /v1/leads?sort=intent lists a rep’s own leads, hottest first, with their scores', async () => {
      const t = await server.tenant();
      await server.call('PUT', '/v1/signal-rules', { key: t.secretKey, body: RULES });
      const assignTo = (repId: string) =>
        server.call('PUT', '/v1/assignment-rules', { key: t.secretKey, body: { rules: [{ id: 'all', name: '全部', match: {}, strategy: 'round_robin', reps: [{ id: repId, name: repId }] }] } });
      await assignTo('rep-a');
      const [cold, warm, hot] = [await newLead(t), await newLead(t), await newLead(t)];
      await assignTo('rep-b');
      const others = await newLead(t);
      await send([
        event({ event: 'document_download', leadId: warm, properties: { documentId: 'case_a' } }, MIN),
        event({ event: 'poc_requested', leadId: hot }, MIN),
        event({ event: 'poc_requested', leadId: others }, MIN),
        event({ event: 'poc_requested', leadId: others }, MIN),
      ], t);
      const token = await repTokenFor(t.secretKey, { repId: 'rep-a', name: '王磊', role: 'rep', hireDate: '2025-01-06' });
      const first = await server.call('GET', '/v1/leads?sort=intent&limit=2', { key: token });
      expect(first.status).toBe(200);
      expect(first.body.leads.map((lead: { id: string; intent: { score: number } }) => [lead.id, lead.intent.score])).toEqual([[hot, 57], [warm, 18]]);
      const next = await server.call('GET', `/v1/leads?sort=intent&limit=2&cursor=${first.body.nextCursor}`, { key: token });
      expect(next.body).toMatchObject({ leads: [{ id: cold, intent: { score: 0 } }], nextCursor: null });
      const all = await server.call('GET', '/v1/leads?sort=intent', { key: t.secretKey });
      expect(all.body.leads[0].id).toBe(others);
      expect((await server.call('GET', '/v1/leads?sort=intent&cursor=bogus', { key: token })).status).toBe(400);
    });
  });

  describe('a fault in evaluation', () => {
    it('loses no event: the batch is stored and a job evaluates it again', async () => {
      const t = await server.tenant();
      const lead = await newLead(t);
      // A live rule set the engine cannot compile (as a bug would leave it): evaluation throws.
      await db.query(`INSERT INTO signal_rule_sets (tenant_id, version, rules) VALUES ($1, 1, $2::jsonb)`, [t.id, JSON.stringify({ ...RULES, halfLife: 'bogus' })]);
      const poc = event({ event: 'poc_requested', leadId: lead }, MIN);
      expect((await send([poc], t)).accepted).toBe(1);
      expect((await db.query(`SELECT 1 FROM events WHERE tenant_id = $1 AND message_id = $2`, [t.id, poc.messageId])).rows).toHaveLength(1);
      expect((await db.query(`SELECT 1 FROM signals WHERE tenant_id = $1`, [t.id])).rows).toEqual([]);
      await server.call('PUT', '/v1/signal-rules', { key: t.secretKey, body: RULES });
      await createJobRunner(server.running.ctx, [evaluateJob], { housekeeping: false }).drain();
      expect((await intent(lead, t)).signals.map((s: { ruleId: string }) => s.ruleId)).toEqual(['poc_requested']);
    });
  });

  describe('share links', () => {
    it('record opens (device, referrer host) and per-section dwell as the lead’s events', async () => {
      const lead = await newLead();
      const created = await server.call('POST', '/v1/share-links', { key: tenant.secretKey, body: { leadId: lead, url: 'https://docs.example.com/proposal?v=3', title: '智慧医院建设方案' } });
      expect(created.status).toBe(201);
      const { id, url } = created.body.link;
      expect(url).toBe(`${server.url}/s/${id}`);
      const open = (ua: string, referer?: string) => fetch(url, { redirect: 'manual', headers: { 'user-agent': ua, ...(referer ? { referer } : {}) } });
      const first = await open('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger/8.0', 'https://work.weixin.qq.com/chat/123?token=secret');
      expect(first.status).toBe(302);
      expect(first.headers.get('location')).toBe(`https://docs.example.com/proposal?v=3&hs_link=${id}`);
      await open('Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0');
      await open('WhatsApp link preview bot');
      const visitor = `anon-${randomUUID()}`;
      const section = (name: string, seconds: number, agoMs: number) => event({ event: 'page_dwell', anonymousId: visitor, properties: { linkId: id, section: name, activeSeconds: seconds } }, agoMs);
      // 实施计划 twice in a row: the reader switched tabs and came back to it — no revisit.
      await send([section('报价', 120, 4 * MIN), section('实施计划', 45, 3 * MIN), section('实施计划', 15, 2.5 * MIN), section('报价', 30, 2 * MIN)]);
      const engagement = await server.call('GET', `/v1/share-links/${id}/engagement`, { key: tenant.secretKey });
      expect(engagement.body).toMatchObject({
        linkId: id,
        leadId: lead,
        opens: 2,
        revisits: 1,
        devices: { mobile: 1, desktop: 1 },
        referrers: [{ host: 'work.weixin.qq.com', opens: 1 }],
        dwellSeconds: 210,
        sections: [
          { section: '报价', dwellSeconds: 150, views: 2, revisits: 1 },
          { section: '实施计划', dwellSeconds: 60, views: 2, revisits: 0 },
        ],
      });
      const activity = (await intent(lead)).activity.map((item: { event: string }) => item.event);
      expect(activity.filter((name: string) => name === 'share_link_opened')).toHaveLength(2);
      const dwells = (await intent(lead)).activity.filter((item: { event: string }) => item.event === 'page_dwell');
      expect(dwells).toHaveLength(4);
      expect(dwells.map((item: { summary: { zh: string } }) => item.summary.zh)).toContain('「实施计划」部分停留 45 秒');
      expect((await server.call('GET', `/s/nope`)).status).toBe(404);
      expect((await server.call('POST', '/v1/share-links', { key: tenant.secretKey, body: { leadId: lead, url: 'javascript:alert(1)', title: 'x' } })).status).toBe(400);
      const other = await server.tenant();
      expect((await server.call('GET', `/v1/share-links/${id}/engagement`, { key: other.secretKey })).status).toBe(404);
      expect((await server.call('POST', '/v1/share-links', { key: other.secretKey, body: { leadId: lead, url: 'https://x.example.com', title: 'x' } })).status).toBe(404);
    });

    it('counts reloads from the same device and referrer within half an hour as one visit', async () => {
      const lead = await newLead();
      const { id } = (await server.call('POST', '/v1/share-links', { key: tenant.secretKey, body: { leadId: lead, url: 'https://docs.example.com/p', title: '报价单' } })).body.link;
      const iphone = { userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148', referer: 'https://work.weixin.qq.com/' };
      // In the past: the lead's activity lists what has happened, not what is dated later than now.
      const at = new Date(Date.now() - 2 * 3600_000);
      const results = [];
      for (const offset of [0, 60_000, 5 * 60_000]) results.push(await openShareLink(db, id, iphone, new Date(at.getTime() + offset)));
      results.push(await openShareLink(db, id, { userAgent: 'Mozilla/5.0 (Windows NT 10.0) Chrome/120.0' }, new Date(at.getTime() + 6 * 60_000)));
      results.push(await openShareLink(db, id, iphone, new Date(at.getTime() + SAME_VISIT_MS + 6 * 60_000)));
      expect(results.map((result) => result.counted)).toEqual([true, false, false, true, true]);
      expect(results.every((result) => result.location === `https://docs.example.com/p?hs_link=${id}`)).toBe(true);
      const engagement = (await server.call('GET', `/v1/share-links/${id}/engagement`, { key: tenant.secretKey })).body;
      expect(engagement).toMatchObject({ opens: 3, revisits: 2, devices: { mobile: 2, desktop: 1 } });
      const activity = (await intent(lead)).activity.map((item: { event: string }) => item.event);
      expect(activity.filter((name: string) => name === 'share_link_opened')).toHaveLength(3);
    });
  });
});
