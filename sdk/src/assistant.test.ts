import { describe, expect, it, vi } from 'vitest';
import { createAssistantClient, HuashuApiError } from './assistant.js';
import { json, scriptedFetch } from './test-support/fakes.js';

/** An SSE response whose bytes arrive in the given pieces — cut anywhere, even inside a character. */
function stream(pieces: Uint8Array[], status = 200): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      pieces.forEach((piece) => controller.enqueue(piece));
      controller.close();
    },
  });
  return new Response(body, { status, headers: { 'content-type': 'text/event-stream; charset=utf-8' } });
}

/** Cuts `text` as UTF-8 into pieces of `size` bytes, splitting multi-byte characters. */
function bytes(text: string, size: number): Uint8Array[] {
  const all = new TextEncoder().encode(text);
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < all.length; i += size) pieces.push(all.slice(i, i + size));
  return pieces;
}

const sse = (...events: Array<[string, unknown]>) => events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join('');

describe('createAssistantClient', () => {
  it('asks with the rep token and returns the matches', async () => {
    const response = { matches: [], abstained: true };
    const server = scriptedFetch(json(response));
    const assistant = createAssistantClient({ endpoint: 'https://api.test/', repToken: 'rep.jwt', fetch: server.fetch });
    await expect(assistant.ask({ question: '客户说我们价格比XX贵，怎么回应？', limit: 3, industry: 'healthcare' })).resolves.toEqual(response);
    expect(server.requests[0]).toMatchObject({
      url: 'https://api.test/v1/assistant/ask',
      method: 'POST',
      headers: { authorization: 'Bearer rep.jwt' },
      body: { question: '客户说我们价格比XX贵，怎么回应？', limit: 3, industry: 'healthcare' },
    });
  });

  it('asks getRepToken before every request, so a re-minted token is used', async () => {
    const server = scriptedFetch(json({ entryId: 'e1', successRate: { uses: 1, successes: 1, rate: 1 } }, 201), json({ id: 'e2' }, 201), json({ pack: null }));
    const getRepToken = vi.fn().mockResolvedValueOnce('token-1').mockResolvedValueOnce('token-2').mockResolvedValueOnce('token-3');
    const assistant = createAssistantClient({ endpoint: 'https://api.test', getRepToken, fetch: server.fetch });
    await assistant.reportOutcome({ entryId: 'e1', outcome: 'success', leadId: 'lead_1' });
    await assistant.contribute({ question: 'q', answer: 'a', evidence: [{ kind: 'case', title: '某三甲医院案例' }] });
    await expect(assistant.nextLearningPack({ leadId: 'lead_1' })).resolves.toEqual({ pack: null });
    expect(server.requests.map((request) => [request.method, request.url, request.headers['authorization']])).toEqual([
      ['POST', 'https://api.test/v1/outcomes', 'Bearer token-1'],
      ['POST', 'https://api.test/v1/knowledge', 'Bearer token-2'],
      ['GET', 'https://api.test/v1/learning-packs/next?leadId=lead_1', 'Bearer token-3'],
    ]);
  });

  it('rejects with HuashuApiError carrying code, status, message and issues', async () => {
    const issues = [{ path: 'evidence', message: 'evidence (佐证材料) is required' }];
    const server = scriptedFetch(json({ error: { code: 'validation_failed', message: 'invalid entry', details: { issues } } }, 400));
    const assistant = createAssistantClient({ endpoint: 'https://api.test', repToken: 't', fetch: server.fetch });
    const error = await assistant.contribute({ question: 'q', answer: 'a', evidence: [] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HuashuApiError);
    expect(error).toMatchObject({ code: 'validation_failed', status: 400, message: 'invalid entry', issues });
  });

  it('turns a failing getRepToken into an unauthenticated error', async () => {
    const assistant = createAssistantClient({ endpoint: 'https://api.test', getRepToken: () => Promise.reject(new Error('CRM session expired')), fetch: scriptedFetch().fetch });
    await expect(assistant.ask({ question: 'x' })).rejects.toMatchObject({ code: 'unauthenticated' });
  });
});

describe('answer streaming', () => {
  const citations = [{ index: 1, entryId: 'e1', question: '价格比竞品贵' }];
  const body = sse(['citations', citations], ['token', { text: '我们的总拥有成本' }], ['token', { text: '更低 [1]。' }], ['done', {}]);

  it('streams tokens and citations however the bytes are chunked (even mid-character)', async () => {
    for (const size of [1, 2, 5, 7, 64, 10_000]) {
      const server = scriptedFetch(stream(bytes(body, size)));
      const assistant = createAssistantClient({ endpoint: 'https://api.test', repToken: 't', fetch: server.fetch });
      const tokens: string[] = [];
      const cited: unknown[] = [];
      const result = await assistant.answer('客户说我们价格比XX贵', { onToken: (text) => tokens.push(text), onCitations: (list) => cited.push(list), limit: 3 });
      expect(tokens).toEqual(['我们的总拥有成本', '更低 [1]。']);
      expect(cited).toEqual([citations]);
      expect(result).toEqual({ text: '我们的总拥有成本更低 [1]。', citations });
      expect(server.requests[0]).toMatchObject({ url: 'https://api.test/v1/assistant/answer', headers: { accept: 'text/event-stream' }, body: { question: '客户说我们价格比XX贵', limit: 3 } });
    }
  });

  it('reports an abstention', async () => {
    const server = scriptedFetch(stream(bytes(sse(['abstained', { message: '知识库里还没有相关话术' }], ['done', {}]), 3)));
    const assistant = createAssistantClient({ endpoint: 'https://api.test', repToken: 't', fetch: server.fetch });
    await expect(assistant.answer('?', { onToken: () => undefined })).resolves.toEqual({ text: '', citations: [], abstained: { message: '知识库里还没有相关话术' } });
  });

  it('rejects on an error event, on a stream cut short, and on an error status', async () => {
    const failing = scriptedFetch(
      stream(bytes(sse(['token', { text: 'a' }], ['error', { code: 'llm_unavailable', message: 'the chat model failed' }]), 4)),
      stream(bytes(sse(['token', { text: 'a' }]), 4)),
      json({ error: { code: 'llm_unavailable', message: 'no chat model configured' } }, 503),
    );
    const assistant = createAssistantClient({ endpoint: 'https://api.test', repToken: 't', fetch: failing.fetch });
    const onToken = () => undefined;
    await expect(assistant.answer('q', { onToken })).rejects.toMatchObject({ code: 'llm_unavailable', message: 'the chat model failed' });
    await expect(assistant.answer('q', { onToken })).rejects.toMatchObject({ code: 'network_error' });
    await expect(assistant.answer('q', { onToken })).rejects.toMatchObject({ code: 'llm_unavailable', status: 503 });
  });

  it('rejects with code aborted when the caller aborts mid-stream', async () => {
    const controller = new AbortController();
    const fetch = async (_url: string, init?: RequestInit) =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(stream) {
            stream.enqueue(new TextEncoder().encode(sse(['token', { text: 'first' }])));
            init?.signal?.addEventListener('abort', () => stream.error(new DOMException('aborted', 'AbortError')));
          },
        }),
      );
    const assistant = createAssistantClient({ endpoint: 'https://api.test', repToken: 't', fetch });
    const answer = assistant.answer('q', { onToken: () => controller.abort(), signal: controller.signal });
    await expect(answer).rejects.toMatchObject({ code: 'aborted' });
  });
});
