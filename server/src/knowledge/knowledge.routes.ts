import { KnowledgeEntry, KnowledgeEntryInput, KnowledgeImportRequest, KnowledgeImportResult, KnowledgeStatus, ReviewRequest } from '@huashu/core';
import { z } from 'zod';
import { defineRoute } from '../platform/http/route.js';
import { createEntry, getVisibleEntry, importEntries, listEntries, reviewEntry, updateEntry } from './knowledge.service.js';

const ListQuery = z
  .object({
    status: KnowledgeStatus.optional(),
    stale: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
    /** With a rep token: the rep's own entries, whatever their status, with the reviewers' notes. */
    mine: z.enum(['true', 'false']).transform((value) => value === 'true').optional(),
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
    // Each row is checked on its own and reported by index.
    itemsField: 'entries',
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
    handler: ({ query, principal, ctx }) => listEntries(ctx, principal, query),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/knowledge/:id',
    summary: 'One entry',
    tag: 'knowledge',
    auth: ['secret', 'rep'],
    response: KnowledgeEntry,
    handler: ({ params, principal, ctx }) => getVisibleEntry(ctx, principal, params['id']!),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/knowledge/:id',
    summary: 'Rewrite an entry: its author after a request for changes (back to pending_review), or a reviewer / the secret key',
    tag: 'knowledge',
    auth: ['secret', 'rep'],
    body: KnowledgeEntryInput,
    response: KnowledgeEntry,
    handler: ({ params, body, principal, ctx }) => updateEntry(ctx, principal, params['id']!, body),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/knowledge/:id/review',
    summary: 'Approve or reject an entry with a note (secret key or reviewer)',
    tag: 'knowledge',
    auth: ['secret', 'rep'],
    body: ReviewRequest,
    response: KnowledgeEntry,
    handler: ({ params, body, principal, ctx }) => reviewEntry(ctx, principal, params['id']!, body),
  }),
];
