import type { DomainModule } from '../platform/module.js';
import { eventRoutes } from './events.routes.js';

/** Behaviour events from the SDK: validated one by one, de-duplicated by messageId. */
export const eventsModule: DomainModule = { name: 'events', routes: eventRoutes };
