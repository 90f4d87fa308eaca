import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';

const evidence = [{ kind: 'case', title: '某客户案例' }];

/** A small written base: two price scripts (a hospital one in Chinese, a SaaS one in English) and a few others. */
const ENTRIES = [
  {
    externalId: 'price-hospital',
    question: '医院信息科说我们的报价太高，经费批不下来',
    answer: '医院预算按年度申报：可以把一期范围收窄到急需的模块，报价降到原方案六成，二期进明年预算。',
    evidence,
    tags: ['价格'],
    industry: '医疗',
  },
  {
    externalId: 'price-saas',
    question: 'Your price is too high compared with other SaaS tools',
    answer: 'Compare the three-year cost: integrations and support are included in our subscription, and others charge for them separately.',
    evidence,
    tags: ['price'],
  },
  {
    externalId: 'deploy',
    question: '能不能私有化部署到我们自己的机房？',
    answer: '可以私有化部署，提供一键安装包和驻场实施，两周内上线。',
    evidence,
    tags: ['部署'],
    variants: ['数据不能出我们的内网', '必须装在本地服务器上'],
  },
  {
    externalId: 'timeline',
    question: '上线要多久？我们下个月就要用',
    answer: '标准版两周可上线：第一周数据对接，第二周培训与试运行。',
    evidence,
    tags: ['交付周期'],
  },
  {
    externalId: 'contract',
    question: '合同里的违约金比例太高了，能不能改',
    answer: '违约金可以按双方对等的比例约定，我们法务可以出一版对等条款。',
    evidence,
    tags: ['合同'],
  },
];

type Match = { entry: { id: string; externalId: string }; confidence: string; matchedVariant?: string };

