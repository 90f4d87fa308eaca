/**
 * Node-only: verifies a webhook Huashu sent to the host CRM's backend, the
 * Standard Webhooks way — `webhook-signature` is `v1,` + base64 of
 * HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${raw body}`, keyed
 * with the base64-decoded part of the `whsec_…` secret after the prefix;
 * the timestamp must be within five minutes of now. Verify the raw bytes as
 * received, before any JSON parsing, and de-duplicate on `webhook-id`: it is
 * the same on every retry and replay of one event.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { verifyWebhook } from '@huashu/sdk/node';
 * app.post('/huashu/webhooks', express.raw({ type: 'application/json' }), (req, res) => {
 *   const event = verifyWebhook(process.env.HUASHU_WEBHOOK_SECRET!, req.headers, req.body);
 *   // event.type === 'lead.created', event.data.lead.id …
 *   res.sendStatus(204);
 * });
 * ```
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookPayload } from '@huashu/core';

export type HuashuWebhookEvent = WebhookPayload;

/** Standard Webhooks' tolerance either way, in seconds. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

export type WebhookVerificationCode = 'missing_headers' | 'invalid_timestamp' | 'timestamp_out_of_tolerance' | 'invalid_signature' | 'invalid_secret' | 'invalid_payload';

export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';
  constructor(
    readonly code: WebhookVerificationCode,
    message: string,
  ) {
    super(message);
  }
}

/** Node's `req.headers`, a fetch `Headers`, or a plain object with any casing. */
export type WebhookHeaders = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

export interface VerifyWebhookOptions {
  /** @default WEBHOOK_TOLERANCE_SECONDS */
  toleranceSeconds?: number;
  /** Clock in ms, for tests. @default Date.now */
  now?: () => number;
}

const SECRET_PREFIX = 'whsec_';

function readHeader(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : value;
}

function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new WebhookVerificationError('invalid_secret', 'the secret must be whsec_ followed by base64');
  return key;
}

/**
 * Checks a delivery's signature and timestamp and returns its parsed body.
 * Throws WebhookVerificationError (with a `code`) when anything is off; answer
 * such a request with 400 or 401 and do not act on it. `secret` may be a list
 * while you rotate from one subscription secret to another.
 */
export function verifyWebhook(secret: string | readonly string[], headers: WebhookHeaders, rawBody: string | Uint8Array, options: VerifyWebhookOptions = {}): HuashuWebhookEvent {
  const id = readHeader(headers, 'webhook-id');
  const timestamp = readHeader(headers, 'webhook-timestamp');
  const signatures = readHeader(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('missing_headers', 'webhook-id, webhook-timestamp and webhook-signature are required');
  if (!/^\d{1,15}$/.test(timestamp)) throw new WebhookVerificationError('invalid_timestamp', 'webhook-timestamp must be whole seconds since the epoch');
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  const tolerance = options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  if (Math.abs(nowSeconds - Number(timestamp)) > tolerance) throw new WebhookVerificationError('timestamp_out_of_tolerance', `webhook-timestamp is more than ${tolerance} s away from now`);

  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength);
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), body]);
  // Several space-separated `v1,<base64>` entries may come; any valid one will do.
  const offered = signatures
    .split(' ')
    .map((entry) => entry.split(','))
    .filter(([version, value]) => version === 'v1' && value)
    .map(([, value]) => Buffer.from(value!, 'base64'));
  const secrets = typeof secret === 'string' ? [secret] : secret;
  const valid = secrets.some((candidate) => {
    const expected = createHmac('sha256', keyOf(candidate)).update(signed).digest();
    return offered.some((signature) => signature.length === expected.length && timingSafeEqual(signature, expected));
  });
  if (!valid) throw new WebhookVerificationError('invalid_signature', 'no webhook-signature matches this secret');

  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    throw new WebhookVerificationError('invalid_payload', 'the body is not JSON');
  }
  if (!payload || typeof payload !== 'object' || typeof (payload as { type?: unknown }).type !== 'string') {
    throw new WebhookVerificationError('invalid_payload', 'the body is not a Huashu event ({ type, timestamp, data })');
  }
  return payload as HuashuWebhookEvent;
}
