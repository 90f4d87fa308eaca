import type { DomainModule } from '../platform/module.js';
import { consoleRoutes } from './console.routes.js';
import { seedConsoleDemo } from './console.demo.js';
import { consoleConsumers } from './console.service.js';

/**
 * The manager's console: versioned rule sets (draft → pilot → published or
 * discarded) written to their domains on publish, an audit log of every
 * change, and per-manager widget layouts. Domains that apply pilots ask
 * `activeVersion` (console.service) for a rep.
 */
export const consoleModule: DomainModule = { name: 'console', routes: consoleRoutes, seedDemo: seedConsoleDemo, consumers: consoleConsumers };

export { activeVersion, runningPilot, tenantsWithRunningPilot } from './console.service.js';
