import type { DomainModule } from '../platform/module.js';
import { leadRoutes } from './leads.routes.js';

/** Leads from every channel with their touchpoints. */
export const leadsModule: DomainModule = { name: 'leads', routes: leadRoutes };
