/**
 * `huashu-admin.js` — the manager's console: importing this module defines
 * `<huashu-review-queue>`, `<huashu-stage-editor>`, `<huashu-signal-rules>`,
 * `<huashu-capture-rules>`, `<huashu-learning-packs>`, `<huashu-points-admin>`,
 * `<huashu-lead-routing>` and `<huashu-health-dashboard>` (with the manager's
 * layout). Every element needs a rep token with role reviewer or admin.
 */
export { HuashuReviewQueue } from './review-queue/review-queue.js';
export { HuashuStageEditor } from './stage-editor/stage-editor.js';
export { HuashuSignalRules } from './signal-rules/signal-rules.js';
export { HuashuLeadRouting } from './lead-routing/lead-routing.js';
export { HuashuPointsAdmin } from './points-admin/points-admin.js';
export { HuashuLearningPacks } from './learning-packs/learning-packs.js';
export { HuashuCaptureRules } from './capture-rules/capture-rules.js';
export { HuashuAdminHealthDashboard } from './health-dashboard/admin-health-dashboard.js';
export { AdminElement, type AdminEventMap } from './internal/admin-element.js';
export { createAdminClient, type AdminClient } from './internal/admin-client.js';
