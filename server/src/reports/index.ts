import type { DomainModule } from '../platform/module.js';
import { reportRoutes } from './reports.routes.js';

export { dailyReport, leadTimeline, renderDailyMarkdown } from './reports.service.js';

/** Read-only views across domains: the lead's journey on one timeline, the rep's daily report. */
export const reportsModule: DomainModule = { name: 'reports', routes: reportRoutes };
