import type { DomainModule } from '../platform/module.js';
import { eventPartitionsJob, maintainEventPartitions } from './events.jobs.js';
import { eventRoutesWith } from './events.routes.js';
import type { IngestOptions } from './events.service.js';

/** Behaviour events from the SDK: validated one by one, de-duplicated by messageId; `onStored` lets another domain evaluate them as they arrive. */
export function createEventsModule(options: IngestOptions = {}): DomainModule {
  return {
    name: 'events',
    routes: eventRoutesWith(options),
    // This month's partition must exist before the first event of the month arrives (else it lands in the default partition).
    onStart: async (ctx) => {
      await maintainEventPartitions(ctx);
    },
    jobs: [eventPartitionsJob],
  };
}

export const eventsModule: DomainModule = createEventsModule();

export { eventsByMessageIds, ingestBatch, listEvents, type EventsStoredHook, type EventKind, type EventQuery, type IngestOptions, type StoredEvent } from './events.service.js';
export type { EventRow } from './events.store.js';
