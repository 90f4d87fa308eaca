import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '../platform/auth/key-store.js';
import { loadConfig } from '../platform/config.js';
import type { Database } from '../platform/db/types.js';
import { createLogger } from '../platform/logger.js';
import type { AppContext } from '../platform/context.js';
import { createContext } from '../server.js';
import { testEngines } from '../testing/engines.js';
import { importEntries, searchKnowledge } from './knowledge.service.js';

const evidence = [{ kind: 'case' as const, title: '案例' }];
// A mixed base: most entries in Chinese, some written in English by a foreign-facing team.
const ENTRIES = [
  { externalId: 'landlord', question: 'We rent this warehouse. The landlord will never agree to put solar panels on his roof.', answer: 'We can sign the lease addendum with the landlord and insure the roof.' },
  { externalId: 'roof-load', question: '冷库屋顶是彩钢瓦，怕承重不够，装上光伏压塌了怎么办？', answer: '我们先做结构检测，柔性组件每平米只有3公斤。' },
  { externalId: 'price', question: '你们比友商贵了三成，凭什么？', answer: '按三年总成本算我们更省。' },
  { externalId: 'fire', question: '电池会不会着火？消防怎么过？', answer: '磷酸铁锂电芯，每柜独立消防。' },
  { externalId: 'payback', question: '峰谷价差越来越小，回本要七八年吧？', answer: '按贵司负荷曲线测算回本约五年。' },
  { externalId: 'insist-private', question: '客户IT部门坚持要私有化部署，不接受SaaS，你们能做吗？', answer: '可以，提供本地部署版本。' },
  { externalId: 'deadline', question: '下个月就要投运，工期来得及吗？', answer: '标准柜45天交付。' },
  { externalId: 'english-ui', question: 'Our managers in Singapore only read English. Is the app in English?', answer: 'Yes, every screen is in English.' },
].map((entry) => ({ ...entry, evidence, status: 'approved' as const }));

describe.each(testEngines())('questions and entries in different languages on $name', (engine) => {
  let db: Database;
  let ctx: AppContext;
  let tenantId: string;
  const top3 = async (question: string, crossLingual?: number) => {
    const result = await searchKnowledge(db, tenantId, ctx.embedder, question, { limit: 3, floor: 0, keepOnNone: true, ...(crossLingual === undefined ? {} : { crossLingual }) });
    return {
      ids: result.hits.map((hit) => hit.entry.externalId),
      relevanceOf: (externalId: string) => result.hits.find((hit) => hit.entry.externalId === externalId)?.relevance ?? 0,
    };
  };

  beforeAll(async () => {
    db = await engine.open();
    ctx = await createContext(loadConfig({}), db, createLogger('silent'));
    tenantId = (await createTenant(db, { name: 'x', slug: 'cross-lingual' })).id;
    const result = await importEntries(ctx, { kind: 'secret', tenantId, keyId: 'test' }, ENTRIES);
    expect(result.rejected).toEqual([]);
  });
  afterAll(() => db?.close());

  it('finds an English entry for a Chinese question sharing none of its words', async () => {
    const question = '客户的仓库是租来的，房东不同意';
    const found = await top3(question);
    expect(found.ids).toContain('landlord');
    expect((await top3(question, 0)).relevanceOf('landlord')).toBeLessThan(found.relevanceOf('landlord') / 3);
  });

  it('finds a Chinese entry for an English question', async () => {
    const question = 'The client insists on privatization';
    const found = await top3(question);
    expect(found.ids[0]).toBe('insist-private');
    // Without the dictionary only the embedder's noise is left (the order among such ties is arbitrary).
    expect((await top3(question, 0)).relevanceOf('insist-private')).toBeLessThan(found.relevanceOf('insist-private') / 3);
  });

  it('still prefers the entry in the question’s own words', async () => {
    expect((await top3('屋顶承重不够，装光伏会压塌吗')).ids[0]).toBe('roof-load');
  });
});
