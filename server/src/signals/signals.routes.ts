import {
  DryRunRequest,
  DryRunResponse,
  ShareLinkEngagement,
  ShareLinkInput,
  ShareLinkResponse,
  SignalRuleSetRequest,
  SignalRulesResponse,
  SignalRuleVersions,
} from '@huashu/core';
import type { Request } from 'express';
import { z } from 'zod';
import type { Principal } from '../platform/auth/authenticate.js';
import { defineRoute } from '../platform/http/route.js';
import { createShareLink, openShareLink, shareLinkEngagement } from './share-links.js';
import { dryRun, getRules, listRuleVersions, putRules } from './signals.service.js';

const actorOf = (principal: Principal) => (principal.kind === 'rep' ? `rep:${principal.rep.repId}` : `key:${principal.keyId}`);
const repOf = (principal: Principal) => (principal.kind === 'rep' && principal.rep.role === 'rep' ? principal.rep.repId : null);
/** This server's origin as the caller reached it (behind a proxy, per HUASHU_TRUST_PROXY). */
const originOf = (req: Request) => `${req.protocol}://${req.get('host') ?? 'localhost'}`;

const VersionQuery = z.object({ version: z.coerce.number().int().min(1).optional() }).strict();

export const signalRoutes = [
  defineRoute({
    method: 'put',
    path: '/v1/signal-rules',
    summary: 'Replace the intent rules (weights, sequences, silences, thresholds, half-life) with a new live version; a bad set is a 400 naming the rule and field, the live rules unchanged',
    tag: 'signals',
    auth: ['secret', 'rep'],
    repRoles: ['admin'],
    body: SignalRuleSetRequest,
    response: SignalRulesResponse,
    handler: ({ body, principal, ctx }) => putRules(ctx.db, principal.tenantId, body, actorOf(principal)),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/signal-rules',
    summary: 'The live intent rules (or the version asked for); version 0 and rules null before the first PUT',
    tag: 'signals',
    auth: ['secret', 'rep'],
    query: VersionQuery,
    response: SignalRulesResponse,
    handler: ({ query, principal, ctx }) => getRules(ctx.db, principal.tenantId, query.version),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/signal-rules/versions',
    summary: 'Every version of the intent rules, newest first',
    tag: 'signals',
    auth: ['secret', 'rep'],
    repRoles: ['reviewer', 'admin'],
    response: SignalRuleVersions,
    handler: ({ principal, ctx }) => listRuleVersions(ctx.db, principal.tenantId),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/signal-rules/dry-run',
    summary: 'Evaluate a proposed rule set over the stored events of the last N days without touching live data: leads per rule, score distribution before and after, example leads with explanations',
    tag: 'signals',
    auth: ['secret', 'rep'],
    repRoles: ['reviewer', 'admin'],
    body: DryRunRequest,
    response: DryRunResponse,
    handler: ({ body, principal, ctx }) => dryRun(ctx.db, principal.tenantId, body),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/share-links',
    summary: 'A tracked short link to a document for one lead: opens, devices, referrers and per-section dwell become that lead’s events',
    tag: 'signals',
    auth: ['secret', 'rep'],
    body: ShareLinkInput,
    response: ShareLinkResponse,
    status: 201,
    handler: ({ req, body, principal, ctx }) => createShareLink(ctx.db, principal.tenantId, body, { by: actorOf(principal), repId: repOf(principal) }, originOf(req)),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/share-links/:id/engagement',
    summary: 'How a shared document was read: opens, revisits, devices, referrers, total and per-section dwell (方案文档打开率 / 停留时长 / 重点章节回访)',
    tag: 'signals',
    auth: ['secret', 'rep'],
    response: ShareLinkEngagement,
    handler: ({ params, principal, ctx }) => shareLinkEngagement(ctx.db, principal.tenantId, params['id']!, { repId: repOf(principal) }),
  }),
  defineRoute({
    method: 'get',
    path: '/s/:id',
    summary: 'A share link: records the open (time, device class, referrer host) for its lead and redirects to the document',
    tag: 'signals',
    auth: 'public',
    produces: 'text/plain',
    async handler({ req, res, params, ctx }) {
      const { location } = await openShareLink(ctx.db, params['id']!, { userAgent: req.get('user-agent'), referer: req.get('referer') });
      res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer').redirect(302, location);
    },
  }),
];
