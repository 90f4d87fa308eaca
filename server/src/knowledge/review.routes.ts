import { ReviewQueue, ReviewQueueQuery } from '@huashu/core';
import { defineRoute } from '../platform/http/route.js';
import { reviewQueue } from './review.service.js';

/**
 * Listed before the entry routes: `/v1/knowledge/review-queue` would otherwise
 * be read as `/v1/knowledge/:id`. Decisions go through `POST /v1/knowledge/:id/review`
 * (approve, reject, request_changes, archive).
 */
export const reviewRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/knowledge/review-queue',
    summary: 'Entries waiting for review, each with its most similar approved entries, and the entries due for re-verification (secret key or reviewer)',
    tag: 'knowledge',
    auth: ['secret', 'rep'],
    query: ReviewQueueQuery,
    response: ReviewQueue,
    handler: ({ query, principal, ctx }) => reviewQueue(ctx, principal, query),
  }),
];
