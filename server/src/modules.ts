import { assistantModule } from './assistant/index.js';
import { conversationsModule } from './conversations/index.js';
import { eventsModule } from './events/index.js';
import { knowledgeModule } from './knowledge/index.js';
import { leadsModule } from './leads/index.js';
import { pipelineModule } from './pipeline/index.js';
import type { DomainModule } from './platform/module.js';
import { packsModule } from './packs/index.js';
import { pointsModule } from './points/index.js';
import { webhooksModule } from './webhooks/index.js';

/** Every domain the server runs, in the order their demo data is seeded. */
export const allModules: readonly DomainModule[] = [knowledgeModule, assistantModule, leadsModule, eventsModule, pointsModule, packsModule, conversationsModule, pipelineModule, webhooksModule];
