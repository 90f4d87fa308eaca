import { assistantModule } from './assistant/index.js';
import { activeVersion, consoleModule, runningPilot, tenantsWithRunningPilot } from './console/index.js';
import { conversationsModule, usePilotCaptureRules } from './conversations/index.js';
import { createEventsModule } from './events/index.js';
import { knowledgeModule } from './knowledge/index.js';
import { createLeadsModule } from './leads/index.js';
import { notesModule } from './notes/index.js';
import { pipelineModule, usePilotPipelineConfig } from './pipeline/index.js';
import type { CaptureRules, PointsRulesRequest } from '@huashu/core';
import type { DomainModule } from './platform/module.js';
import { packsModule } from './packs/index.js';
import { pointsModule, usePilotPointRules } from './points/index.js';
import { evaluateOnIngest, intentEnricher, intentRanker, signalsModule } from './signals/index.js';
import { reportsModule } from './reports/index.js';
import { tasksModule } from './tasks/index.js';
import { webhooksModule } from './webhooks/index.js';

// Signals contribute `lead.intent` to leads and evaluate rules as events are stored; neither domain imports signals.
const leadsModule = createLeadsModule({ enrichers: [intentEnricher], ranker: intentRanker });
const eventsModule = createEventsModule({ onStored: evaluateOnIngest });
// Points pay a pilot rep with the pilot's amounts; points cannot import the console, which publishes into points.
usePilotPointRules(async (db, tenantId, repId, at) => (await activeVersion(db, tenantId, 'point-rules', repId, at))?.content as PointsRulesRequest | undefined);
usePilotCaptureRules(async (db, tenantId, repId, at) => (await activeVersion(db, tenantId, 'capture-rules', repId, at))?.content as CaptureRules | undefined);
usePilotPipelineConfig((db, tenantId, ruleSet, at) => runningPilot(db, tenantId, ruleSet, at), (db, ruleSet, at) => tenantsWithRunningPilot(db, ruleSet, at));

/** Every domain the server runs, in the order their demo data is seeded. */
export const allModules: readonly DomainModule[] = [knowledgeModule, assistantModule, leadsModule, eventsModule, pointsModule, packsModule, conversationsModule, pipelineModule, signalsModule, consoleModule, notesModule, tasksModule, reportsModule, webhooksModule];
