/**
 * `@huashu/widget` — importing this module defines every element:
 * `<huashu-lead-form>`, `<huashu-assistant>`, `<huashu-contribute>` and
 * `<huashu-learning-pack>`.
 * Import `components/<name>/<name>.js` to define just one, or
 * `<name>.component.js` for the class without registering it.
 */
export { HuashuLeadForm, LEAD_FIELDS, type LeadField } from './components/lead-form/lead-form.js';
export { HuashuAssistant, type AssistantWidgetClient } from './components/assistant/assistant.js';
export { HuashuContribute, type ContributeWidgetClient } from './components/contribute/contribute.js';
export { HuashuLearningPack, type LearningPackWidgetClient } from './components/learning-pack/learning-pack.js';
export { HuashuPipelineHeatmap, type PipelineHeatmapClient } from './components/pipeline-heatmap/pipeline-heatmap.js';
export { HuashuHealthDashboard, type HealthDashboardClient } from './components/health-dashboard/health-dashboard.js';
export { HuashuElement } from './internal/huashu-element.js';
export { emit, type HuashuEvent, type HuashuEventMap, type HuashuEventName } from './internal/events.js';
export { resolveLocale, type Locale } from './internal/i18n.js';
export type { LeadsClient } from './internal/clients.js';
