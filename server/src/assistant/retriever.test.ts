import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../platform/config.js';
import type { Database } from '../platform/db/types.js';
import { importEntries } from '../knowledge/knowledge.service.js';
import { createLogger } from '../platform/logger.js';
import { createContext } from '../server.js';
import { createTenant } from '../platform/auth/key-store.js';
import { testEngines } from '../testing/engines.js';
import { HuashuRetriever } from './retriever.js';

describe('HuashuRetriever', () => {
  let db: Database;
  let retriever: HuashuRetriever;
  beforeAll(async () => {
    db = await testEngines()[0]!.open();
    const ctx = await createContext(loadConfig({}), db, createLogger('silent'));
    const tenant = await createTenant(db, { name: 'r', slug: 'retriever' });
    await importEntries(ctx, { kind: 'secret', tenantId: tenant.id, keyId: 'test' }, [
      { question: '你们比友商贵了三成', answer: '按三年总成本算我们更省。', evidence: [{ kind: 'case', title: '某工厂 TCO 对比' }], tags: ['价格异议'] },
      { question: '实施周期太长了', answer: '标准版两周上线。', evidence: [{ kind: 'case', title: '两周上线案例' }] },
    ]);
    retriever = new HuashuRetriever({ db, tenantId: tenant.id, embedder: ctx.embedder });
  });
  afterAll(() => db?.close());

  it('returns documents with the script as content and evidence in metadata', async () => {
    const docs = await retriever.invoke('客户觉得我们比友商贵');
    expect(docs[0]!.pageContent).toBe('按三年总成本算我们更省。');
    expect(docs[0]!.metadata['evidence']).toEqual([{ kind: 'case', title: '某工厂 TCO 对比' }]);
    expect(docs[0]!.metadata['successRate']).toEqual({ uses: 0, successes: 0, rate: null });
  });

  it('returns nothing when the assistant abstains', async () => {
    expect(await retriever.invoke('打印机卡纸了怎么办')).toEqual([]);
  });
});
