import { FakeListChatModel } from '@langchain/core/utils/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';

const evidence = [{ kind: 'case', title: '某制造业客户：三年总成本降低 18%', url: 'https://example.com/case/1' }];

const ENTRIES = [
  {
    externalId: 'price-1',
    question: '客户说我们价格比竞品贵太多了',
    answer: '先认同价格是重要因素，再按三年总拥有成本对比：我们含驱动和边缘网关，竞品另行收费。',
    evidence,
    tags: ['价格异议', '竞品对比'],
    industry: '制造业',
  },
  {
    externalId: 'budget-1',
    question: '今年预算已经冻结了，明年再说吧',
    answer: '理解预算节奏，可以先做小范围试点，费用计入明年预算，分期付款不占用今年额度。',
    evidence: [{ kind: 'document', title: '分期付款方案说明' }],
    tags: ['预算'],
    industry: '医院信息化',
  },
  {
    externalId: 'security-1',
    question: '你们的系统通过等保三级了吗？数据安全怎么保证',
    answer: '我们已通过等保三级测评，并有 ISO 27001 认证；数据存储在客户指定机房，可私有化部署。',
    evidence: [{ kind: 'certification', title: '等保三级测评报告 2025' }],
    tags: ['安全合规'],
    industry: '金融',
  },
  {
    externalId: 'timeline-1',
    question: '上线要多久？我们下个月就要用',
    answer: '标准版两周可上线：第一周数据对接，第二周培训与试运行；有同规模客户 10 个工作日上线的案例。',
    evidence: [{ kind: 'case', title: '某零售连锁 10 个工作日上线' }],
    tags: ['交付周期'],
    industry: '零售',
  },
];

