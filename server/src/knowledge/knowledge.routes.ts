import { AskRequest, AskResponse, HuashuError, KnowledgeEntry, KnowledgeEntryInput, KnowledgeImportRequest, KnowledgeImportResult, KnowledgeStatus, OutcomeRequest, ReviewRequest, SuccessRate } from '@huashu/core';
import { z } from 'zod';
import { streamAnswer } from '../assistant/answer.js';
import { ask, requireChat } from '../assistant/assistant.service.js';
import { invalidateCorpusStats } from './knowledge.search.js';
import { defineRoute } from '../platform/http/route.js';
import { createEntry, importEntries, requireReviewer } from './knowledge.service.js';
import { getEntry, listEntries, outcomesFor, recordOutcome, reviewEntry } from './knowledge.store.js';

const ListQuery = z
  .object({
    status: KnowledgeStatus.optional(),
    stale: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

export const knowledgeRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/knowledge/import',
    summary: 'Import entries (secret key); per-row results, the same externalId updates',
    tag: 'knowledge',
    auth: ['secret'],
    body: KnowledgeImportRequest,
    response: KnowledgeImportResult,
    bodyLimit: '20mb',
    handler: ({ body, principal, ctx }) => importEntries(ctx, principal, body.entries),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/knowledge',
    summary: 'Create one entry; with a rep token it starts in pending_review',
    tag: 'knowledge',
    auth: ['secret', 'rep'],
    body: KnowledgeEntryInput,
    response: KnowledgeEntry,
    status: 201,
    handler: ({ body, principal, ctx }) => createEntry(ctx, principal, body),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/knowledge',
    summary: 'List entries (secret key or reviewer); `stale=true` lists those due for re-verification',
    tag: 'knowledge',
    auth: ['secret', 'rep'],
    query: ListQuery,
    handler: ({ query, principal, ctx }) => {
      requireReviewer(principal);
      return listEntries(ctx.db, principal.tenantId, query);
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/knowledge/:id',
    summary: 'One entry',
    tag: 'knowledge',
    auth: ['secret', 'rep'],
    response: KnowledgeEntry,
    async handler({ params, principal, ctx }) {
      const entry = await getEntry(ctx.db, principal.tenantId, params['id']!);
      // Reps see live entries and their own drafts; the rest of the queue is the reviewers'.
      const visible =
        principal.kind !== 'rep' || entry.status === 'approved' || entry.authorRepId === principal.rep.repId || principal.rep.role !== 'rep';
      if (!visible) throw new HuashuError('not_found', `knowledge entry ${params['id']} not found`);
      return entry;
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/knowledge/:id/review',
    summary: 'Approve or reject an entry with a note (secret key or reviewer)',
    tag: 'knowledge',
    auth: ['secret', 'rep'],
    body: ReviewRequest,
    response: KnowledgeEntry,
    async handler({ params, body, principal, ctx }) {
      const reviewer = requireReviewer(principal);
      const entry = await reviewEntry(ctx.db, principal.tenantId, params['id']!, { ...body, reviewer }, ctx.config.HUASHU_VERIFY_DAYS);
      invalidateCorpusStats(principal.tenantId);
      return entry;
    },
  }),
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
    async handler({ body, principal, ctx }) {
      await recordOutcome(ctx.db, principal.tenantId, { ...body, repId: principal.kind === 'rep' ? principal.rep.repId : undefined });
      const stats = (await outcomesFor(ctx.db, principal.tenantId, [body.entryId])).get(body.entryId) ?? { uses: 0, successes: 0 };
      return { entryId: body.entryId, successRate: { ...stats, rate: stats.uses ? stats.successes / stats.uses : null } };
    },
  }),
];
