import type { LeadCaptureResponse, LeadInput } from '@huashu/core';
import { withRetry } from './delivery/retry.js';
import { uuid } from './ids.js';
import { truncate } from './text.js';
import { HuashuApiError } from './errors.js';
import type { Transport } from './transport.js';

/**
 * What a lead form submits (`source` is required; `name`, `phone`, `email`,
 * `wechat`, `company`, `campaign`, `consent`, `fields` optional). The SDK adds
 * `page` (the current URL, unless given) and the visitor's `anonymousId`, and an
 * `idempotencyKey` unless you pass one — pass your own to make a user's
 * re-submission of the same form return the same lead.
 */
export type LeadCaptureInput = Omit<LeadInput, 'anonymousId'>;

export interface LeadCaptureOptions {
  /** Aborts the request and any pending retry; the promise then rejects with code `aborted`. */
  signal?: AbortSignal;
}

export interface Leads {
  /**
   * `POST /v1/leads`, retried on network errors, 408, 429 and 5xx with the same
   * idempotency key, so a lost response never creates a second lead. Resolves
   * `{ lead, created }` (`created: false` when the key was seen before); rejects
   * with a {@link HuashuApiError} whose `issues` name the offending fields.
   */
  capture(input: LeadCaptureInput, options?: LeadCaptureOptions): Promise<LeadCaptureResponse>;
}

/** One try and three retries: the jittered waits add up to at most 3.5 s while a person watches the submit button. */
const LEAD_ATTEMPTS = 4;
/** A `Retry-After` longer than this is not worth making a form wait for; the error goes to the form instead. */
const LEAD_MAX_RETRY_WAIT_MS = 10_000;
/** The server's limit for `page`; long tracking query strings must not turn into a validation error the visitor cannot fix. */
export const MAX_PAGE_URL = 2048;

export interface LeadsDependencies {
  transport: Transport;
  pageUrl(): string | undefined;
  /** Undefined when tracking is not allowed: a lead is not linked to browsing history without consent. */
  anonymousId(): string | undefined;
  onCaptured(leadId: string): void;
  random?: () => number;
}

export function createLeads({ transport, pageUrl, anonymousId, onCaptured, random }: LeadsDependencies): Leads {
  return {
    async capture(input, { signal } = {}) {
      if (typeof input !== 'object' || input === null) {
        throw new HuashuApiError('invalid_argument', 'leads.capture: input must be an object');
      }
      const page = input.page ?? pageUrl();
      const body: LeadInput = {
        ...input,
        idempotencyKey: input.idempotencyKey ?? uuid(),
        page: page && truncate(page, MAX_PAGE_URL),
        anonymousId: anonymousId(),
      };
      const result = await withRetry(() => transport.json<LeadCaptureResponse>('/v1/leads', { method: 'POST', body, signal }), {
        attempts: LEAD_ATTEMPTS,
        maxDelayMs: LEAD_MAX_RETRY_WAIT_MS,
        signal,
        random,
      });
      if (typeof result?.lead?.id !== 'string') throw new HuashuApiError('invalid_response', '/v1/leads answered without a lead id');
      onCaptured(result.lead.id);
      return result;
    },
  };
}
