/**
 * `@huashu/sdk` — the browser core: lead capture and behaviour tracking.
 * The assistant client lives in `@huashu/sdk/assistant` so pages that only
 * capture leads do not download it.
 */
export { createHuashu, MAX_EVENT_BYTES } from './client.js';
export type { EventProperties, HuashuClient, HuashuEvents, HuashuOptions, IdentifyTraits } from './client.js';
export type { ConsentMode } from './consent.js';
export type { EventTargetLike, HostEnvironment } from './environment.js';
export type { LeadCaptureInput, LeadCaptureOptions, Leads } from './leads.js';
export type { PreInitCall, PreInitMethod, PreInitQueue } from './pre-init.js';
export type { StorageLike } from './queue/storage.js';
export { HuashuApiError } from './errors.js';
export type { ErrorDetails, HuashuErrorCode, SdkErrorCode } from './errors.js';
export type { FetchLike } from './transport.js';
export type { FieldIssue, Lead, LeadCaptureResponse, TrackingEvent } from '@huashu/core';
