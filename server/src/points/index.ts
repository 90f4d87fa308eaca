import type { DomainModule } from '../platform/module.js';
import { seedDemoPoints } from './points.demo.js';
import { pointsRoutes } from './points.routes.js';
import { pointsConsumers } from './points.service.js';

/** Contribution points: an append-only ledger fed by review and outcome events, rewards and redemptions. */
export const pointsModule: DomainModule = { name: 'points', routes: pointsRoutes, seedDemo: seedDemoPoints, consumers: pointsConsumers };
export { usePilotPointRules, type PilotPointRules } from './points.service.js';
