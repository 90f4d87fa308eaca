import { z } from 'zod';
import { IsoDateTime } from './common.js';

/** Segment-compatible limits: one event ≤ 32 KB, one batch ≤ 500 KB. */
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_BATCH_BYTES = 500 * 1024;
export const MAX_BATCH_EVENTS = 1000;

export const TrackingEvent = z
  .object({
    messageId: z.string().min(1).max(100),
    type: z.enum(['track', 'page', 'identify']),
    event: z.string().min(1).max(200).optional(),
    anonymousId: z.string().max(128).optional(),
    leadId: z.string().max(64).optional(),
    properties: z.record(z.string(), z.unknown()).optional(),
    timestamp: IsoDateTime,
  })
  .strict();
export type TrackingEvent = z.infer<typeof TrackingEvent>;

export const EventBatchRequest = z
  .object({ sentAt: IsoDateTime, batch: z.array(z.unknown()).max(MAX_BATCH_EVENTS) })
  .strict();
export type EventBatchRequest = { sentAt: string; batch: TrackingEvent[] };

export const EventBatchResponse = z.object({
  accepted: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.array(z.object({ index: z.number().int(), error: z.string() })),
});
export type EventBatchResponse = z.infer<typeof EventBatchResponse>;
