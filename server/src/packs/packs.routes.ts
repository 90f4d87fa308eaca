import { DeliveredPacksResponse, LearningPack, LearningPackInput, LearningPackList, NextPackQuery, NextPackResponse, PackCompletion, PackProgressRequest } from '@huashu/core';
import { z } from 'zod';
import { defineRoute } from '../platform/http/route.js';
import { completion, deletePack, deliveredPacks, getPack, listPacks, nextPack, putPack, setProgress } from './packs.service.js';

/** `?leadId=`, `?industry=`, `?tags=` — like `next`, but every one optional (none = all delivered packs). */
const DeliveredQuery = z
  .object({
    leadId: z.string().min(1).max(64).optional(),
    industry: z.string().trim().min(1).max(60).optional(),
    tags: z
      .string()
      .max(500)
      .transform((value) => value.split(',').map((tag) => tag.trim()).filter(Boolean))
      .optional(),
  })
  .strict();

// Fixed paths (`next`, `delivered`) come before `:slug`, which would otherwise match them.
export const packsRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/learning-packs/next',
    summary: 'The pack for a scenario the rep meets for the first time (a lead’s industry, or industry/tags given), delivered once per rep; null otherwise',
    tag: 'learning-packs',
    auth: ['rep'],
    query: NextPackQuery,
    response: NextPackResponse,
    handler: ({ query, principal, ctx }) => nextPack(ctx, principal, query),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/learning-packs/delivered',
    summary: 'Packs already delivered to this rep, with their progress (optionally for one scenario)',
    tag: 'learning-packs',
    auth: ['rep'],
    query: DeliveredQuery,
    response: DeliveredPacksResponse,
    handler: ({ query, principal, ctx }) => deliveredPacks(ctx, principal, query),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/learning-packs',
    summary: 'All learning packs (secret key, reviewer or admin)',
    tag: 'learning-packs',
    auth: ['secret', 'rep'],
    response: LearningPackList,
    handler: ({ principal, ctx }) => listPacks(ctx, principal),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/learning-packs/:slug',
    summary: 'Create or replace a pack: scenario, audience (reps hired within N days), items and an entry filter (secret key or admin)',
    tag: 'learning-packs',
    auth: ['secret', 'rep'],
    body: LearningPackInput,
    response: LearningPack,
    async handler({ params, body, principal, ctx, res }) {
      const { pack, created } = await putPack(ctx, principal, params['slug']!, body);
      res.status(created ? 201 : 200);
      return pack;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/learning-packs/:slug',
    summary: 'One pack; with a rep token, with that rep’s done marks',
    tag: 'learning-packs',
    auth: ['secret', 'rep'],
    response: LearningPack,
    handler: ({ params, principal, ctx }) => getPack(ctx, principal, params['slug']!),
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/learning-packs/:slug',
    summary: 'Delete a pack with its deliveries and progress (secret key or admin)',
    tag: 'learning-packs',
    auth: ['secret', 'rep'],
    response: z.object({ deleted: z.boolean() }),
    handler: ({ params, principal, ctx }) => deletePack(ctx, principal, params['slug']!),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/learning-packs/:slug/progress',
    summary: 'Mark an item of a delivered pack done or not done',
    tag: 'learning-packs',
    auth: ['rep'],
    body: PackProgressRequest,
    response: LearningPack,
    handler: ({ params, body, principal, ctx }) => setProgress(ctx, principal, params['slug']!, body),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/learning-packs/:slug/completion',
    summary: 'Completion per rep the pack was delivered to (secret key, reviewer or admin)',
    tag: 'learning-packs',
    auth: ['secret', 'rep'],
    response: PackCompletion,
    handler: ({ params, principal, ctx }) => completion(ctx, principal, params['slug']!),
  }),
];
