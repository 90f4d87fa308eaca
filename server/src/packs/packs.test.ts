import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';
import { daysSinceHire } from './packs.service.js';
import { DEMO_PACKS } from './packs.demo.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const hiredDaysAgo = (days: number) => new Date(Date.now() - days * DAY_MS + 8 * 3600_000).toISOString().slice(0, 10);

const HOSPITAL = DEMO_PACKS['hospital-it']!;

describe('daysSinceHire', () => {
  it('counts calendar days in China Standard Time and treats a missing date as unknown', () => {
    const now = Date.parse('2026-12-03T01:00:00+08:00');
    expect(daysSinceHire('2026-12-03', now)).toBe(0);
    expect(daysSinceHire('2026-12-02', now)).toBe(1);
    expect(daysSinceHire('2026-09-04', now)).toBe(90);
    expect(daysSinceHire(undefined, now)).toBeUndefined();
    expect(daysSinceHire('2027-01-01', now)).toBe(0);
  });
});

describe.each(testEngines())('learning packs on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let t: TestTenant;
  let newHire: string;

  const token = (repId: string, hireDate?: string, role: 'rep' | 'reviewer' | 'admin' = 'rep') =>
    repTokenFor(t.secretKey, { repId, name: `新人-${repId}`, role, ...(hireDate ? { hireDate } : {}) });
  const next = async (key: string, query: string) => (await server.call('GET', `/v1/learning-packs/next?${query}`, { key })).body;

  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db);
    t = await server.tenant();
    newHire = await token('nh-1', hiredDaysAgo(10));
    const imported = await server.call('POST', '/v1/knowledge/import', {
      key: t.secretKey,
      body: {
        entries: [
          { externalId: 'his-1', question: '你们怎么和我们的 HIS 对接？', answer: 'HL7 接口。', evidence: [{ kind: 'case', title: '三甲医院案例' }], industry: '医院信息化' },
          { externalId: 'his-2', question: '医院预算冻结了怎么办？', answer: '分期。', evidence: [{ kind: 'document', title: '分期方案' }], industry: '医院信息化' },
          { externalId: 'factory', question: '你们能接 MES 吗？', answer: '能。', evidence: [{ kind: 'case', title: '工厂案例' }], industry: '制造业' },
          { externalId: 'draft', question: '还没审核的话术', answer: '…', evidence: [{ kind: 'case', title: 'x' }], industry: '医院信息化', status: 'pending_review' },
        ],
      },
    });
    expect(imported.body.imported).toBe(4);
    for (const [slug, pack] of Object.entries(DEMO_PACKS)) {
      const res = await server.call('PUT', `/v1/learning-packs/${slug}`, { key: t.secretKey, body: pack });
      expect(res.status).toBe(201);
    }
  });

  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  it('is curated by admins: validation names the field, a rep may not write, a second PUT replaces', async () => {
    const rep = await server.call('PUT', '/v1/learning-packs/x-pack', { key: newHire, body: HOSPITAL });
    expect(rep.status).toBe(403);
    const noEntry = await server.call('PUT', '/v1/learning-packs/x-pack', {
      key: t.secretKey,
      body: { ...HOSPITAL, items: [{ id: 'a', kind: 'entry', title: '一条话术' }] },
    });
    expect(noEntry.status).toBe(400);
    expect(noEntry.body.error.details.issues.map((issue: { path: string }) => issue.path)).toContain('items.0.entryId');
    const noScenario = await server.call('PUT', '/v1/learning-packs/x-pack', { key: t.secretKey, body: { ...HOSPITAL, scenario: {} } });
    expect(noScenario.status).toBe(400);
    expect(noScenario.body.error.details.issues[0].path).toMatch(/^scenario/);
    const badLink = await server.call('PUT', '/v1/learning-packs/x-pack', {
      key: t.secretKey,
      body: { ...HOSPITAL, items: [{ id: 'a', kind: 'faq', title: 'FAQ', url: 'javascript:alert(1)' }] },
    });
    expect(badLink.status).toBe(400);
    expect(badLink.body.error.details.issues[0].path).toBe('items.0.url');
    const badSlug = await server.call('PUT', '/v1/learning-packs/Not_A_Slug', { key: t.secretKey, body: HOSPITAL });
    expect(badSlug.status).toBe(400);
    const replaced = await server.call('PUT', '/v1/learning-packs/retail', { key: t.secretKey, body: { ...DEMO_PACKS['retail'], name: '零售学习包（新版）' } });
    expect(replaced.status).toBe(200);
    expect(replaced.body.name).toBe('零售学习包（新版）');
  });

  it('delivers the scenario’s pack to a new hire once, with its items and the approved entries its filter selects', async () => {
    const first = await next(newHire, `industry=${encodeURIComponent('医院信息化')}`);
    expect(first.pack).toMatchObject({ slug: 'hospital-it', progress: { done: 0, total: 6 }, deliveredAt: expect.any(String) });
    expect(first.pack.items.slice(0, 4).map((item: { kind: string; title: string }) => [item.kind, item.title])).toEqual([
      ['faq', 'HIS 对接常见问题'],
      ['process', '三甲医院采购流程：科室立项 → 院长办公会 → 公开招标'],
      ['checklist', '成功案例实施清单'],
      ['case', '华东某三甲医院：六周完成 HIS 对接'],
    ]);
    const entries = first.pack.items.filter((item: { kind: string }) => item.kind === 'entry');
    expect(entries.map((item: { title: string }) => item.title).sort()).toEqual(['你们怎么和我们的 HIS 对接？', '医院预算冻结了怎么办？']);
    expect(await next(newHire, `industry=${encodeURIComponent('医院信息化')}`)).toEqual({ pack: null });
    // Another scenario is another first time.
    expect((await next(newHire, `industry=${encodeURIComponent('制造业')}`)).pack.slug).toBe('manufacturing');
    expect(await next(newHire, `industry=${encodeURIComponent('制造业')}`)).toEqual({ pack: null });
    expect(await next(newHire, `industry=${encodeURIComponent('金融')}`)).toEqual({ pack: null });
  });

  it('delivers nothing to a veteran or a rep without a hire date', async () => {
    const veteran = await token('vet-1', hiredDaysAgo(400));
    expect(await next(veteran, `industry=${encodeURIComponent('医院信息化')}`)).toEqual({ pack: null });
    const unknown = await token('anon-1');
    expect(await next(unknown, `industry=${encodeURIComponent('医院信息化')}`)).toEqual({ pack: null });
    // The audience boundary is inclusive: hired exactly 90 days ago still counts.
    const edge = await token('edge-1', hiredDaysAgo(90));
    expect((await next(edge, `industry=${encodeURIComponent('医院信息化')}`)).pack.slug).toBe('hospital-it');
    const completion = await server.call('GET', '/v1/learning-packs/hospital-it/completion', { key: t.secretKey });
    expect(completion.body.reps.map((rep: { repId: string }) => rep.repId)).not.toContain('vet-1');
  });

  it('delivers once when the same rep asks five times at once', async () => {
    const racer = await token('race-1', hiredDaysAgo(3));
    const answers = await Promise.all(Array.from({ length: 5 }, () => next(racer, `industry=${encodeURIComponent('零售')}`)));
    expect(answers.filter((answer) => answer.pack !== null)).toHaveLength(1);
  });

  it('takes the scenario from the lead the rep is working on', async () => {
    const lead = await server.call('POST', '/v1/leads', {
      key: t.secretKey,
      body: { source: 'web', name: '张主任', phone: '13800138001', company: '华东某三甲医院', fields: { industry: '医院信息化' } },
    });
    expect(lead.status).toBeLessThan(300);
    const fromLead = await token('lead-rep', hiredDaysAgo(2));
    expect((await next(fromLead, `leadId=${lead.body.lead.id}`)).pack.slug).toBe('hospital-it');
    expect(await next(fromLead, `leadId=${lead.body.lead.id}`)).toEqual({ pack: null });
  });

  it('needs a scenario: 400 naming leadId without one, 404 for a lead that is not there', async () => {
    const none = await server.call('GET', '/v1/learning-packs/next', { key: newHire });
    expect(none.status).toBe(400);
    expect(none.body.error.details.issues[0].path).toMatch(/leadId/);
    const missing = await server.call('GET', '/v1/learning-packs/next?leadId=lead-that-does-not-exist', { key: newHire });
    expect(missing.status).toBe(404);
    const secret = await server.call('GET', `/v1/learning-packs/next?industry=${encodeURIComponent('零售')}`, { key: t.secretKey });
    expect(secret.status).toBe(403);
  });

  it('keeps a rep’s progress on a delivered pack, and shows it on later visits', async () => {
    const done = await server.call('POST', '/v1/learning-packs/hospital-it/progress', { key: newHire, body: { itemId: 'his-faq', done: true } });
    expect(done.status).toBe(200);
    expect(done.body.progress).toEqual({ done: 1, total: 6 });
    expect(done.body.items.find((item: { id: string }) => item.id === 'his-faq').done).toBe(true);
    const undone = await server.call('POST', '/v1/learning-packs/hospital-it/progress', { key: newHire, body: { itemId: 'his-faq', done: false } });
    expect(undone.body.progress.done).toBe(0);
    const unknown = await server.call('POST', '/v1/learning-packs/hospital-it/progress', { key: newHire, body: { itemId: 'nope', done: true } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.issues[0].path).toBe('itemId');
    const stranger = await token('nh-2', hiredDaysAgo(5));
    const notMine = await server.call('POST', '/v1/learning-packs/hospital-it/progress', { key: stranger, body: { itemId: 'his-faq', done: true } });
    expect(notMine.status).toBe(409);
    const delivered = await server.call('GET', `/v1/learning-packs/delivered?industry=${encodeURIComponent('医院信息化')}`, { key: newHire });
    expect(delivered.body.packs.map((pack: { slug: string }) => pack.slug)).toEqual(['hospital-it']);
    const all = await server.call('GET', '/v1/learning-packs/delivered', { key: newHire });
    expect(all.body.packs.map((pack: { slug: string }) => pack.slug).sort()).toEqual(['hospital-it', 'manufacturing']);
  });

  it('shows managers completion per rep, with when the last item was done', async () => {
    const pack = (await server.call('GET', '/v1/learning-packs/hospital-it', { key: newHire })).body;
    for (const item of pack.items) await server.call('POST', '/v1/learning-packs/hospital-it/progress', { key: newHire, body: { itemId: item.id, done: true } });
    const manager = await token('mgr', undefined, 'reviewer');
    const completion = await server.call('GET', '/v1/learning-packs/hospital-it/completion', { key: manager });
    expect(completion.status).toBe(200);
    const mine = completion.body.reps.find((rep: { repId: string }) => rep.repId === 'nh-1');
    expect(mine).toMatchObject({ name: '新人-nh-1', done: 6, total: 6, completedAt: expect.any(String) });
    expect(mine.doneItems.sort()).toEqual(pack.items.map((item: { id: string }) => item.id).sort());
    const edge = completion.body.reps.find((rep: { repId: string }) => rep.repId === 'edge-1');
    expect(edge).toMatchObject({ done: 0, completedAt: null });
    expect((await server.call('GET', '/v1/learning-packs/hospital-it/completion', { key: newHire })).status).toBe(403);
  });

  it('keeps tenants apart', async () => {
    const other = await server.tenant();
    expect((await server.call('GET', '/v1/learning-packs/hospital-it', { key: other.secretKey })).status).toBe(404);
    expect((await server.call('GET', '/v1/learning-packs', { key: other.secretKey })).body).toEqual({ packs: [] });
  });
});
