import { CaptureRequest, CaptureResponse, CaptureRules, EntryExamples } from '@huashu/core';
import { z } from 'zod';
import { defineRoute } from '../platform/http/route.js';
import { capture, entryExamples, getCaptureRules, putCaptureRules, resetCaptureRules } from './conversations.service.js';

const RulesResponse = CaptureRules.extend({ isDefault: z.boolean() });
const ExamplesQuery = z.object({ entryId: z.string().min(1).max(64) }).strict();

export const conversationsRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/conversations/capture',
    summary: 'Run the tracker rules over a chat export (WeCom / DingTalk style); each snippet becomes a pending_review candidate or an example of the approved entry it matches',
    tag: 'conversations',
    auth: ['rep', 'secret'],
    body: CaptureRequest,
    response: CaptureResponse,
    // 2,000 messages of chat: a few MB at most; longer exports are split by the caller.
    bodyLimit: '5mb',
    handler: ({ body, principal, ctx }) => capture(ctx, principal, body),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/conversations/examples',
    summary: 'Conversation snippets linked to an approved entry as real-world examples',
    tag: 'conversations',
    auth: ['rep', 'secret'],
    query: ExamplesQuery,
    response: EntryExamples,
    handler: ({ query, principal, ctx }) => entryExamples(ctx, principal, query.entryId),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/capture-rules',
    summary: "The tenant's tracker rules (the defaults until it sets its own)",
    tag: 'conversations',
    auth: ['rep', 'secret'],
    response: RulesResponse,
    handler: ({ principal, ctx }) => getCaptureRules(ctx, principal),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/capture-rules',
    summary: 'Replace the tracker rules: all-of / any-of / none-of term groups in a window of N messages, speaker, synonyms, ignored words (secret key or admin)',
    tag: 'conversations',
    auth: ['secret', 'rep'],
    body: CaptureRules,
    response: RulesResponse,
    handler: ({ body, principal, ctx }) => putCaptureRules(ctx, principal, body),
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/capture-rules',
    summary: 'Go back to the default tracker rules (secret key or admin)',
    tag: 'conversations',
    auth: ['secret', 'rep'],
    response: RulesResponse,
    handler: ({ principal, ctx }) => resetCaptureRules(ctx, principal),
  }),
];
