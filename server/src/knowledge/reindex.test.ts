import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Embedder } from '../retrieval/embedder.js';
import { loadConfig } from '../platform/config.js';
import type { Database } from '../platform/db/types.js';
import { createLogger } from '../platform/logger.js';
import { LocalEmbeddings } from '../retrieval/local-embedder.js';
import { createContext } from '../server.js';
import { testEngines } from '../testing/engines.js';
import { startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';
import { reindexTenant, staleEmbeddingModels } from './knowledge.service.js';

// A second, genuinely different embedder: the same hashing at another width is a
// different vector space, exactly the situation after switching models.
const other = new LocalEmbeddings({ dimensions: 128 });
const otherEmbedder: Embedder = { embeddings: other, model: 'other-model-128' };

describe('switching embedder', () => {
  let db: Database;
  let before: TestServer;
  let tenant: TestTenant;
  beforeAll(async () => {
    db = await testEngines()[0]!.open();
    before = await startTestServer(db);
    tenant = await before.tenant();
    await before.call('POST', '/v1/knowledge/import', {
      key: tenant.secretKey,
      body: { entries: [{ question: '客户说我们价格比竞品贵', answer: '按三年总成本比较。', evidence: [{ kind: 'case', title: 'TCO 对比' }] }] },
    });
    await before.close();
  });
  afterAll(() => db?.close());

  it('is detected, keeps answering lexically with a warning, and reindex brings dense search back', async () => {
    expect(await staleEmbeddingModels(db, otherEmbedder.model)).toEqual([expect.objectContaining({ tenant_id: tenant.id, model: 'huashu-local-hash-v1-512', n: 1 })]);
    const after = await startTestServer(db, {}, { embedder: otherEmbedder });
    const res = await after.call('POST', '/v1/assistant/ask', { key: tenant.secretKey, body: { question: '客户说我们价格比竞品贵' } });
    expect(res.status).toBe(200);
    expect(res.body.matches).toHaveLength(1);
    expect(res.headers.get('x-huashu-warning')).toMatch(/huashu reindex/);

    const ctx = await createContext(loadConfig({}), db, createLogger('silent'), { embedder: otherEmbedder });
    expect(await reindexTenant(db, tenant.id, ctx.embedder)).toBe(1);
    expect(await staleEmbeddingModels(db, otherEmbedder.model)).toEqual([]);
    const stored = await db.query<{ model: string; dim: number }>(`SELECT model, dim FROM knowledge_embeddings WHERE tenant_id = $1`, [tenant.id]);
    expect(stored.rows).toEqual([{ model: 'other-model-128', dim: 128 }]);
    const again = await after.call('POST', '/v1/assistant/ask', { key: tenant.secretKey, body: { question: '客户说我们价格比竞品贵' } });
    expect(again.body.matches).toHaveLength(1);
    expect(again.headers.get('x-huashu-warning')).toBeNull();
    await after.close();
  });
});
