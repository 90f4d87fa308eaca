import type { JobDefinition } from '../platform/jobs/index.js';
import { attemptDelivery, DELIVERY_JOB, DELIVERY_TIMEOUT_MS, pruneWebhookLog } from './webhooks.service.js';

/** Room beyond the HTTP timeout for the few queries around an attempt. */
const DATABASE_MARGIN_MS = 15_000;
/** A failed attempt is retried by the next job the attempt enqueues; these retries cover only a database failure around it. */
const JOB_MAX_ATTEMPTS = 5;
const HOUR = 3600_000;

/** One attempt of one webhook delivery; the retry schedule lives in the deliveries, not in job retries. */
export const deliveryJob: JobDefinition = {
  type: DELIVERY_JOB,
  maxAttempts: JOB_MAX_ATTEMPTS,
  timeoutMs: DELIVERY_TIMEOUT_MS + DATABASE_MARGIN_MS,
  handler: attemptDelivery,
};

/** Drops event bodies and delivery logs past their retention, hourly. */
export const pruneJob: JobDefinition = {
  type: 'webhooks.prune',
  schedule: { everyMs: HOUR },
  async handler(ctx) {
    await pruneWebhookLog(ctx);
  },
};
