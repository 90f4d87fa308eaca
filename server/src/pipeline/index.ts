import type { DomainModule } from '../platform/module.js';
import { seedPipelineDemo } from './demo.js';
import { pipelineJobs } from './pipeline.jobs.js';
import { pipelineRoutes } from './pipeline.routes.js';

export { detectStalled, findStalled, stageStats, detectStalledEverywhere, usePilotPipelineConfig, type PilotPipelineConfig, type PilotPipelineTenants, type PipelinePilot, type PipelinePilotRuleSet } from './pipeline.service.js';

/** The CRM's pipeline made visible: stage gates, time in stage in working days, stalled deals, process health. */
export const pipelineModule: DomainModule = {
  name: 'pipeline',
  routes: pipelineRoutes,
  jobs: pipelineJobs,
  seedDemo: (ctx, tenant) => seedPipelineDemo(ctx, tenant),
};
