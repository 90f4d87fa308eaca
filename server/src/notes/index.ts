import type { DomainModule } from '../platform/module.js';
import { notesRoutes } from './notes.routes.js';

export { extractNote, extractWithRules } from './notes.service.js';

/** Voice and typed visit notes turned into structured fields (offline rules; a chat model when configured). */
export const notesModule: DomainModule = { name: 'notes', routes: notesRoutes };
