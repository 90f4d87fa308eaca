import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../platform/config.js';
import type { Database } from '../platform/db/types.js';
import { LocalEmbeddings } from './local-embedder.js';
import { testEngines } from '../testing/engines.js';
import { startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';
import { createEmbedder } from './embedder.js';

/**
 * A local OpenAI-compatible `/v1/embeddings` endpoint (what a self-hosted bge-m3
 * server exposes), answering with 64-d vectors from the local hashing embedder,
 * so the OpenAI path runs end to end without the network.
 */
function fakeEmbeddingServer(): Promise<{ server: Server; url: string; calls: () => number }> {
  const embedder = new LocalEmbeddings({ dimensions: 64 });
  let calls = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      calls += 1;
      const { input, model } = JSON.parse(body) as { input: string | string[]; model: string };
      const texts = Array.isArray(input) ? input : [input];
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          object: 'list',
          model,
          data: texts.map((text, index) => ({ object: 'embedding', index, embedding: embedder.embedText(text) })),
          usage: { prompt_tokens: 0, total_tokens: 0 },
        }),
      );
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, calls: () => calls })),
  );
}

describe('an OpenAI-compatible embedder, and ask filters', () => {
  let db: Database;
  let fake: Awaited<ReturnType<typeof fakeEmbeddingServer>>;
  let server: TestServer;
  let tenant: TestTenant;
  beforeAll(async () => {
    db = await testEngines()[0]!.open();
    fake = await fakeEmbeddingServer();
    const env = { HUASHU_EMBEDDER: 'openai', OPENAI_BASE_URL: fake.url, HUASHU_EMBEDDING_MODEL: 'bge-m3' };
    server = await startTestServer(db, {}, { embedder: createEmbedder(loadConfig(env)) });
    tenant = await server.tenant();
    const evidence = [{ kind: 'case', title: '案例' }];
    await server.call('POST', '/v1/knowledge/import', {
      key: tenant.secretKey,
      body: {
        entries: [
          { externalId: 'mfg', question: '客户说我们价格比竞品贵', answer: '按三年总成本比较。', evidence, industry: '制造业', tags: ['价格异议'] },
          { externalId: 'hosp', question: '医院说我们价格比竞品贵', answer: '接口费全包。', evidence, industry: '医院信息化', tags: ['价格异议'] },
          { externalId: 'sec', question: '你们过了等保三级吗', answer: '已通过。', evidence, industry: '金融', tags: ['安全合规'] },
        ],
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    fake?.server.close();
    await db?.close();
  });

  it('embeds through the endpoint and records its model and dimension', async () => {
    expect(fake.calls()).toBeGreaterThan(0);
    const stored = await db.query<{ model: string; dim: number }>(`SELECT DISTINCT model, dim FROM knowledge_embeddings WHERE tenant_id = $1`, [tenant.id]);
    expect(stored.rows).toEqual([{ model: 'openai:bge-m3', dim: 64 }]);
    const res = await server.call('POST', '/v1/assistant/ask', { key: tenant.secretKey, body: { question: '等保三级通过了没有' } });
    expect(res.body.matches[0].entry.externalId).toBe('sec');
  });

  it('narrows answers by industry and by tags', async () => {
    const ask = async (body: Record<string, unknown>) =>
      (await server.call('POST', '/v1/assistant/ask', { key: tenant.secretKey, body: { question: '价格比竞品贵怎么办', ...body } })).body.matches.map(
        (m: { entry: { externalId: string } }) => m.entry.externalId,
      );
    expect(await ask({ industry: '医院信息化' })).toEqual(['hosp']);
    expect(await ask({ industry: '制造业' })).toEqual(['mfg']);
    expect(await ask({ tags: ['安全合规'] })).not.toContain('mfg');
    expect((await ask({})).sort()).toEqual(['hosp', 'mfg']);
  });
});
