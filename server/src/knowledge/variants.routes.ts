import { KnowledgeVariant, LearningSettings, VariantCreateRequest, VariantReviewRequest, VariantStatus } from '@huashu/core';
import { z } from 'zod';
import { defineRoute } from '../platform/http/route.js';
import { addVariant, getLearningSettings, listVariantsFor, putLearningSettings, removeVariant, reviewVariant } from './knowledge.variants.js';

const VariantQuery = z
  .object({
    status: VariantStatus.optional(),
    entryId: z.string().min(1).max(64).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .strict();

/** Registered before `/v1/knowledge/:id`, which would otherwise take `variants` for an id. */
export const variantRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/knowledge/variants',
    summary: 'Variants (other customer phrasings); `status=pending` is the queue of learned ones waiting for review (secret key or reviewer)',
    tag: 'knowledge',
    auth: ['secret', 'rep'],
    query: VariantQuery,
    response: z.object({ variants: z.array(KnowledgeVariant), total: z.number().int() }),
    handler: ({ query, principal, ctx }) => listVariantsFor(ctx, principal, query),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/knowledge/variants/:id/review',
    summary: 'Approve or reject a variant (secret key or reviewer); approved ones are matched at once',
    tag: 'knowledge',
    auth: ['secret', 'rep'],
    body: VariantReviewRequest,
    response: KnowledgeVariant,
    handler: ({ params, body, principal, ctx }) => reviewVariant(ctx, principal, params['id']!, body.decision),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/knowledge/learning-settings',
    summary: 'How many different reps’ successes approve a learned variant (secret key or reviewer)',
    tag: 'knowledge',
    auth: ['secret', 'rep'],
    response: LearningSettings,
    handler: ({ principal, ctx }) => getLearningSettings(ctx, principal),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/knowledge/learning-settings',
    summary: 'Set the number of different reps whose successes approve a learned variant (secret key)',
    tag: 'knowledge',
    auth: ['secret'],
    body: LearningSettings,
    response: LearningSettings,
    handler: ({ body, principal, ctx }) => putLearningSettings(ctx, principal, body),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/knowledge/:id/variants',
    summary: 'Add a phrasing to an entry (secret key or reviewer); approved at once',
    tag: 'knowledge',
    auth: ['secret', 'rep'],
    body: VariantCreateRequest,
    response: KnowledgeVariant,
    status: 201,
    handler: ({ params, body, principal, ctx }) => addVariant(ctx, principal, params['id']!, body.text),
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/knowledge/:id/variants/:variantId',
    summary: 'Remove a phrasing from an entry (secret key or reviewer)',
    tag: 'knowledge',
    auth: ['secret', 'rep'],
    response: z.object({ deleted: z.literal(true) }),
    async handler({ params, principal, ctx }) {
      await removeVariant(ctx, principal, params['id']!, params['variantId']!);
      return { deleted: true as const };
    },
  }),
];
