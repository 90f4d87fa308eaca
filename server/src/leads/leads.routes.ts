import { LeadCaptureResponse, LeadInput } from '@huashu/core';
import { defineRoute } from '../platform/http/route.js';
import { captureLead, getLead } from './leads.service.js';

export const leadRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/leads',
    summary: 'Capture a lead from any channel (idempotent on idempotencyKey)',
    tag: 'leads',
    auth: ['publishable', 'secret'],
    body: LeadInput,
    response: LeadCaptureResponse,
    async handler({ body, principal, ctx, res }) {
      const result = await captureLead(ctx.db, principal.tenantId, body);
      res.status(result.created ? 201 : 200);
      // A publishable key lives in a public page: anyone holding it could replay
      // a guessed idempotency key to read back a stranger's contact details.
      if (principal.kind === 'publishable' && !result.created) return { lead: { id: result.lead.id }, created: false };
      return result;
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/leads/:id',
    summary: 'A lead with its touchpoints',
    tag: 'leads',
    auth: ['secret'],
    handler: ({ params, principal, ctx }) => getLead(ctx.db, principal.tenantId, params['id']!),
  }),
];
