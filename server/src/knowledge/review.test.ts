import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';

const APPROVED = [
  {
    externalId: 'price',
    question: '你们这个平台报价比智联工业云贵了快40%，功能看着都差不多啊，凭啥贵这么多？',
    answer: '按三年总拥有成本对比：我们含驱动和边缘网关，对方另行收费。',
    evidence: [{ kind: 'case', title: '某汽车零部件厂 TCO 对比' }],
    tags: ['价格异议'],
  },
  {
    externalId: 'his',
    question: '我们HIS是老厂商做的，接口根本不开放，你们怎么对接？',
    answer: '我们有 HL7 与数据库视图两套对接方式，不依赖原厂开放接口。',
    evidence: [{ kind: 'case', title: '华东某三甲医院 HIS 对接' }],
    tags: ['系统集成'],
  },
  {
    externalId: 'stale',
    question: '你们的等保三级证书过期了吗？',
    answer: '证书有效期至 2027 年。',
    evidence: [{ kind: 'certification', title: '等保三级测评报告' }],
    tags: ['安全合规'],
  },
];

describe.each(testEngines())('review queue on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let t: TestTenant;
  let rep: string;
  let reviewer: string;

  const contribute = async (question: string) => {
    const res = await server.call('POST', '/v1/knowledge', { key: rep, body: { question, answer: '一段应答话术。', evidence: [{ kind: 'case', title: '一个案例' }] } });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db);
    t = await server.tenant();
    rep = await repTokenFor(t.secretKey, { repId: 'rep-1', name: '陈晨', role: 'rep' });
    reviewer = await repTokenFor(t.secretKey, { repId: 'lead-1', name: '刘经理', role: 'reviewer' });
    const imported = await server.call('POST', '/v1/knowledge/import', { key: t.secretKey, body: { entries: APPROVED } });
    expect(imported.body.imported).toBe(3);
    // One approved entry whose verification date has passed.
    await db.query(`UPDATE knowledge_entries SET verified_until = now() - interval '1 day' WHERE tenant_id = $1 AND external_id = 'stale'`, [t.id]);
  });

  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  it('puts a near-duplicate beside the approved entry it repeats, and an original beside nothing that close', async () => {
    const duplicate = await contribute('你们这个平台报价比智联工业云贵了快40%，功能看着都差不多啊，凭啥贵这么多？吧');
    const original = await contribute('你们的售后响应时间是多久？晚上出故障有人管吗');
    const queue = await server.call('GET', '/v1/knowledge/review-queue', { key: reviewer });
    expect(queue.status).toBe(200);
    const byId = new Map(queue.body.pending.map((item: { entry: { id: string } }) => [item.entry.id, item]));
    const dup = byId.get(duplicate) as { similar: Array<{ entry: { question: string }; similarity: number }>; likelyDuplicate: boolean };
    expect(dup.similar[0]!.entry.question).toBe(APPROVED[0]!.question);
    expect(dup.similar[0]!.similarity).toBeGreaterThan(queue.body.duplicateSimilarity);
    expect(dup.likelyDuplicate).toBe(true);
    // Most similar first, three by default, only approved entries.
    expect(dup.similar).toHaveLength(3);
    expect(dup.similar.map((s) => s.similarity)).toEqual([...dup.similar.map((s) => s.similarity)].sort((a, b) => b - a));
    expect(dup.similar.map((s) => s.entry.question)).not.toContain('你们的售后响应时间是多久？晚上出故障有人管吗');
    const fresh = byId.get(original) as { similar: Array<{ similarity: number }>; likelyDuplicate: boolean };
    expect(fresh.likelyDuplicate).toBe(false);
    expect(fresh.similar[0]!.similarity).toBeLessThan(queue.body.duplicateSimilarity);
    expect(queue.body.total).toBe(2);
  });

  it('lists the approved entries whose verification expired beside the queue', async () => {
    const queue = await server.call('GET', '/v1/knowledge/review-queue', { key: t.secretKey });
    expect(queue.body.expired.map((entry: { externalId: string }) => entry.externalId)).toEqual(['stale']);
    expect(queue.body.expiredTotal).toBe(1);
    expect(queue.body.expired[0].stale).toBe(true);
  });

  it('requests changes with a note and records the reviewer; the entry leaves the queue', async () => {
    const id = await contribute('你们的系统支持国产数据库吗？');
    const res = await server.call('POST', `/v1/knowledge/${id}/review`, { key: reviewer, body: { decision: 'request_changes', note: '请补充达梦数据库的适配证明' } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('changes_requested');
    const stored = await db.query<{ reviewed_by: string; review_note: string }>(`SELECT reviewed_by, review_note FROM knowledge_entries WHERE tenant_id = $1 AND id = $2`, [t.id, id]);
    expect(stored.rows[0]).toEqual({ reviewed_by: 'lead-1', review_note: '请补充达梦数据库的适配证明' });
    const queue = await server.call('GET', '/v1/knowledge/review-queue', { key: reviewer });
    expect(queue.body.pending.map((item: { entry: { id: string } }) => item.entry.id)).not.toContain(id);
    // The author sees the status on their entry.
    const mine = await server.call('GET', `/v1/knowledge/${id}`, { key: rep });
    expect(mine.body.status).toBe('changes_requested');
  });

  it('lets the author read the note, list their own entries, resubmit, and get approved; others cannot edit it', async () => {
    const id = await contribute('你们的系统支持信创环境吗？');
    await server.call('POST', `/v1/knowledge/${id}/review`, { key: reviewer, body: { decision: 'request_changes', note: '请写明适配的操作系统和数据库' } });
    const mine = await server.call('GET', '/v1/knowledge?mine=true', { key: rep });
    expect(mine.status).toBe(200);
    const listed = mine.body.entries.find((entry: { id: string }) => entry.id === id);
    expect(listed.status).toBe('changes_requested');
    expect(listed.review).toMatchObject({ note: '请写明适配的操作系统和数据库', reviewer: 'lead-1' });
    expect(mine.body.entries.every((entry: { authorRepId: string }) => entry.authorRepId === 'rep-1')).toBe(true);

    const other = await repTokenFor(t.secretKey, { repId: 'rep-2', name: '周强', role: 'rep' });
    const body = { question: '你们的系统支持信创环境吗？', answer: '已适配麒麟、统信 UOS 和达梦、人大金仓。', evidence: [{ kind: 'test_report', title: '信创适配测试报告' }] };
    expect((await server.call('PUT', `/v1/knowledge/${id}`, { key: other, body })).status).toBe(404);
    const resubmitted = await server.call('PUT', `/v1/knowledge/${id}`, { key: rep, body });
    expect(resubmitted.status).toBe(200);
    expect(resubmitted.body).toMatchObject({ status: 'pending_review', answer: body.answer });
    const queue = await server.call('GET', '/v1/knowledge/review-queue', { key: reviewer });
    expect(queue.body.pending.map((item: { entry: { id: string } }) => item.entry.id)).toContain(id);

    await server.call('POST', `/v1/knowledge/${id}/review`, { key: reviewer, body: { decision: 'approve' } });
    const ask = await server.call('POST', '/v1/assistant/ask', { key: rep, body: { question: '支持麒麟和达梦这样的信创环境吗' } });
    expect(ask.body.matches.map((match: { entry: { id: string } }) => match.entry.id)).toContain(id);
    // Approved now: the author's further changes go through a reviewer.
    expect((await server.call('PUT', `/v1/knowledge/${id}`, { key: rep, body })).status).toBe(409);
    const missing = await server.call('PUT', `/v1/knowledge/${id}`, { key: reviewer, body: { ...body, evidence: [] } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.issues[0].path).toBe('evidence');
  });

  it('approves and rejects with a note, and archives for good', async () => {
    const approved = await contribute('能不能先试用一个月再决定？');
    const rejected = await contribute('你们公司成立几年了？');
    expect((await server.call('POST', `/v1/knowledge/${approved}/review`, { key: reviewer, body: { decision: 'approve', note: '好' } })).body.status).toBe('approved');
    expect((await server.call('POST', `/v1/knowledge/${rejected}/review`, { key: reviewer, body: { decision: 'reject', note: '太空泛' } })).body.status).toBe('rejected');
    expect((await server.call('POST', `/v1/knowledge/${approved}/review`, { key: t.secretKey, body: { decision: 'archive' } })).body.status).toBe('archived');
    const again = await server.call('POST', `/v1/knowledge/${approved}/review`, { key: reviewer, body: { decision: 'approve' } });
    expect(again.status).toBe(409);
    const unknown = await server.call('POST', `/v1/knowledge/${rejected}/review`, { key: reviewer, body: { decision: 'maybe' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details.issues[0].path).toBe('decision');
  });

  it('is for reviewers: a rep token with role rep gets 403, another tenant sees its own empty queue', async () => {
    expect((await server.call('GET', '/v1/knowledge/review-queue', { key: rep })).status).toBe(403);
    const other = await server.tenant();
    const queue = await server.call('GET', '/v1/knowledge/review-queue', { key: other.secretKey });
    expect(queue.body).toMatchObject({ pending: [], total: 0, expired: [] });
    const bad = await server.call('GET', '/v1/knowledge/review-queue?similar=99', { key: other.secretKey });
    expect(bad.status).toBe(400);
  });
});