describe.each(testEngines())('knowledge base and assistant on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let a: TestTenant;
  let b: TestTenant;
  let repToken: string;
  let reviewerToken: string;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db);
    a = await server.tenant();
    b = await server.tenant();
    repToken = await repTokenFor(a.secretKey, { repId: 'rep-7', name: '陈晨', role: 'rep' });
    reviewerToken = await repTokenFor(a.secretKey, { repId: 'lead-1', name: '刘经理', role: 'reviewer' });
    const res = await server.call('POST', '/v1/knowledge/import', { key: a.secretKey, body: { entries: ENTRIES } });
    expect(res.body).toMatchObject({ imported: 4, updated: 0, rejected: [] });
    const list = await server.call('GET', '/v1/knowledge?limit=100', { key: a.secretKey });
    for (const entry of list.body.entries) ids.set(entry.externalId, entry.id);
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  describe('import', () => {
    it('reports bad rows by index with the missing part and stores the good ones', async () => {
      const res = await server.call('POST', '/v1/knowledge/import', {
        key: b.secretKey,
        body: {
          entries: [
            { question: '能不能再便宜点', answer: '可以按年付享受 9 折。', evidence },
            { question: '没有佐证的条目', answer: '空泛经验', evidence: [] },
            { answer: '缺客户原话', evidence },
            { question: '缺话术', evidence },
            { question: '坏链接', answer: '……', evidence: [{ kind: 'case', title: 'x', url: 'javascript:alert(1)' }] },
          ],
        },
      });
      expect(res.status).toBe(200);
      expect(res.body.imported).toBe(1);
      expect(res.body.rejected.map((row: { index: number }) => row.index)).toEqual([1, 2, 3, 4]);
      expect(res.body.rejected[0].reason).toMatch(/evidence/);
      expect(res.body.rejected[1].reason).toMatch(/question/);
      expect(res.body.rejected[2].reason).toMatch(/answer/);
      expect(res.body.rejected[3].reason).toMatch(/http/);
    });

    it('updates on the same externalId instead of duplicating', async () => {
      const changed = { ...ENTRIES[3]!, answer: '标准版两周上线（更新版话术）。' };
      const res = await server.call('POST', '/v1/knowledge/import', { key: a.secretKey, body: { entries: [changed] } });
      expect(res.body).toMatchObject({ imported: 0, updated: 1 });
      const entry = await server.call('GET', `/v1/knowledge/${ids.get('timeline-1')}`, { key: a.secretKey });
      expect(entry.body.answer).toContain('更新版');
      const count = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM knowledge_entries WHERE tenant_id = $1`, [a.id]);
      expect(count.rows[0]!.n).toBe(4);
    });

    it('treats null on an optional field as absent, in an import and in a single entry', async () => {
      const row = { externalId: 'null-industry', question: '售后响应要多久', answer: '7×24 小时热线，4 小时到场。', evidence, industry: null, tags: null, product: null };
      const imported = await server.call('POST', '/v1/knowledge/import', { key: b.secretKey, body: { entries: [row] } });
      expect(imported.body).toMatchObject({ imported: 1, rejected: [] });
      const created = await server.call('POST', '/v1/knowledge', { key: b.secretKey, body: { ...row, externalId: 'null-industry-2' } });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ industry: null, tags: [] });
      const missing = await server.call('POST', '/v1/knowledge', { key: b.secretKey, body: { ...row, externalId: null, question: null } });
      expect(missing.status).toBe(400);
      expect(missing.body.error.message).toContain('question');
    });

    it('refuses the import to a rep token and a publishable key', async () => {
      const rep = await server.call('POST', '/v1/knowledge/import', { key: repToken, body: { entries: ENTRIES } });
      expect(rep.status).toBe(403);
      const pk = await server.call('POST', '/v1/knowledge/import', { key: a.publishableKey, body: { entries: ENTRIES } });
      expect(pk.status).toBe(403);
    });
  });

  describe('ask', () => {
    it('returns the best scripts with evidence and success rates', async () => {
      const res = await server.call('POST', '/v1/assistant/ask', { key: repToken, body: { question: '客户说我们价格比XX贵，怎么回应？' } });
      expect(res.status).toBe(200);
      expect(res.body.abstained).toBe(false);
      expect(res.body.matches[0].entry.externalId).toBe('price-1');
      expect(res.body.matches[0].entry.evidence[0].title).toContain('三年总成本');
      expect(res.body.matches[0].successRate).toEqual({ uses: 0, successes: 0, rate: null });
      expect(res.body.matches.length).toBeLessThanOrEqual(3);
    });

    it('abstains on questions outside the knowledge base', async () => {
      for (const question of ['办公室的WiFi密码是多少', '今天中午订什么外卖']) {
        const res = await server.call('POST', '/v1/assistant/ask', { key: repToken, body: { question } });
        expect(res.body).toEqual({ askId: expect.stringMatching(/^ask_/), confidence: 'none', matches: [], abstained: true });
      }
    });

    it('answers only approved entries', async () => {
      const created = await server.call('POST', '/v1/knowledge', {
        key: repToken,
        body: { question: '客户问能不能提供源代码托管', answer: '可以做第三方源码托管，费用另计。', evidence: [{ kind: 'document', title: '源码托管协议模板' }] },
      });
      expect(created.status).toBe(201);
      expect(created.body.status).toBe('pending_review');
      expect(created.body.authorRepId).toBe('rep-7');
      const before = await server.call('POST', '/v1/assistant/ask', { key: repToken, body: { question: '源代码托管可以吗' } });
      expect(before.body.matches.map((m: { entry: { id: string } }) => m.entry.id)).not.toContain(created.body.id);

      const denied = await server.call('POST', `/v1/knowledge/${created.body.id}/review`, { key: repToken, body: { decision: 'approve' } });
      expect(denied.status).toBe(403);
      const approved = await server.call('POST', `/v1/knowledge/${created.body.id}/review`, { key: reviewerToken, body: { decision: 'approve', note: '已核实' } });
      expect(approved.status).toBe(200);
      expect(approved.body.status).toBe('approved');
      expect(Date.parse(approved.body.verifiedUntil)).toBeGreaterThan(Date.now());
      const after = await server.call('POST', '/v1/assistant/ask', { key: repToken, body: { question: '源代码托管可以吗' } });
      expect(after.body.matches[0].entry.id).toBe(created.body.id);
    });

    it('refuses a contribution missing a part, naming it, and stores nothing', async () => {
      const res = await server.call('POST', '/v1/knowledge', { key: repToken, body: { question: '客户嫌交付慢', answer: '我们两周上线。' } });
      expect(res.status).toBe(400);
      expect(res.body.error.details.issues[0].path).toBe('evidence');
      const rows = await db.query(`SELECT 1 FROM knowledge_entries WHERE tenant_id = $1 AND question = '客户嫌交付慢'`, [a.id]);
      expect(rows.rows).toHaveLength(0);
    });

    it('keeps tenants apart', async () => {
      const res = await server.call('POST', '/v1/assistant/ask', { key: b.secretKey, body: { question: '客户说我们价格比竞品贵' } });
      expect(res.body.matches.map((m: { entry: { externalId: string } }) => m.entry.externalId)).not.toContain('price-1');
      const foreign = await server.call('GET', `/v1/knowledge/${ids.get('price-1')}`, { key: b.secretKey });
      expect(foreign.status).toBe(404);
      const outcome = await server.call('POST', '/v1/outcomes', { key: b.secretKey, body: { entryId: ids.get('price-1'), outcome: 'success' } });
      expect(outcome.status).toBe(404);
    });
  });

  describe('outcomes and ranking', () => {
    it('records outcomes and shows the success rate', async () => {
      const entryId = ids.get('security-1')!;
      for (const outcome of ['success', 'success', 'failure'] as const) {
        const res = await server.call('POST', '/v1/outcomes', { key: repToken, body: { entryId, outcome } });
        expect(res.status).toBe(201);
      }
      const res = await server.call('POST', '/v1/assistant/ask', { key: repToken, body: { question: '等保三级过了吗' } });
      expect(res.body.matches[0].entry.id).toBe(entryId);
      expect(res.body.matches[0].successRate).toEqual({ uses: 3, successes: 2, rate: 0.667 });
    });

    it('lets success reorder near-ties but never lifts an irrelevant entry over a relevant one', async () => {
      const tenant = await server.tenant();
      const twins = [
        { externalId: 'twin-a', question: '客户要求再打个折扣', answer: '先问清楚决策人和预算，再给年付折扣。', evidence },
        { externalId: 'twin-b', question: '客户要求再打个折扣', answer: '用增值服务替代直接降价。', evidence },
        { externalId: 'other', question: '售后响应要多长时间', answer: '7×24 小时，4 小时到场。', evidence },
      ];
      await server.call('POST', '/v1/knowledge/import', { key: tenant.secretKey, body: { entries: twins } });
      const list = await server.call('GET', '/v1/knowledge', { key: tenant.secretKey });
      const idOf = (externalId: string) => list.body.entries.find((e: { externalId: string }) => e.externalId === externalId).id;
      const ask = async () =>
        (await server.call('POST', '/v1/assistant/ask', { key: tenant.secretKey, body: { question: '客户要求再打个折扣' } })).body.matches.map(
          (m: { entry: { externalId: string } }) => m.entry.externalId,
        );
      const before = await ask();
      const loser = before[0] === 'twin-a' ? 'twin-b' : 'twin-a';
      for (let i = 0; i < 8; i++) await server.call('POST', '/v1/outcomes', { key: tenant.secretKey, body: { entryId: idOf(loser), outcome: 'success' } });
      for (let i = 0; i < 30; i++) await server.call('POST', '/v1/outcomes', { key: tenant.secretKey, body: { entryId: idOf('other'), outcome: 'success' } });
      const after = await ask();
      expect(after[0]).toBe(loser);
      expect(after).not.toContain('other');
    });

    it('flags entries whose verification expired and lists them for re-verification', async () => {
      await db.query(`UPDATE knowledge_entries SET verified_until = now() - interval '1 day' WHERE tenant_id = $1 AND external_id = 'budget-1'`, [a.id]);
      const res = await server.call('POST', '/v1/assistant/ask', { key: repToken, body: { question: '今年预算冻结了' } });
      expect(res.body.matches[0].entry).toMatchObject({ externalId: 'budget-1', stale: true });
      const stale = await server.call('GET', '/v1/knowledge?stale=true', { key: reviewerToken });
      expect(stale.body.entries.map((e: { externalId: string }) => e.externalId)).toEqual(['budget-1']);
    });
  });
});

describe('grounded answers (fake chat model, no network)', () => {
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;
  beforeAll(async () => {
    db = await testEngines()[0]!.open();
    server = await startTestServer(db, {}, { chat: new FakeListChatModel({ responses: ['按三年总成本来比，我们更省 [1]。'] }) });
    tenant = await server.tenant();
    await server.call('POST', '/v1/knowledge/import', { key: tenant.secretKey, body: { entries: ENTRIES } });
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  async function stream(question: string) {
    const res = await fetch(`${server.url}/v1/assistant/answer`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenant.secretKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ question }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    return [...text.matchAll(/event: (\w+)\ndata: (.*)\n\n/g)].map(([, event, data]) => ({ event: event!, data: JSON.parse(data!) }));
  }

  it('streams tokens after citing the matched entries', async () => {
    const events = await stream('客户说我们比竞品贵');
    expect(events[0]!.event).toBe('citations');
    expect(events[0]!.data[0]).toMatchObject({ index: 1, question: ENTRIES[0]!.question });
    const text = events.filter((e) => e.event === 'token').map((e) => e.data.text).join('');
    expect(text).toBe('按三年总成本来比，我们更省 [1]。');
    expect(events.at(-1)!.event).toBe('done');
  });

  it('says it abstains and invents nothing', async () => {
    const events = await stream('办公室WiFi密码是多少');
    expect(events.map((e) => e.event)).toEqual(['abstained', 'done']);
    expect(events[0]!.data.message).toContain('知识库里还没有相关话术');
  });

  it('answers 503 with a clear code when no chat model is configured', async () => {
    const plain = await startTestServer(db);
    const res = await plain.call('POST', '/v1/assistant/answer', { key: tenant.secretKey, body: { question: '太贵了' } });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('llm_unavailable');
    await plain.close();
  });
});
