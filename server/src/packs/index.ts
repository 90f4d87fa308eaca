import type { DomainModule } from '../platform/module.js';
import { seedDemoPacks } from './packs.demo.js';
import { packsRoutes } from './packs.routes.js';

/** Scenario learning packs: delivered to a new hire the first time they meet the scenario. */
export const packsModule: DomainModule = { name: 'packs', routes: packsRoutes, seedDemo: seedDemoPacks };
