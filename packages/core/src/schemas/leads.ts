import { z } from 'zod';
import { IsoDateTime } from './common.js';

export const LeadSource = z.string().trim().min(1).max(64);

/**
 * Contact fields are checked on the server too (phone numbers through
 * libphonenumber); here they are only bounded so the browser bundle stays small.
 */
export const LeadInput = z
  .object({
    idempotencyKey: z.string().min(8).max(128).optional(),
    name: z.string().trim().min(1).max(100).optional(),
    phone: z.string().trim().min(3).max(32).optional(),
    email: z.string().trim().max(254).optional(),
    wechat: z.string().trim().max(64).optional(),
    company: z.string().trim().max(200).optional(),
    source: LeadSource,
    campaign: z.string().trim().max(128).optional(),
    consent: z.boolean().optional(),
    page: z.string().max(2048).optional(),
    anonymousId: z.string().max(128).optional(),
    fields: z.record(z.string().max(64), z.union([z.string().max(2000), z.number(), z.boolean(), z.null()])).optional(),
  })
  .strict();
export type LeadInput = z.input<typeof LeadInput>;

export const Lead = z.object({
  id: z.string(),
  name: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  wechat: z.string().nullable(),
  company: z.string().nullable(),
  source: z.string(),
  campaign: z.string().nullable(),
  consent: z.boolean().nullable(),
  fields: z.record(z.string(), z.unknown()),
  createdAt: IsoDateTime,
});
export type Lead = z.infer<typeof Lead>;

export const LeadCaptureResponse = z.object({ lead: Lead, created: z.boolean() });
export type LeadCaptureResponse = z.infer<typeof LeadCaptureResponse>;
