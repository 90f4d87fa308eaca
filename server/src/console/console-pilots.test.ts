import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OUTCOME_REPORTED, onOutcomeReported, type PointsEvent } from '../points/points.service.js';
import { testEngines } from '../testing/engines.js';
import { useTestServer } from '../testing/suite.js';
import { repTokenFor } from '../testing/test-server.js';

const DAY = 24 * 3600_000;
const LIVE_SUCCESS_POINTS = 5;
const PILOT_SUCCESS_POINTS = 20;
/** Live: a POC request says more than a booked demo; the pilot turns that round. */
const LIVE_POC_WEIGHT = 0.5;
const LIVE_DEMO_WEIGHT = 0.3;
const PILOT_DEMO_WEIGHT = 1.2;

describe.each(testEngines())('point-rule pilots on $name', (engine) => {
  const suite = useTestServer(engine, { HUASHU_JOBS: '0' });
  const { call } = suite;
  /** A success another rep reports with `author`'s entry, delivered to points as the outbox would. */
  const reportSuccess = (tenantId: string, author: string) => {
    const event: PointsEvent = {
      id: randomUUID(),
      tenantId,
      type: OUTCOME_REPORTED,
      data: { entryId: randomUUID(), outcome: 'success', repId: 'reporter', authorRepId: author, outcomeId: randomUUID() },
      createdAt: new Date().toISOString(),
    };
    return suite.ctx.db.transaction((tx) => onOutcomeReported(suite.ctx, event, tx));
  };

  it('pays the pilot reps the pilot’s amounts and everyone else the live ones; publishing makes them everyone’s, discarding restores', async () => {
    const t = await suite.server.tenant();
    const manager = await repTokenFor(t.secretKey, { repId: 'director', name: '周总监', role: 'admin' });
    const balance = async (repId: string) => (await call('GET', '/v1/points/me', await repTokenFor(t.secretKey, { repId, name: repId, role: 'rep' }))).body.balance as number;
    expect((await call('PUT', '/v1/points/rules', t.secretKey, { successReported: LIVE_SUCCESS_POINTS })).status).toBe(200);

    const draft = await call('POST', '/v1/console/rule-sets/point-rules/versions', manager, { content: { successReported: PILOT_SUCCESS_POINTS }, note: '试点：成功案例多给分' });
    expect(draft.status).toBe(201);
    const pilot = await call('POST', `/v1/console/rule-sets/point-rules/versions/${draft.body.version}/pilot`, manager, { repIds: ['pilot-rep'], until: new Date(Date.now() + DAY).toISOString() });
    expect(pilot.status).toBe(200);

    await reportSuccess(t.id, 'pilot-rep');
    await reportSuccess(t.id, 'other-rep');
    expect([await balance('pilot-rep'), await balance('other-rep')]).toEqual([PILOT_SUCCESS_POINTS, LIVE_SUCCESS_POINTS]);
    // The live rules are untouched while the pilot runs.
    expect((await call('GET', '/v1/points/rules', t.secretKey)).body).toMatchObject({ successReported: LIVE_SUCCESS_POINTS });

    // Discarding the pilot restores the live amounts for the pilot rep too.
    expect((await call('POST', `/v1/console/rule-sets/point-rules/versions/${draft.body.version}/discard`, manager)).status).toBe(200);
    await reportSuccess(t.id, 'pilot-rep');
    expect(await balance('pilot-rep')).toBe(PILOT_SUCCESS_POINTS + LIVE_SUCCESS_POINTS);

    // A second draft published makes its amounts everyone's.
    const second = await call('POST', '/v1/console/rule-sets/point-rules/versions', manager, { content: { successReported: PILOT_SUCCESS_POINTS } });
    expect((await call('POST', `/v1/console/rule-sets/point-rules/versions/${second.body.version}/publish`, manager)).status).toBe(200);
    await reportSuccess(t.id, 'other-rep');
    expect(await balance('other-rep')).toBe(LIVE_SUCCESS_POINTS + PILOT_SUCCESS_POINTS);
  });

  it('ranks a pilot rep’s leads in GET /v1/leads?sort=intent by the pilot version’s scores, everyone else’s by the live ones', async () => {
    const t = await suite.server.tenant();
    const manager = await repTokenFor(t.secretKey, { repId: 'director', name: '周总监', role: 'admin' });
    const weight = (id: string, value: number) => ({ id, event: id, weight: value, label: { zh: id, en: id } });
    const rules = (demo: number) => ({ halfLife: 'P7D', weights: [weight('poc_requested', LIVE_POC_WEIGHT), weight('demo_booked', demo)], sequences: [], silences: [], thresholds: [] });
    expect((await call('PUT', '/v1/signal-rules', t.secretKey, rules(LIVE_DEMO_WEIGHT))).status).toBe(200);
    const reps = [{ id: 'pilot-rep', name: '王磊' }, { id: 'other-rep', name: '李娜' }];
    expect((await call('PUT', '/v1/assignment-rules', t.secretKey, { rules: [{ id: 'rr', name: '全部', match: {}, strategy: 'round-robin', reps }] })).status).toBe(200);
    let phone = 13_800_000_000;
    const lead = async () => (await call('POST', '/v1/leads', t.secretKey, { source: 'web', name: '测试', phone: String(++phone) })).body.lead as { id: string; assignee: { id: string } };
    const [pilotLead, otherLead] = [await lead(), await lead()];
    expect([pilotLead.assignee.id, otherLead.assignee.id]).toEqual(['pilot-rep', 'other-rep']);
    // The pilot rep's lead booked a demo, the other rep's asked for a POC: the live rules rank the POC first.
    const track = (leadId: string, event: string) => ({ messageId: randomUUID(), type: 'track', event, leadId, timestamp: new Date(Date.now() - 60_000).toISOString() });
    const batch = [track(pilotLead.id, 'demo_booked'), track(otherLead.id, 'poc_requested')];
    expect((await suite.server.call('POST', '/v1/events/batch', { key: t.publishableKey, body: { sentAt: new Date().toISOString(), batch } })).body.rejected).toEqual([]);
    const ranked = async () => ((await call('GET', '/v1/leads?sort=intent', t.secretKey)).body.leads as Array<{ id: string; intent: { score: number } }>).map((l) => [l.id, l.intent.score]);
    const scoreOf = async (id: string) => (await call('GET', `/v1/leads/${id}`, t.secretKey)).body.lead.intent.score as number;
    const live = await ranked();
    expect(live.map(([id]) => id)).toEqual([otherLead.id, pilotLead.id]);

    const draft = await call('POST', '/v1/console/rule-sets/signal-rules/versions', manager, { content: rules(PILOT_DEMO_WEIGHT) });
    expect((await call('POST', `/v1/console/rule-sets/signal-rules/versions/${draft.body.version}/pilot`, manager, { repIds: ['pilot-rep'], until: new Date(Date.now() + DAY).toISOString() })).status).toBe(200);
    const during = await ranked();
    // The list shows each lead with the score its detail shows: the pilot's for the pilot rep's lead, the live one for the other.
    expect(during).toEqual([
      [pilotLead.id, await scoreOf(pilotLead.id)],
      [otherLead.id, live[0]![1]],
    ]);
    expect(during[0]![1]).toBeGreaterThan(live[0]![1] as number);
    // The pilot rep's own list is ranked the same way.
    const own = await call('GET', '/v1/leads?sort=intent', await repTokenFor(t.secretKey, { repId: 'pilot-rep', name: '王磊', role: 'rep' }));
    expect(own.body.leads.map((l: { id: string; intent: { score: number } }) => [l.id, l.intent.score])).toEqual([during[0]]);

    expect((await call('POST', `/v1/console/rule-sets/signal-rules/versions/${draft.body.version}/discard`, manager)).status).toBe(200);
    expect(await ranked()).toEqual(live);
  });

  it('captures a pilot rep’s chats with the pilot’s rules and everyone else’s with the live ones, until the pilot is discarded', async () => {
    const t = await suite.server.tenant();
    const manager = await repTokenFor(t.secretKey, { repId: 'director', name: '周总监', role: 'admin' });
    const tokenOf = (repId: string) => repTokenFor(t.secretKey, { repId, name: repId, role: 'rep' });
    const rulesOf = (tag: string, term: string) => ({ rules: [{ id: 'topic', tag, anyOf: [[term]] }] });
    expect((await call('PUT', '/v1/capture-rules', t.secretKey, rulesOf('价格', '报价'))).status).toBe(200);
    const messages = [
      { role: 'customer', text: '你们的报价是多少？交付周期呢？', at: new Date().toISOString() },
      { role: 'rep', text: '标准版六周交付，报价稍后发您。', at: new Date().toISOString() },
    ];
    const tagsFor = async (repId: string) => {
      const res = await call('POST', '/v1/conversations/capture', await tokenOf(repId), { messages, dryRun: true });
      expect(res.status).toBe(200);
      return (res.body.snippets as Array<{ tags: string[] }>).flatMap((snippet) => snippet.tags);
    };

    const draft = await call('POST', '/v1/console/rule-sets/capture-rules/versions', manager, { content: rulesOf('交付', '交付周期') });
    expect(draft.status).toBe(201);
    const pilot = await call('POST', `/v1/console/rule-sets/capture-rules/versions/${draft.body.version}/pilot`, manager, { repIds: ['pilot-rep'], until: new Date(Date.now() + DAY).toISOString() });
    expect(pilot.status).toBe(200);
    expect(await tagsFor('pilot-rep')).toEqual(['交付']);
    expect(await tagsFor('other-rep')).toEqual(['价格']);

    expect((await call('POST', `/v1/console/rule-sets/capture-rules/versions/${draft.body.version}/discard`, manager)).status).toBe(200);
    expect(await tagsFor('pilot-rep')).toEqual(['价格']);
  });
  it('compares the points a point-rule pilot’s reps earned with everyone else’s over the pilot period', async () => {
    const t = await suite.server.tenant();
    const manager = await repTokenFor(t.secretKey, { repId: 'director', name: '周总监', role: 'admin' });
    expect((await call('PUT', '/v1/points/rules', t.secretKey, { successReported: LIVE_SUCCESS_POINTS })).status).toBe(200);
    const draft = await call('POST', '/v1/console/rule-sets/point-rules/versions', manager, { content: { successReported: PILOT_SUCCESS_POINTS } });
    expect((await call('POST', `/v1/console/rule-sets/point-rules/versions/${draft.body.version}/pilot`, manager, { repIds: ['pilot-a', 'pilot-b'], until: new Date(Date.now() + DAY).toISOString() })).status).toBe(200);
    // pilot-a: two successes at the pilot's 20 = 40; pilot-b: none. other-1: one at the live 5; other-2: two = 10.
    for (const author of ['pilot-a', 'pilot-a', 'other-1', 'other-2', 'other-2']) await reportSuccess(t.id, author);
    const comparison = await call('GET', `/v1/console/rule-sets/point-rules/versions/${draft.body.version}/comparison`, manager);
    expect(comparison.status).toBe(200);
    expect(comparison.body.points).toEqual({ pilot: { reps: 2, total: 40, perRep: 20 }, rest: { reps: 2, total: 15, perRep: 7.5 } });
    expect(comparison.body.captures).toBeUndefined();
  });

  it('compares the snippets and candidate entries a capture-rule pilot’s reps captured with everyone else’s', async () => {
    const t = await suite.server.tenant();
    const manager = await repTokenFor(t.secretKey, { repId: 'director', name: '周总监', role: 'admin' });
    const rulesOf = (tag: string, term: string) => ({ rules: [{ id: 'topic', tag, anyOf: [[term]] }] });
    expect((await call('PUT', '/v1/capture-rules', t.secretKey, rulesOf('价格', '报价'))).status).toBe(200);
    const draft = await call('POST', '/v1/console/rule-sets/capture-rules/versions', manager, { content: rulesOf('交付', '交付周期') });
    expect((await call('POST', `/v1/console/rule-sets/capture-rules/versions/${draft.body.version}/pilot`, manager, { repIds: ['pilot-rep'], until: new Date(Date.now() + DAY).toISOString() })).status).toBe(200);
    let minute = 0;
    /** One chat, distinct from every other (the same messages at the same times would be one snippet). */
    const chat = (question: string, answer: string) => {
      const at = (offset: number) => new Date(Date.now() - (60 - minute - offset) * 60_000).toISOString();
      minute += 2;
      return [
        { role: 'customer', text: question, at: at(0) },
        { role: 'rep', text: answer, at: at(1) },
      ];
    };
    const captureAs = async (repId: string, messages: unknown[]) => {
      const res = await call('POST', '/v1/conversations/capture', await repTokenFor(t.secretKey, { repId, name: repId, role: 'rep' }), { messages });
      expect(res.status).toBe(200);
      return res.body.snippets.length as number;
    };
    // Pilot rules: both of pilot-rep's chats ask about the delivery time → 2 snippets, 2 candidates.
    expect(await captureAs('pilot-rep', chat('你们的交付周期是多久？', '标准版六周交付。'))).toBe(1);
    expect(await captureAs('pilot-rep', chat('加急的话交付周期能缩短吗？', '加急可以四周交付。'))).toBe(1);
    // Live rules: other-rep's first chat asks for a quote → 1 snippet; the second matches nothing.
    expect(await captureAs('other-rep', chat('能发一份报价给我吗？', '稍后发您报价单。'))).toBe(1);
    expect(await captureAs('other-rep', chat('交付周期多久？', '大约六周。'))).toBe(0);
    const comparison = await call('GET', `/v1/console/rule-sets/capture-rules/versions/${draft.body.version}/comparison`, manager);
    expect(comparison.status).toBe(200);
    expect(comparison.body.captures).toEqual({
      pilot: { reps: 1, snippets: 2, candidates: 2, snippetsPerRep: 2, candidatesPerRep: 2 },
      rest: { reps: 1, snippets: 1, candidates: 1, snippetsPerRep: 1, candidatesPerRep: 1 },
    });
  });
});
