import { EventBatchRequest, EventBatchResponse, MAX_BATCH_BYTES } from '@huashu/core';
import { ingestBatch, type IngestOptions } from './events.service.js';
import { defineRoute } from '../platform/http/route.js';

/** The events routes; `options.onStored` evaluates other domains' rules in the storing transaction (signals). */
export const eventRoutesWith = (options: IngestOptions = {}) => [
  defineRoute({
    method: 'post',
    path: '/v1/events/batch',
    summary: 'Send a batch of behaviour events (de-duplicated by messageId)',
    tag: 'events',
    auth: ['publishable', 'secret'],
    body: EventBatchRequest,
    response: EventBatchResponse,
    // The SDK splits larger queues (its request ceiling stays below this).
    bodyLimit: MAX_BATCH_BYTES,
    // Each event is checked on its own: a poisoned one is rejected by index, the rest stored.
    itemsField: 'batch',
    acceptTextPlain: true,
    keyInQuery: true,
    handler: ({ body, principal, ctx }) => ingestBatch(ctx.db, principal.tenantId, body, new Date(), options),
  }),
];

export const eventRoutes = eventRoutesWith();
