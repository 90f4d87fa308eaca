import type { LeadChannel } from '@huashu/core';
import type { NormalisedContact } from './contact.js';

/** Lead fields a submission may carry besides the contact (also the fields that merges fill and provenance tracks). */
export const PROFILE_FIELDS = ['name', 'company', 'title', 'region', 'industry', 'campaign', 'consent'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];
export const CONTACT_FIELDS = ['phone', 'email', 'wechat'] as const;

export interface LeadProfile {
  name: string | null;
  company: string | null;
  title: string | null;
  region: string | null;
  industry: string | null;
  campaign: string | null;
  consent: boolean | null;
}

/**
 * One arrival of a contact, whatever the channel: what `POST /v1/leads` and
 * every preset or custom mapping produce.
 */
export interface LeadSubmission {
  /** The touchpoint's source: the lead source's slug, or `source` of a `POST /v1/leads` body. */
  source: string;
  channel: LeadChannel;
  /** The registered lead source, when the submission came through (or names) one. */
  sourceId: string | null;
  contact: NormalisedContact;
  profile: LeadProfile;
  fields: Record<string, unknown>;
  page: string | null;
  anonymousId: string | null;
  idempotencyKey: string | null;
  /** Standard Webhooks `webhook-id` of an inbound delivery. */
  webhookId: string | null;
  /** The platform's own id of the lead (clue id, call id, scan id). */
  externalId: string | null;
  /** When it happened at the source; defaults to when it arrived. */
  occurredAt: Date | null;
  /** The payload as received, kept with the touchpoint. */
  raw: unknown;
}
