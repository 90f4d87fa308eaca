import type { DomainModule } from '../platform/module.js';
import { deliveryJob, pruneJob } from './webhooks.jobs.js';
import { webhookRoutes } from './webhooks.routes.js';
import { webhookConsumer } from './webhooks.service.js';

/**
 * Outbound webhooks: every outbox event a subscription wants is delivered to
 * the host CRM with Standard Webhooks signatures, or to a sales group chat as
 * a Chinese card, retried on Svix's schedule, with a log per attempt.
 */
export const webhooksModule: DomainModule = { name: 'webhooks', routes: webhookRoutes, jobs: [deliveryJob, pruneJob], consumers: [webhookConsumer] };

export { matchesEvent, DELIVERY_JOB } from './webhooks.service.js';
