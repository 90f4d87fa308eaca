import { CaptureRules, HealthSettingsInput, HuashuError, PipelineStagesRequest, PointsRulesRequest, SignalRuleSetRequest, type ConsoleRuleSet, type SignalRuleSet } from '@huashu/core';
import { getCaptureRules, putCaptureRules } from '../conversations/conversations.service.js';
import { getHealthSettings, getStages, putHealthSettings, putStages } from '../pipeline/pipeline.service.js';
import { getRules as getPointRules, putRules as putPointRules } from '../points/points.service.js';
import { getRules as getSignalRules, putRules as putSignalRules } from '../signals/signals.service.js';
import type { RuleSetAdapter } from './console.service.js';

/**
 * The rule sets the console versions, each written to its own domain when
 * published. Every one is pilotable: the domain asks the console (through a
 * resolver wired in modules.ts, as no domain imports the console) which
 * version applies to a rep — signals score a pilot rep's leads with it,
 * points pay a pilot rep its amounts, captures use its rules, gate checks
 * and stall thresholds of a pilot rep's deals use its stages, and a pilot
 * rep's health row is scored with its settings.
 */
export const ruleSetAdapters: Record<ConsoleRuleSet, RuleSetAdapter> = {
  'signal-rules': {
    schema: SignalRuleSetRequest,
    pilotable: true,
    live: async (ctx, principal) => (await getSignalRules(ctx.db, principal.tenantId)).rules,
    publish: (ctx, principal, content, actor, via) => putSignalRules(ctx.db, principal.tenantId, content as SignalRuleSet, actor, new Date(), via),
  },
  'pipeline-stages': {
    schema: PipelineStagesRequest,
    pilotable: true,
    // Stays are clocked under one working schedule for the whole tenant, so a pilot may change stages, gates and stall thresholds but not the hours.
    checkPilot: async (ctx, principal, content) => {
      const hours = (content as PipelineStagesRequest).workingHours;
      const live = (await getStages(ctx, principal.tenantId)).workingHours;
      if (hours !== undefined && JSON.stringify(hours) !== JSON.stringify(live)) {
        throw new HuashuError('conflict', 'content.workingHours: working hours apply to the whole tenant and cannot be piloted; pilot the stages with the live hours, or publish');
      }
    },
    live: async (ctx, principal) => {
      const current = await getStages(ctx, principal.tenantId);
      return current.stages.length > 0 ? current : null;
    },
    publish: (ctx, principal, content, actor, via) => putStages(ctx, principal.tenantId, content as PipelineStagesRequest, { ...via, actor }),
  },
  'capture-rules': {
    schema: CaptureRules,
    pilotable: true,
    live: async (ctx, principal) => {
      const { isDefault: _default, ...rules } = await getCaptureRules(ctx, principal);
      return rules;
    },
    publish: (ctx, principal, content, _actor, via) => putCaptureRules(ctx, principal, content as CaptureRules, via),
  },
  'health-settings': {
    schema: HealthSettingsInput,
    pilotable: true,
    live: (ctx, principal) => getHealthSettings(ctx, principal.tenantId),
    publish: (ctx, principal, content, actor, via) => putHealthSettings(ctx, principal.tenantId, content as HealthSettingsInput, { ...via, actor }),
  },
  'point-rules': {
    schema: PointsRulesRequest,
    pilotable: true,
    live: (ctx, principal) => getPointRules(ctx, principal),
    publish: (ctx, principal, content, _actor, via) => putPointRules(ctx, principal, content as PointsRulesRequest, via),
  },
};
