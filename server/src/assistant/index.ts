import type { DomainModule } from '../platform/module.js';
import { assistantJobs } from './assistant.jobs.js';
import { assistantRoutes } from './assistant.routes.js';

/** Questions, grounded answers, outcome reports and what they teach, over the knowledge base. */
export const assistantModule: DomainModule = { name: 'assistant', routes: assistantRoutes, jobs: assistantJobs };
