import {
  AuditLog,
  AuditQuery,
  ConsoleLayout,
  ConsoleLayoutResponse,
  ConsoleRuleSet,
  PilotComparison,
  RuleDraftInput,
  RulePilotInput,
  RuleVersion,
  RuleVersionList,
} from '@huashu/core';
import { z } from 'zod';
import { defineRoute } from '../platform/http/route.js';
import { ruleSetAdapters } from './adapters.js';
import { comparePilot } from './comparison.js';
import { auditLog, createDraft, discard, getLayout, listVersions, publish, putLayout, startPilot, updateDraft } from './console.service.js';

const RuleSetParams = z.object({ ruleSet: ConsoleRuleSet }).strict();
const VersionParams = z.object({ ruleSet: ConsoleRuleSet, version: z.coerce.number().int().min(1).max(1_000_000) }).strict();
/** Console widgets a manager arranges; a closed list, so a token cannot store rows under names no widget reads. */
const ARRANGEABLE_WIDGETS = ['health-dashboard'] as const;
const WidgetParams = z.object({ widget: z.enum(ARRANGEABLE_WIDGETS) }).strict();

/** Reading the console is for reviewers and admins; changing rules is for admins (as in the domains' own routes). */
const READERS = ['reviewer', 'admin'] as const;
const EDITORS = ['admin'] as const;
const base = { tag: 'console', auth: ['secret', 'rep'] as const };

export const consoleRoutes = [
  defineRoute({
    ...base,
    method: 'get',
    path: '/v1/console/rule-sets/:ruleSet/versions',
    summary: 'A rule set’s versions (draft, pilot, published, superseded, discarded), newest first, with what runs for everyone now',
    repRoles: READERS,
    params: RuleSetParams,
    response: RuleVersionList,
    handler: ({ params, principal, ctx }) => listVersions(ctx, principal, params.ruleSet, ruleSetAdapters[params.ruleSet]),
  }),
  defineRoute({
    ...base,
    method: 'post',
    path: '/v1/console/rule-sets/:ruleSet/versions',
    summary: 'A new draft of a rule set, validated as its domain validates it (a bad one is a 400 naming content.<field>); nothing changes for anyone yet',
    repRoles: EDITORS,
    params: RuleSetParams,
    body: RuleDraftInput,
    response: RuleVersion,
    status: 201,
    handler: ({ params, body, principal, ctx }) => createDraft(ctx, principal, params.ruleSet, ruleSetAdapters[params.ruleSet], body),
  }),
  defineRoute({
    ...base,
    method: 'put',
    path: '/v1/console/rule-sets/:ruleSet/versions/:version',
    summary: 'Edit a draft (only drafts change; a pilot or published version is fixed)',
    repRoles: EDITORS,
    params: VersionParams,
    body: RuleDraftInput,
    response: RuleVersion,
    handler: ({ params, body, principal, ctx }) => updateDraft(ctx, principal, params.ruleSet, ruleSetAdapters[params.ruleSet], params.version, body),
  }),
  defineRoute({
    ...base,
    method: 'post',
    path: '/v1/console/rule-sets/:ruleSet/versions/:version/pilot',
    summary: 'Try a draft on a pilot group of reps for a period: their leads use it, everyone else keeps the live version (one pilot per rule set)',
    repRoles: EDITORS,
    params: VersionParams,
    body: RulePilotInput,
    response: RuleVersion,
    handler: ({ params, body, principal, ctx }) => startPilot(ctx, principal, params.ruleSet, ruleSetAdapters[params.ruleSet], params.version, body),
  }),
  defineRoute({
    ...base,
    method: 'post',
    path: '/v1/console/rule-sets/:ruleSet/versions/:version/publish',
    summary: 'Publish a draft or pilot to everyone: its domain’s live configuration is replaced and the previous version superseded',
    repRoles: EDITORS,
    params: VersionParams,
    response: RuleVersion,
    handler: ({ params, principal, ctx }) => publish(ctx, principal, params.ruleSet, ruleSetAdapters[params.ruleSet], params.version),
  }),
  defineRoute({
    ...base,
    method: 'post',
    path: '/v1/console/rule-sets/:ruleSet/versions/:version/discard',
    summary: 'Discard a draft or end a pilot without publishing it (kept, marked discarded)',
    repRoles: EDITORS,
    params: VersionParams,
    response: RuleVersion,
    handler: ({ params, principal, ctx }) => discard(ctx, principal, params.ruleSet, params.version),
  }),
  defineRoute({
    ...base,
    method: 'get',
    path: '/v1/console/rule-sets/:ruleSet/versions/:version/comparison',
    summary: 'The pilot reps’ process-health metrics against everyone else’s over the pilot’s period',
    repRoles: READERS,
    params: VersionParams,
    response: PilotComparison,
    handler: ({ params, principal, ctx }) => comparePilot(ctx, principal.tenantId, params.ruleSet, params.version),
  }),
  defineRoute({
    ...base,
    method: 'get',
    path: '/v1/console/audit',
    summary: 'Who changed which rule set, when, and what changed (JSON paths with before and after), newest first',
    repRoles: READERS,
    query: AuditQuery,
    response: AuditLog,
    handler: ({ query, principal, ctx }) => auditLog(ctx.db, principal.tenantId, query),
  }),
  defineRoute({
    tag: 'console',
    auth: ['rep'],
    repRoles: READERS,
    method: 'get',
    path: '/v1/console/layouts/:widget',
    summary: 'This manager’s arrangement of a console widget (which metrics, in which order); null until saved',
    params: WidgetParams,
    response: ConsoleLayoutResponse,
    handler: ({ params, principal, ctx }) => getLayout(ctx.db, principal, params.widget),
  }),
  defineRoute({
    tag: 'console',
    auth: ['rep'],
    repRoles: READERS,
    method: 'put',
    path: '/v1/console/layouts/:widget',
    summary: 'Save this manager’s arrangement of a console widget',
    params: WidgetParams,
    body: ConsoleLayout,
    response: ConsoleLayoutResponse,
    handler: ({ params, body, principal, ctx }) => putLayout(ctx.db, principal, params.widget, body),
  }),
];
