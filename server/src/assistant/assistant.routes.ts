import { AskRequest, AskResponse, OutcomeRequest, SuccessRate } from '@huashu/core';
import { z } from 'zod';
import { defineRoute } from '../platform/http/route.js';
import { streamAnswer } from './answer.js';
import { ask, reportOutcome, requireChat } from './assistant.service.js';

export const assistantRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/assistant/ask',
    summary: 'The best approved answer scripts for a question, or an abstention',
    tag: 'assistant',
    auth: ['secret', 'rep'],
    body: AskRequest,
    response: AskResponse,
    async handler({ body, principal, ctx, res }) {
      const { staleEmbeddings, ...result } = await ask(ctx, principal.tenantId, body);
      if (staleEmbeddings) res.setHeader('X-Huashu-Warning', 'stored embeddings come from another embedder; run `huashu reindex`');
      return result;
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/assistant/answer',
    summary: 'Stream (SSE) a short answer grounded in the matched entries, citing them as [1] [2] [3]',
    tag: 'assistant',
    auth: ['secret', 'rep'],
    body: AskRequest,
    produces: 'text/event-stream',
    async handler({ body, principal, ctx, res }) {
      const chat = requireChat(ctx);
      const { matches } = await ask(ctx, principal.tenantId, body);
      const abort = new AbortController();
      res.on('close', () => abort.abort());
      await streamAnswer(res, chat, body.question, matches, abort.signal, ctx.logger);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/outcomes',
    summary: 'Report whether a script worked; updates its success rate',
    tag: 'assistant',
    auth: ['rep', 'secret'],
    body: OutcomeRequest,
    response: z.object({ entryId: z.string(), successRate: SuccessRate }),
    status: 201,
    handler: ({ body, principal, ctx }) => reportOutcome(ctx, principal, body),
  }),
];
