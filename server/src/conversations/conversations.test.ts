import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';

const START = Date.parse('2026-12-01T10:00:00+08:00');
let minute = 0;

/** A chat as `[role, text]` pairs, a minute apart, never reusing a time (so each chat is its own). */
function chat(...lines: Array<['customer' | 'rep', string]>) {
  return lines.map(([role, text]) => ({ role, text, at: new Date(START + minute++ * 60_000).toISOString() }));
}

const PRICE_QUESTION = '明年预算还没批，你们的报价比卫宁家高了不少，能不能再便宜点？';

describe.each(testEngines())('conversation capture on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let t: TestTenant;
  let rep: string;

  const capture = (body: unknown, key = rep) => server.call('POST', '/v1/conversations/capture', { key, body });
  const entryCount = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM knowledge_entries WHERE tenant_id = $1`, [t.id])).rows[0]!.n;

  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db);
    t = await server.tenant();
    rep = await repTokenFor(t.secretKey, { repId: 'wang', name: '王磊', role: 'rep' });
    const imported = await server.call('POST', '/v1/knowledge/import', {
      key: t.secretKey,
      body: {
        entries: [
          {
            externalId: 'price-his',
            question: PRICE_QUESTION,
            answer: '按模块分期：首期只上门诊，费用压到四成，余款进明年预算。',
            evidence: [{ kind: 'case', title: '华东某三甲医院分期方案' }],
          },
        ],
      },
    });
    expect(imported.body.imported).toBe(1);
  });

  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  it('starts with the default rules', async () => {
    const rules = await server.call('GET', '/v1/capture-rules', { key: rep });
    expect(rules.status).toBe(200);
    expect(rules.body.isDefault).toBe(true);
    expect(rules.body.rules.map((rule: { id: string; tag: string }) => [rule.id, rule.tag])).toEqual([
      ['price-objection', '价格异议'],
      ['competitor', '竞品对比'],
      ['delivery-pressure', '交付压力'],
    ]);
  });

  it('turns a snippet into a pending_review candidate: the customer’s words, the rep’s reply, an excerpt as evidence', async () => {
    const messages = chat(
      ['customer', '方案看过了'],
      ['customer', '预算今年卡得很紧'],
      ['customer', '而且你们上线要多久？我们三月份迎检，时间很紧'],
      ['rep', '首期六周可以上线，我把实施计划发您。'],
      ['customer', '好'],
    );
    const before = await entryCount();
    const res = await capture({ messages, source: 'wecom', industry: '医院信息化' });
    expect(res.status).toBe(200);
    expect(res.body.replayed).toBe(false);
    expect(res.body.snippets).toHaveLength(1);
    const [snippet] = res.body.snippets;
    expect(snippet.tags).toEqual(['交付压力']);
    expect(snippet.matches[0].why).toContain('上线');
    expect(snippet.context.map((message: { matched: boolean }) => message.matched)).toEqual([false, false, true, false, false]);
    expect(snippet.candidateEntryId).toEqual(expect.any(String));
    expect(snippet.linkedEntryId).toBeUndefined();
    expect(await entryCount()).toBe(before + 1);
    const entry = await server.call('GET', `/v1/knowledge/${snippet.candidateEntryId}`, { key: t.secretKey });
    expect(entry.body).toMatchObject({
      status: 'pending_review',
      question: '而且你们上线要多久？我们三月份迎检，时间很紧',
      answer: '首期六周可以上线，我把实施计划发您。',
      evidence: [{ kind: 'other', title: '对话摘录 2026-12-01' }],
      tags: ['交付压力', '对话采集'],
      industry: '医院信息化',
      authorRepId: 'wang',
    });
    // It waits in the review queue like any contribution.
    const queue = await server.call('GET', '/v1/knowledge/review-queue', { key: t.secretKey });
    expect(queue.body.pending.map((item: { entry: { id: string } }) => item.entry.id)).toContain(snippet.candidateEntryId);
  });

  it('links a snippet that repeats an approved entry to it as a real-world example instead of a new candidate', async () => {
    const before = await entryCount();
    const res = await capture({ messages: chat(['customer', PRICE_QUESTION], ['rep', '我们可以分期。']) });
    const [snippet] = res.body.snippets;
    expect(snippet.tags.sort()).toEqual(['价格异议', '竞品对比'].sort());
    expect(snippet.candidateEntryId).toBeUndefined();
    expect(snippet.similarity).toBeGreaterThanOrEqual(0.75);
    const approved = await server.call('GET', '/v1/knowledge?status=approved', { key: t.secretKey });
    expect(snippet.linkedEntryId).toBe(approved.body.entries[0].id);
    expect(await entryCount()).toBe(before);
    const examples = await server.call('GET', `/v1/conversations/examples?entryId=${snippet.linkedEntryId}`, { key: rep });
    expect(examples.body.examples).toEqual([expect.objectContaining({ snippetId: snippet.id, entryId: snippet.linkedEntryId, tags: snippet.tags, question: PRICE_QUESTION })]);
  });

  it('creates nothing twice when the same export comes again', async () => {
    const messages = chat(['customer', '你们比竞品贵，预算也不够'], ['rep', '按三年总成本算我们更低。']);
    const first = await capture({ messages, conversationId: 'wecom-42' });
    const count = await entryCount();
    const again = await capture({ messages, conversationId: 'wecom-42' });
    expect(again.body).toMatchObject({ replayed: true, captureId: first.body.captureId });
    expect(again.body.snippets.map((snippet: { id: string }) => snippet.id)).toEqual(first.body.snippets.map((snippet: { id: string }) => snippet.id));
    // Without an id, the same messages are recognised by their content and times.
    const third = await capture({ messages });
    expect(third.body.snippets.map((snippet: { candidateEntryId: string }) => snippet.candidateEntryId)).toEqual(first.body.snippets.map((snippet: { candidateEntryId: string }) => snippet.candidateEntryId));
    expect(await entryCount()).toBe(count);
  });

  it('respects windows, negation and the speaker filter', async () => {
    const before = await entryCount();
    const far = chat(['customer', '预算有限'], ['rep', '嗯'], ['customer', '先看看'], ['rep', '好'], ['customer', '你们太贵了']);
    expect((await capture({ messages: far })).body.snippets).toEqual([]);
    const repSays = chat(['rep', '和竞品相比我们更稳定'], ['customer', '嗯']);
    expect((await capture({ messages: repSays })).body.snippets).toEqual([]);
    const put = await server.call('PUT', '/v1/capture-rules', {
      key: t.secretKey,
      body: { rules: [{ id: 'discount', tag: '折扣请求', anyOf: [['折扣', '打折']], window: 1 }], synonyms: [['折扣', '优惠']] },
    });
    expect(put.status).toBe(200);
    expect(put.body.isDefault).toBe(false);
    expect((await capture({ messages: chat(['customer', '我们不需要折扣，服务好就行']) })).body.snippets).toEqual([]);
    const asks = await capture({ messages: chat(['customer', '能给点优惠吗']) });
    expect(asks.body.snippets[0].tags).toEqual(['折扣请求']);
    expect(await entryCount()).toBe(before + 1);
    const reset = await server.call('DELETE', '/v1/capture-rules', { key: t.secretKey });
    expect(reset.body.isDefault).toBe(true);
  });

  it('matches without storing anything on a dry run', async () => {
    const before = await entryCount();
    const captures = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM conversation_captures WHERE tenant_id = $1`, [t.id])).rows[0]!.n;
    const capturesBefore = await captures();
    const res = await capture({ messages: chat(['customer', '对手报价只有你们一半']), dryRun: true });
    expect(res.body).toMatchObject({ captureId: null, snippets: [{ id: null, tags: ['竞品对比'] }] });
    expect(await entryCount()).toBe(before);
    expect(await captures()).toBe(capturesBefore);
  });

  it('validates rules and exports, naming the field', async () => {
    const noTerms = await server.call('PUT', '/v1/capture-rules', { key: t.secretKey, body: { rules: [{ id: 'x', tag: '空规则' }] } });
    expect(noTerms.status).toBe(400);
    expect(noTerms.body.error.details.issues[0].path).toBe('rules.0.allOf');
    const wide = await server.call('PUT', '/v1/capture-rules', { key: t.secretKey, body: { rules: [{ id: 'x', tag: 't', anyOf: [['a']], window: 99 }] } });
    expect(wide.body.error.details.issues[0].path).toBe('rules.0.window');
    const byRep = await server.call('PUT', '/v1/capture-rules', { key: rep, body: { rules: [] } });
    expect(byRep.status).toBe(403);
    const badRole = await capture({ messages: [{ role: 'bot', text: '你好', at: '2026-12-01T10:00:00+08:00' }] });
    expect(badRole.status).toBe(400);
    expect(badRole.body.error.details.issues[0].path).toBe('messages.0.role');
    const publishable = await capture({ messages: chat(['customer', '你好']) }, t.publishableKey);
    expect(publishable.status).toBe(403);
  });
});
