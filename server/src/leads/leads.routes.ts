import {
  AssignmentRulesInput,
  AssignmentRulesResponse,
  FirstResponseResult,
  InboundResult,
  LeadCaptureResponse,
  LeadInput,
  LeadListQuery,
  LeadListResponse,
  LeadResponse,
  LeadSourceCreated,
  LeadSourceInput,
  LeadSourceList,
  UnmergeRequest,
  UnmergeResponse,
} from '@huashu/core';
import type { Principal } from '../platform/auth/authenticate.js';
import { defineRoute, type RouteSpec } from '../platform/http/route.js';
import { parseOrThrow, storageIssues } from '../platform/validation.js';
import { captureLead, getLead, listLeads, recordFirstResponse, unmergeLead, type LeadEnricher, type LeadRanker, type Viewer } from './leads.service.js';
import { createSource, getAssignmentRules, listSources, putAssignmentRules, receiveWebhook, rotateSourceSecret } from './sources.service.js';

const viewerOf = (principal: Principal): Viewer => ({ repId: principal.kind === 'rep' ? principal.rep.repId : null });
const actorOf = (principal: Principal) => (principal.kind === 'rep' ? `rep:${principal.rep.repId}` : `key:${principal.keyId}`);

/** Inbound platform payloads: larger than a form, bounded all the same. */
const INBOUND_BODY_LIMIT = '1mb';

export interface LeadRouteOptions {
  /** Contributors to `GET /v1/leads/:id` (the signals domain's `intent`). */
  enrichers?: readonly LeadEnricher[];
  /** Scores for `GET /v1/leads?sort=intent` (the signals domain's). */
  ranker?: LeadRanker;
}

export function leadRoutes(options: LeadRouteOptions = {}): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/leads',
      summary: 'Capture a lead from any channel: one lead per person (shared phone, email or WeChat id merges), idempotent on idempotencyKey',
      tag: 'leads',
      auth: ['publishable', 'secret'],
      body: LeadInput,
      response: LeadCaptureResponse,
      async handler({ body, principal, ctx, res }) {
        const result = await captureLead(ctx.db, principal.tenantId, body);
        res.status(result.created ? 201 : 200);
        // A publishable key lives in a public page: a replay or a merge must not
        // read back contact details someone else left. The visitor still sees 提交成功.
        if (principal.kind === 'publishable' && !result.created) return { lead: { id: result.lead.id }, created: false, merged: result.merged };
        return { lead: result.lead, created: result.created, merged: result.merged };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/leads',
      summary: 'List leads, newest first, with filters and an opaque cursor (a rep token lists only its own leads)',
      tag: 'leads',
      auth: ['secret', 'rep'],
      query: LeadListQuery,
      response: LeadListResponse,
      handler: ({ query, principal, ctx }) => listLeads(ctx.db, principal.tenantId, query, viewerOf(principal), options.ranker),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/leads/:id',
      summary: 'A lead with its touchpoints, identities, field provenance, merges, assignment and SLA',
      tag: 'leads',
      auth: ['secret', 'rep'],
      response: LeadResponse,
      handler: async ({ params, principal, ctx }) => ({
        lead: await getLead(ctx.db, principal.tenantId, params['id']!, { viewer: viewerOf(principal), enrichers: options.enrichers ?? [] }),
      }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/leads/:id/unmerge',
      summary: 'Undo a merge into this lead (`mergeId`, default the latest): the absorbed lead comes back as it was',
      tag: 'leads',
      auth: ['secret'],
      response: UnmergeResponse,
      // The body is optional, so it is read here rather than required by the route.
      handler: ({ req, params, principal, ctx }) => {
        const body = parseOrThrow(UnmergeRequest, req.body ?? {}, 'body');
        return unmergeLead(ctx.db, principal.tenantId, params['id']!, body.mergeId, actorOf(principal));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/leads/:id/first-response',
      summary: 'Record the first response to a lead, stopping its SLA clock (a rep only for its own leads)',
      tag: 'leads',
      auth: ['secret', 'rep'],
      response: FirstResponseResult,
      handler: ({ params, principal, ctx }) =>
        recordFirstResponse(ctx.db, principal.tenantId, params['id']!, { by: actorOf(principal), repId: viewerOf(principal).repId }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/lead-sources',
      summary: 'Register a lead source (preset + mapping, first-response SLA); the webhook secret is shown once',
      tag: 'leads',
      auth: ['secret', 'rep'],
      repRoles: ['admin'],
      body: LeadSourceInput,
      response: LeadSourceCreated,
      status: 201,
      handler: ({ body, principal, ctx }) => createSource(ctx.db, principal.tenantId, body),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/lead-sources',
      summary: 'The tenant’s lead sources (never their secrets)',
      tag: 'leads',
      auth: ['secret', 'rep'],
      repRoles: ['admin'],
      response: LeadSourceList,
      handler: ({ principal, ctx }) => listSources(ctx.db, principal.tenantId),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/lead-sources/:slug/rotate-secret',
      summary: 'Issue a new webhook secret; the previous one keeps verifying for 24 h',
      tag: 'leads',
      auth: ['secret', 'rep'],
      repRoles: ['admin'],
      response: LeadSourceCreated,
      handler: ({ params, principal, ctx }) => rotateSourceSecret(ctx.db, principal.tenantId, params['slug']!),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/webhooks/inbound/:slug',
      summary: 'A platform pushes a lead, signed the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature)',
      tag: 'leads',
      // The signature is the credential: no key travels with a platform's push.
      auth: 'public',
      rawBody: true,
      bodyLimit: INBOUND_BODY_LIMIT,
      response: InboundResult,
      async handler({ req, res, params, ctx }) {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const result = await receiveWebhook(ctx.db, params['slug']!, body, req.headers, (payload) => storageIssues(payload));
        res.status(result.created ? 201 : 200);
        return result;
      },
    }),
    defineRoute({
      method: 'put',
      path: '/v1/assignment-rules',
      summary: 'Replace the ordered assignment rules (match → round-robin or least-loaded over reps, daily capacity)',
      tag: 'leads',
      auth: ['secret', 'rep'],
      repRoles: ['admin'],
      body: AssignmentRulesInput,
      response: AssignmentRulesResponse,
      handler: ({ body, principal, ctx }) => putAssignmentRules(ctx.db, principal.tenantId, body),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/assignment-rules',
      summary: 'The ordered assignment rules',
      tag: 'leads',
      auth: ['secret', 'rep'],
      repRoles: ['reviewer', 'admin'],
      response: AssignmentRulesResponse,
      handler: ({ principal, ctx }) => getAssignmentRules(ctx.db, principal.tenantId),
    }),
  ];
}
