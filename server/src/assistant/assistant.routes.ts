import { AskRequest, AskResponse, LearnResult, OutcomeRequest, SuccessRate } from '@huashu/core';
import { z } from 'zod';
import { defineRoute } from '../platform/http/route.js';
import { streamAnswer } from './answer.js';
import { ask, learnNow, reportOutcome, requireChat } from './assistant.service.js';

export const assistantRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/assistant/ask',
    summary: 'The best approved answer scripts for a question with their confidence (high, low = 可能相关, none = off-topic) and an askId for outcome reports',
    tag: 'assistant',
    auth: ['secret', 'rep'],
    body: AskRequest,
    response: AskResponse,
    async handler({ body, principal, ctx, res }) {
      const { staleEmbeddings, ...result } = await ask(ctx, principal.tenantId, body, {}, { repId: principal.kind === 'rep' ? principal.rep.repId : undefined });
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
    summary: 'Report whether a script worked; updates its success rate, and with the askId teaches the question to the entry',
    tag: 'assistant',
    auth: ['rep', 'secret'],
    body: OutcomeRequest,
    response: z.object({ entryId: z.string(), successRate: SuccessRate }),
    status: 201,
    handler: ({ body, principal, ctx }) => reportOutcome(ctx, principal, body),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/assistant/learn',
    summary: 'Retrain the tenant’s learned associations from its reported outcomes now; returns when done (secret key)',
    tag: 'assistant',
    auth: ['secret'],
    response: LearnResult,
    handler: ({ principal, ctx }) => learnNow(ctx, principal.tenantId),
  }),
];
