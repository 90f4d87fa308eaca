// Durable jobs, periodic ticks and the transactional outbox, on both engines.
export { enqueue, listJobs, listAllJobs, type JobInput, type EnqueueResult, type ClaimedJob, type JobFilter, type AdminJob } from './jobs.store.js';
export { createJobRunner, DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_MS, DEFAULT_LEASE_MS } from './runner.js';
export type { JobDefinition, JobRunner, JobRunnerOptions, RunningJob } from './types.js';
export { emit, emitMany, outboxInsertSql, dispatchOutbox, outboxDispatcher, DEFAULT_DELIVERY_MAX_ATTEMPTS, DEFAULT_DISPATCH_EVERY_MS, type OutboxConsumer, type OutboxEvent, type OutboxEventInput, type DispatchOptions } from './outbox.js';
export { JobError, JobTimeoutError, describeError } from './errors.js';
export { backoffDelay, DEFAULT_BACKOFF, type Backoff } from './backoff.js';
export { pruneFinished } from './housekeeping.js';
export { jobRoutes } from './jobs.routes.js';
