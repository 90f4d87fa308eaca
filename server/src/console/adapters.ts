import { CaptureRules, HealthSettingsInput, PipelineStagesRequest, PointsRulesRequest, SignalRuleSetRequest, type ConsoleRuleSet, type SignalRuleSet } from '@huashu/core';
import { getCaptureRules, putCaptureRules } from '../conversations/conversations.service.js';
import { getHealthSettings, getStages, putHealthSettings, putStages } from '../pipeline/pipeline.service.js';
import { getRules as getPointRules, putRules as putPointRules } from '../points/points.service.js';
import { getRules as getSignalRules, putRules as putSignalRules } from '../signals/signals.service.js';
import type { RuleSetAdapter } from './console.service.js';

/**
 * The rule sets the console versions, each written to its own domain when
 * published. Signal, point and capture rules are `pilotable`: the signals domain
 * scores a pilot rep's leads with the pilot version (`activeVersion`) and points
 * pay a pilot rep the pilot's amounts, a pilot rep's captures use the pilot's rules (resolvers wired in modules.ts); the others
 * apply one version to everyone, so they go from draft to published.
 */
export const ruleSetAdapters: Record<ConsoleRuleSet, RuleSetAdapter> = {
  'signal-rules': {
    schema: SignalRuleSetRequest,
    pilotable: true,
    live: async (ctx, principal) => (await getSignalRules(ctx.db, principal.tenantId)).rules,
    publish: (ctx, principal, content, actor) => putSignalRules(ctx.db, principal.tenantId, content as SignalRuleSet, actor),
  },
  'pipeline-stages': {
    schema: PipelineStagesRequest,
    pilotable: false,
    live: async (ctx, principal) => {
      const current = await getStages(ctx, principal.tenantId);
      return current.stages.length > 0 ? current : null;
    },
    publish: (ctx, principal, content) => putStages(ctx, principal.tenantId, content as PipelineStagesRequest),
  },
  'capture-rules': {
    schema: CaptureRules,
    pilotable: true,
    live: async (ctx, principal) => {
      const { isDefault: _default, ...rules } = await getCaptureRules(ctx, principal);
      return rules;
    },
    publish: (ctx, principal, content) => putCaptureRules(ctx, principal, content as CaptureRules),
  },
  'health-settings': {
    schema: HealthSettingsInput,
    pilotable: false,
    live: (ctx, principal) => getHealthSettings(ctx, principal.tenantId),
    publish: (ctx, principal, content) => putHealthSettings(ctx, principal.tenantId, content as HealthSettingsInput),
  },
  'point-rules': {
    schema: PointsRulesRequest,
    pilotable: true,
    live: (ctx, principal) => getPointRules(ctx, principal),
    publish: (ctx, principal, content) => putPointRules(ctx, principal, content as PointsRulesRequest),
  },
};
