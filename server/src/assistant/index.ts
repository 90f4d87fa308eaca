import type { DomainModule } from '../platform/module.js';
import { assistantRoutes } from './assistant.routes.js';

/** Questions, grounded answers and outcome reports over the knowledge base. */
export const assistantModule: DomainModule = { name: 'assistant', routes: assistantRoutes };