describe.each(testEngines())('assistant learning on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let a: TestTenant;
  let b: TestTenant;
  let reps: string[];
  const ids = new Map<string, string>();

  const ask = async (question: string, extra: Record<string, unknown> = {}, key = a.secretKey) => {
    const res = await server.call('POST', '/v1/assistant/ask', { key, body: { question, ...extra } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { askId: string; confidence: string; abstained: boolean; matches: Match[] };
  };
  const importMore = async (entries: ReadonlyArray<Record<string, unknown>>) => {
    expect((await server.call('POST', '/v1/knowledge/import', { key: a.secretKey, body: { entries } })).body).toMatchObject({ imported: entries.length });
    const listed = await server.call('GET', '/v1/knowledge?limit=50', { key: a.secretKey });
    for (const entry of listed.body.entries) ids.set(entry.externalId, entry.id);
  };
  const top = (body: { matches: Match[] }) => body.matches.map((match) => match.entry.externalId);

  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db, { HUASHU_JOBS: '0' });
    a = await server.tenant();
    b = await server.tenant();
    reps = await Promise.all(['rep-1', 'rep-2', 'rep-3'].map((repId) => repTokenFor(a.secretKey, { repId, name: repId, role: 'rep' })));
    const res = await server.call('POST', '/v1/knowledge/import', { key: a.secretKey, body: { entries: ENTRIES } });
    expect(res.body).toMatchObject({ imported: ENTRIES.length, rejected: [] });
    const listed = await server.call('GET', '/v1/knowledge?limit=50', { key: a.secretKey });
    for (const entry of listed.body.entries) ids.set(entry.externalId, entry.id);
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  it('answers with an askId and a confidence overall and per match', async () => {
    const body = await ask('客户说我们私有化部署能不能做');
    expect(body.askId).toMatch(/^ask_/);
    expect(['high', 'low']).toContain(body.confidence);
    expect(body.abstained).toBe(false);
    expect(top(body)[0]).toBe('deploy');
    for (const match of body.matches) expect(['high', 'low']).toContain(match.confidence);
  });

  it('says none, with no matches, to an office question', async () => {
    for (const question of ['打印机卡纸了找谁修', '今天食堂中午吃什么', 'What is the guest Wi-Fi password?']) {
      const body = await ask(question);
      expect(body, question).toMatchObject({ confidence: 'none', abstained: true, matches: [] });
    }
  });

  it('keeps the old top-level industry filter working', async () => {
    const body = await ask('报价太高了', { industry: '医疗' });
    expect(top(body)).toEqual(['price-hospital']);
  });

  it('matches on a variant as on the entry, and shows the variants on the entry', async () => {
    const body = await ask('数据不能出我们的内网');
    expect(top(body)[0]).toBe('deploy');
    expect(body.matches[0]!.matchedVariant).toBe('数据不能出我们的内网');
    const entry = await server.call('GET', `/v1/knowledge/${ids.get('deploy')}`, { key: a.secretKey });
    expect([...entry.body.variants].sort()).toEqual(['必须装在本地服务器上', '数据不能出我们的内网']);
  });

  it('re-importing an entry with another variant list replaces its imported variants', async () => {
    const deploy = { ...ENTRIES[2]!, variants: ['必须装在本地服务器上', '不能上公有云'] };
    await server.call('POST', '/v1/knowledge/import', { key: a.secretKey, body: { entries: [deploy] } });
    const entry = await server.call('GET', `/v1/knowledge/${ids.get('deploy')}`, { key: a.secretKey });
    expect([...entry.body.variants].sort()).toEqual(['不能上公有云', '必须装在本地服务器上']);
    expect(top(await ask('不能上公有云'))[0]).toBe('deploy');
  });

  it('prefers the lead’s industry and the question’s language: a hospital price question gets the Chinese hospital script first', async () => {
    const body = await ask('价格太高了怎么办', { context: { industry: '医疗', lang: 'zh-CN' } });
    expect(top(body)[0]).toBe('price-hospital');
    const english = await ask('the price is too high', { context: { lang: 'en' } });
    expect(top(english)[0]).toBe('price-saas');
  });

  it('refuses an unknown or another tenant’s askId, naming it', async () => {
    const other = await ask('上线要多久', {}, b.secretKey);
    for (const askId of ['ask_nope', other.askId]) {
      const res = await server.call('POST', '/v1/outcomes', { key: a.secretKey, body: { entryId: ids.get('timeline'), outcome: 'success', askId } });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toContain(askId);
    }
    const bad = await server.call('POST', '/v1/assistant/ask', { key: a.secretKey, body: { question: '上线', context: { lang: 'not a tag!' } } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.error)).toContain('lang');
  });

  it('turns a question that worked into a pending variant, approved after successes from two reps', async () => {
    const question = '这个项目什么时候能交付使用';
    const first = await ask(question, {}, reps[0]);
    const report = (token: string, askId: string, outcome = 'success') =>
      server.call('POST', '/v1/outcomes', { key: token, body: { entryId: ids.get('timeline'), outcome, askId } });
    expect((await report(reps[0]!, first.askId)).status).toBe(201);
    const pending = await server.call('GET', '/v1/knowledge/variants?status=pending', { key: a.secretKey });
    expect(pending.body.variants).toEqual([expect.objectContaining({ text: question, entryId: ids.get('timeline'), source: 'learned', successes: 1, reporters: 1 })]);
    // The same rep again does not count twice.
    expect((await report(reps[0]!, (await ask(question, {}, reps[0])).askId)).status).toBe(201);
    expect((await server.call('GET', '/v1/knowledge/variants?status=pending', { key: a.secretKey })).body.total).toBe(1);
    expect((await report(reps[1]!, (await ask(question, {}, reps[1])).askId)).status).toBe(201);
    expect((await server.call('GET', '/v1/knowledge/variants?status=pending', { key: a.secretKey })).body.total).toBe(0);
    const entry = await server.call('GET', `/v1/knowledge/${ids.get('timeline')}`, { key: a.secretKey });
    expect(entry.body.variants).toContain(question);
  });

  it('lets a reviewer reject a learned variant, and a rep may not review', async () => {
    const asked = await ask('多久能用上', {}, reps[2]);
    await server.call('POST', '/v1/outcomes', { key: reps[2]!, body: { entryId: ids.get('timeline'), outcome: 'success', askId: asked.askId } });
    const pending = await server.call('GET', '/v1/knowledge/variants?status=pending', { key: a.secretKey });
    const variant = pending.body.variants.find((v: { text: string }) => v.text === '多久能用上');
    expect((await server.call('POST', `/v1/knowledge/variants/${variant.id}/review`, { key: reps[2]!, body: { decision: 'approve' } })).status).toBe(403);
    const rejected = await server.call('POST', `/v1/knowledge/variants/${variant.id}/review`, { key: a.secretKey, body: { decision: 'reject' } });
    expect(rejected.body).toMatchObject({ status: 'rejected' });
    expect((await server.call('POST', `/v1/knowledge/variants/${variant.id}/review`, { key: b.secretKey, body: { decision: 'approve' } })).status).toBe(404);
  });

  it('learns from feedback: afterwards a paraphrase sharing no word with the entry reaches the top 3', async () => {
    // 「烧钱」 never occurs in the base; reps keep using it for the contract-penalty script.
    const paraphrase = '老板觉得这样太烧钱了';
    expect(top(await ask(paraphrase))).not.toContain('contract');
    for (const question of ['客户嫌违约太烧钱', '违约条款太烧钱了', '客户说这条款烧钱', '违约烧钱怎么回']) {
      const asked = await ask(question);
      await server.call('POST', '/v1/outcomes', { key: a.secretKey, body: { entryId: ids.get('contract'), outcome: 'success', askId: asked.askId } });
    }
    const learned = await server.call('POST', '/v1/assistant/learn', { key: a.secretKey });
    expect(learned.status).toBe(200);
    expect(learned.body.pairs).toBeGreaterThanOrEqual(4);
    expect(learned.body.terms).toBeGreaterThan(0);
    // One reporter (the secret key): the variants are still pending, so the associations did this.
    const after = await ask(paraphrase);
    if (process.env.DEBUG_LEARN) {
      const { searchKnowledge } = await import('../knowledge/knowledge.service.js');
      const r = await searchKnowledge(server.running.ctx.db, a.id, server.running.ctx.embedder, paraphrase, { keepOnNone: true, floor: 0, limit: 5 });
      console.log(r.gate, r.topRelevance, r.hits.map((h) => [h.entry.externalId, h.relevance, h.lexical, h.dense]));
      const t = await db.query('SELECT model FROM knowledge_term_associations WHERE tenant_id = $1', [a.id]);
      console.log(JSON.stringify(t.rows[0]));
    }
    expect(top(after).slice(0, 3)).toContain('contract');
    expect((await server.call('POST', '/v1/assistant/learn', { key: reps[0]! })).status).toBe(403);
  });

  it('links a question to an entry no report touched, through the words reps used: its own text asked and answered by another entry', async () => {
    const extra = [
      { externalId: 'go-live-a', question: '项目上线时间能不能再提前一点', answer: '可以分两期：核心模块先上线，其余模块第二期交付，首期时间能提前一个月。', evidence, tags: ['交付周期'] },
      { externalId: 'go-live-b', question: '工期太长了，能压缩吗', answer: '并行实施数据对接和培训，整体工期可以压缩三周，前提是贵方对接人全程到位。', evidence, tags: ['交付周期'] },
    ];
    await importMore(extra);
    // Shares no character with go-live-b.
    const question = '客户嫌进度拖得慢';
    expect(top(await ask(question))).not.toContain('go-live-b');
    // Reps found go-live-a's script right both for this question and for go-live-b's own words.
    for (const asked of [question, '工期太长了，能压缩吗']) {
      const { askId } = await ask(asked);
      await server.call('POST', '/v1/outcomes', { key: a.secretKey, body: { entryId: ids.get('go-live-a'), outcome: 'success', askId } });
    }
    const learned = await server.call('POST', '/v1/assistant/learn', { key: a.secretKey });
    expect(learned.status).toBe(200);
    expect(learned.body.phrasings).toBeGreaterThanOrEqual(3);
    const answered = await ask(question);
    const after = top(answered).slice(0, 3);
    expect(after).toContain('go-live-a');
    expect(after).toContain('go-live-b');
    // The answer says which matches the links brought, and only those.
    const linkedIds = answered.matches.filter((match) => (match as { linked?: boolean }).linked).map((match) => match.entry.externalId);
    expect(linkedIds.sort()).toEqual(['go-live-a', 'go-live-b']);
    // An entry sent back to review since the links were trained is not served through them.
    await db.query(`UPDATE knowledge_entries SET status = 'pending_review' WHERE tenant_id = $1 AND external_id = 'go-live-b'`, [a.id]);
    expect(top(await ask(question))).not.toContain('go-live-b');
    await db.query(`UPDATE knowledge_entries SET status = 'approved' WHERE tenant_id = $1 AND external_id = 'go-live-b'`, [a.id]);
    // The same words typed with punctuation and spaces are the same phrasing.
    expect(top(await ask(` ${question}？`)).slice(0, 3)).toContain('go-live-b');
  });

  it('ranks an entry reported for these very words as a strong match, not above one written in them', async () => {
    const extra = [
      { externalId: 'trial-verbatim', question: '试用期能不能延长到两个月', answer: '可以延长到两个月，第二个月按七折计费，转正后抵扣。', evidence, tags: ['试用'] },
      { externalId: 'trial-other', question: '试用时间能不能再长一点', answer: '试用可以延长两周，期间开放全部功能并安排顾问跟进。', evidence, tags: ['试用'] },
    ];
    await importMore(extra);
    const question = '试用期能不能延长到两个月？';
    const { askId } = await ask(question);
    await server.call('POST', '/v1/outcomes', { key: a.secretKey, body: { entryId: ids.get('trial-other'), outcome: 'success', askId } });
    expect((await server.call('POST', '/v1/assistant/learn', { key: a.secretKey })).status).toBe(200);
    const answered = await ask(question);
    expect(top(answered).slice(0, 2)).toEqual(['trial-verbatim', 'trial-other']);
    expect(answered.matches[1]).toMatchObject({ linked: true, confidence: 'high' });
  });

  it('counts failures against a learned pair', async () => {
    const question = '客户说部署太麻烦';
    for (const outcome of ['success', 'failure', 'failure']) {
      const asked = await ask(question);
      await server.call('POST', '/v1/outcomes', { key: a.secretKey, body: { entryId: ids.get('deploy'), outcome, askId: asked.askId } });
    }
    const variants = await server.call('GET', `/v1/knowledge/variants?entryId=${ids.get('deploy')}&status=pending`, { key: a.secretKey });
    expect(variants.body.variants.find((v: { text: string }) => v.text === question)).toMatchObject({ successes: 1, failures: 2 });
  });
});
