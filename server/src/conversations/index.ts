import type { DomainModule } from '../platform/module.js';
import { seedDemoConversations } from './conversations.demo.js';
import { conversationsRoutes } from './conversations.routes.js';

/** Conversation capture: tracker rules turn chat snippets into candidate entries or real-world examples. */
export const conversationsModule: DomainModule = { name: 'conversations', routes: conversationsRoutes, seedDemo: seedDemoConversations };
export { usePilotCaptureRules, type PilotCaptureRules } from './conversations.service.js';
