import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repTokenFor, startTestServer, testEngines, type TestServer, type TestTenant } from '@huashu/server/testing';
import type { Database } from '@huashu/server';
import { createKnowledgeOpsClient, HuashuApiError, type KnowledgeOpsClient } from './assistant.js';
import { json, scriptedFetch } from './test-support/fakes.js';

describe('createKnowledgeOpsClient (requests)', () => {
  it('puts the scenario and paging in the query string and leaves out what is not given', async () => {
    const server = scriptedFetch(json({ pack: null }), json({ packs: [] }), json({ period: 'week', leaders: [] }), json({ balance: 0 }));
    const ops = createKnowledgeOpsClient({ endpoint: 'https://api.test/', repToken: 'rep.jwt', fetch: server.fetch });
    await ops.nextLearningPack({ leadId: 'lead_1', tags: ['招标', 'HIS'] });
    await ops.deliveredLearningPacks();
    await ops.leaderboard({ period: 'month', team: '华东' });
    await ops.myPoints();
    expect(server.requests.map((request) => [request.method, request.url, request.headers['authorization']])).toEqual([
      ['GET', `https://api.test/v1/learning-packs/next?leadId=lead_1&tags=${encodeURIComponent('招标,HIS')}`, 'Bearer rep.jwt'],
      ['GET', 'https://api.test/v1/learning-packs/delivered', 'Bearer rep.jwt'],
      ['GET', `https://api.test/v1/points/leaderboard?period=month&team=${encodeURIComponent('华东')}`, 'Bearer rep.jwt'],
      ['GET', 'https://api.test/v1/points/me', 'Bearer rep.jwt'],
    ]);
  });
});

describe.each(testEngines().slice(0, 1))('createKnowledgeOpsClient against the server on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;
  let ops: KnowledgeOpsClient;

  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db);
    tenant = await server.tenant();
    const hireDate = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
    const token = await repTokenFor(tenant.secretKey, { repId: 'sdk-rep', name: '新人', role: 'rep', hireDate });
    ops = createKnowledgeOpsClient({ endpoint: server.url, getRepToken: () => token });
    await server.call('PUT', '/v1/points/rewards', { key: tenant.secretKey, body: { rewards: [{ id: 'course', name: '培训课程', cost: 200 }] } });
    await server.call('PUT', '/v1/learning-packs/hospital-it', {
      key: tenant.secretKey,
      body: {
        name: '医院信息化新人学习包',
        scenario: { industry: '医院信息化' },
        audience: { hiredWithinDays: 90 },
        items: [{ id: 'his-faq', kind: 'faq', title: 'HIS 对接常见问题', url: 'https://docs.example.com/his' }],
      },
    });
  });

  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  it('reads points and refuses a redemption beyond the balance with insufficient_points', async () => {
    await expect(ops.myPoints()).resolves.toMatchObject({ repId: 'sdk-rep', balance: 0, ledger: [], rules: { entryApproved: 10 } });
    await expect(ops.rewards()).resolves.toEqual({ rewards: [{ id: 'course', name: '培训课程', description: null, cost: 200, stock: null }] });
    const refused = await ops.redeem('course').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(HuashuApiError);
    expect(refused).toMatchObject({ code: 'insufficient_points', status: 409, details: { cost: 200, balance: 0 } });
  });

  it('receives a pack once, marks an item done and finds it among the delivered packs', async () => {
    const { pack } = await ops.nextLearningPack({ industry: '医院信息化' });
    expect(pack).toMatchObject({ slug: 'hospital-it', progress: { done: 0, total: 1 } });
    await expect(ops.nextLearningPack({ industry: '医院信息化' })).resolves.toEqual({ pack: null });
    const updated = await ops.setPackProgress('hospital-it', 'his-faq', true);
    expect(updated.progress).toEqual({ done: 1, total: 1 });
    const delivered = await ops.deliveredLearningPacks({ industry: '医院信息化' });
    expect(delivered.packs.map((item) => [item.slug, item.progress.done])).toEqual([['hospital-it', 1]]);
    await expect(ops.learningPack('hospital-it')).resolves.toMatchObject({ items: [{ id: 'his-faq', done: true }] });
  });

  it('captures a conversation (dry run)', async () => {
    const result = await ops.captureConversation({ messages: [{ role: 'customer', text: '对手报价只有你们一半', at: '2026-12-01T10:00:00+08:00' }], dryRun: true });
    expect(result.snippets.map((snippet) => snippet.tags)).toEqual([['竞品对比']]);
  });
});
