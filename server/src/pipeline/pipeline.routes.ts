import {
  GateCheckRequest,
  GateCheckResponse,
  HealthQuery,
  HealthResponse,
  HealthSettings,
  HealthSettingsInput,
  HeatmapQuery,
  PipelineEventsRequest,
  PipelineEventsResponse,
  PipelineStagesRequest,
  PipelineStagesResponse,
  StageStatsQuery,
  StageStatsResponse,
  StalledQuery,
  StalledResponse,
} from '@huashu/core';
import type { Principal } from '../platform/auth/authenticate.js';
import { defineRoute } from '../platform/http/route.js';
import { renderHeatmapSvg } from './heatmap-svg.js';
import {
  findStalled,
  gateCheck,
  getHealthSettings,
  getStages,
  healthReport,
  ingestEvents,
  putHealthSettings,
  putStages,
  stageStats,
} from './pipeline.service.js';

/**
 * A rep token of role `rep` sees only the rep's own deals and metrics; a
 * reviewer or admin token, or the secret key, sees the whole tenant.
 */
/** Who changed the configuration, for the console's audit log. */
const actorOf = (principal: Principal) => (principal.kind === 'rep' ? `rep:${principal.rep.repId}` : `key:${principal.keyId}`);
const ownOnly = (principal: Principal): string | undefined => (principal.kind === 'rep' && principal.rep.role === 'rep' ? principal.rep.repId : undefined);

export const pipelineRoutes = [
  defineRoute({
    method: 'put',
    path: '/v1/pipeline/stages',
    summary: 'Define the pipeline stages, each with its entry gate, stall threshold and who a stall alerts (secret key)',
    tag: 'pipeline',
    auth: ['secret', 'rep'],
    repRoles: ['admin'],
    body: PipelineStagesRequest,
    response: PipelineStagesResponse,
    handler: ({ body, principal, ctx }) => putStages(ctx, principal.tenantId, body, { actor: actorOf(principal) }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/pipeline/stages',
    summary: 'The pipeline stages and their gates',
    tag: 'pipeline',
    auth: ['secret', 'rep'],
    response: PipelineStagesResponse,
    handler: ({ principal, ctx }) => getStages(ctx, principal.tenantId),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/pipeline/gate-check',
    summary: 'May this deal enter this stage? Names every missing field, file, contact and checklist item (zh and en); every check is recorded',
    tag: 'pipeline',
    auth: ['secret', 'rep'],
    repRoles: ['reviewer', 'admin'],
    body: GateCheckRequest,
    response: GateCheckResponse,
    handler: ({ body, principal, ctx }) => gateCheck(ctx, principal.tenantId, body),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/pipeline/events',
    summary: 'Deal events from the CRM: idempotent on id, any arrival order, bad events rejected by index (secret key)',
    tag: 'pipeline',
    auth: ['secret'],
    body: PipelineEventsRequest,
    response: PipelineEventsResponse,
    bodyLimit: '2mb',
    itemsField: 'events',
    handler: ({ body, principal, ctx }) => ingestEvents(ctx, principal.tenantId, body.events),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/pipeline/stage-stats',
    summary: 'Time in stage (working and calendar days), blocking rate, escalations and backward moves per stage and group',
    tag: 'pipeline',
    auth: ['secret', 'rep'],
    query: StageStatsQuery,
    response: StageStatsResponse,
    handler: ({ query, principal, ctx }) => stageStats(ctx, principal.tenantId, query),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/pipeline/heatmap.svg',
    summary: 'Stages × groups coloured by average working days in stage (SVG with text for screen readers)',
    tag: 'pipeline',
    auth: ['secret', 'rep'],
    query: HeatmapQuery,
    produces: 'image/svg+xml',
    handler: async ({ query, principal, ctx, res }) => {
      const stats = await stageStats(ctx, principal.tenantId, query);
      res.type('image/svg+xml').setHeader('Cache-Control', 'no-store').send(renderHeatmapSvg(stats, query.lang ?? 'zh-CN'));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/pipeline/stalled',
    summary: 'Deals in a stage longer than its threshold with no note in that time, with their last three notes',
    tag: 'pipeline',
    auth: ['secret', 'rep'],
    query: StalledQuery,
    response: StalledResponse,
    handler: async ({ query, principal, ctx }) => {
      const now = new Date();
      const own = ownOnly(principal);
      return { asOf: now.toISOString(), deals: await findStalled(ctx, principal.tenantId, now, { ...query, ...(own ? { owner: own } : {}) }) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/metrics/health',
    summary: 'Process-health metrics per rep and team: 线索培育有效性, 商机推进合规率, 客户信任指数, with their thresholds',
    tag: 'pipeline',
    auth: ['secret', 'rep'],
    query: HealthQuery,
    response: HealthResponse,
    handler: ({ query, principal, ctx }) => {
      const own = ownOnly(principal);
      return healthReport(ctx, principal.tenantId, { ...query, ...(own ? { rep: own } : {}) });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/metrics/health/settings',
    summary: 'The health metrics’ thresholds, trust weights and parameters',
    tag: 'pipeline',
    auth: ['secret', 'rep'],
    response: HealthSettings,
    handler: ({ principal, ctx }) => getHealthSettings(ctx, principal.tenantId),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/metrics/health/settings',
    summary: 'Set the health metrics’ thresholds, trust weights and parameters (secret key); omitted ones keep their defaults',
    tag: 'pipeline',
    auth: ['secret', 'rep'],
    repRoles: ['admin'],
    body: HealthSettingsInput,
    response: HealthSettings,
    handler: ({ body, principal, ctx }) => putHealthSettings(ctx, principal.tenantId, body, { actor: actorOf(principal) }),
  }),
];
