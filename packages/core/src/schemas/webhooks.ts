import { z } from 'zod';
import { IsoDateTime } from './common.js';

/**
 * Outbound webhooks to the host CRM (Standard Webhooks) and to sales group
 * chats (DingTalk, WeCom, Feishu robots).
 */
export const WEBHOOK_KINDS = ['standard', 'dingtalk', 'wecom', 'feishu'] as const;
export const WebhookKind = z.enum(WEBHOOK_KINDS);
export type WebhookKind = z.infer<typeof WebhookKind>;

/** Event types emitted today; subscriptions may also name types other domains add later. */
export const WEBHOOK_EVENT_TYPES = ['lead.created', 'lead.merged', 'lead.assigned', 'lead.sla_breached', 'lead.unmerged', 'signal.fired', 'lead.hot', 'lead.going_silent'] as const;

/** `*`, a prefix such as `lead.*`, or one exact type such as `lead.sla_breached`. */
export const WEBHOOK_EVENT_PATTERN = /^(?:\*|[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*\.\*|[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+)$/;
export const MAX_WEBHOOK_EVENT_PATTERNS = 50;

export const WebhookEventPattern = z
  .string()
  .trim()
  .max(100)
  .regex(WEBHOOK_EVENT_PATTERN, 'must be "*", a prefix such as "lead.*", or an event type such as "lead.created"');

/** Standard Webhooks secrets: `whsec_` and base64 of 24–64 random bytes. */
export const WEBHOOK_SECRET = /^whsec_(?:[A-Za-z0-9+/]{4}){8,22}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const WebhookSubscriptionInput = z
  .object({
    url: z.string().trim().min(1).max(2048),
    events: z.array(WebhookEventPattern).min(1).max(MAX_WEBHOOK_EVENT_PATTERNS),
    /** @default 'standard' (signed JSON to the host CRM); the others post a Chinese card to a group robot. */
    kind: WebhookKind.optional(),
    /**
     * `standard`: your own `whsec_…` secret (one is generated otherwise).
     * `dingtalk` / `feishu`: the robot's signing secret (加签), when the robot has one.
     * `wecom`: not used (the key in the URL is the credential).
     */
    secret: z.string().trim().min(1).max(256).optional(),
    description: z.string().trim().max(200).optional(),
  })
  .strict();
export type WebhookSubscriptionInput = z.input<typeof WebhookSubscriptionInput>;

export const WebhookSubscription = z.object({
  id: z.string(),
  /** Group-robot URLs carry their access token: shown with it masked. */
  url: z.string(),
  kind: WebhookKind,
  events: z.array(z.string()),
  description: z.string().nullable(),
  /** Whether deliveries are signed (always for `standard`; robots when a signing secret was given). */
  signed: z.boolean(),
  enabled: z.boolean(),
  /** Set when a receiver answered 410 Gone (or an admin disabled it); nothing is delivered until re-enabled. */
  disabledAt: IsoDateTime.nullable(),
  disabledReason: z.string().nullable(),
  createdAt: IsoDateTime,
});
export type WebhookSubscription = z.infer<typeof WebhookSubscription>;

/** The signing secret is in this answer only (`null` for robots: their secret is yours already). */
export const WebhookSubscriptionCreated = z.object({ subscription: WebhookSubscription, secret: z.string().nullable() });
export const WebhookSubscriptionResponse = z.object({ subscription: WebhookSubscription });
export const WebhookSubscriptionList = z.object({ subscriptions: z.array(WebhookSubscription) });

export const WebhookDeliveryState = z.enum(['pending', 'delivered', 'dead', 'cancelled']);
export type WebhookDeliveryState = z.infer<typeof WebhookDeliveryState>;

/** One HTTP attempt: never the payload, never a secret; at most a short excerpt of what the receiver answered. */
export const WebhookAttempt = z.object({
  attempt: z.number().int(),
  /** `schedule`: the retry schedule; `replay`: POST /v1/webhook-deliveries/:id/replay. */
  trigger: z.enum(['schedule', 'replay']),
  at: IsoDateTime,
  durationMs: z.number().int(),
  /** `null` when no HTTP answer came (timeout, refused connection, blocked address). */
  statusCode: z.number().int().nullable(),
  outcome: z.enum(['delivered', 'failed']),
  /** The error class: `http_status`, `timeout`, `blocked_address`, `dns_error`, `connection_refused`, `robot_error(<code>)` … */
  error: z.string().nullable(),
  responseExcerpt: z.string().nullable(),
  /** When this attempt scheduled the next one (`null`: none). */
  nextAttemptAt: IsoDateTime.nullable(),
});
export type WebhookAttempt = z.infer<typeof WebhookAttempt>;

export const WebhookDelivery = z.object({
  id: z.string(),
  subscriptionId: z.string(),
  /** The outbox event id: also the `webhook-id` header, the same on every attempt and replay. */
  eventId: z.string(),
  eventType: z.string(),
  state: WebhookDeliveryState,
  attempts: z.number().int(),
  nextAttemptAt: IsoDateTime.nullable(),
  deliveredAt: IsoDateTime.nullable(),
  createdAt: IsoDateTime,
  /** Oldest first. */
  log: z.array(WebhookAttempt),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const MAX_WEBHOOK_DELIVERIES_PAGE = 100;

export const WebhookDeliveryListQuery = z
  .object({
    state: WebhookDeliveryState.optional(),
    limit: z.coerce.number().int().min(1).max(MAX_WEBHOOK_DELIVERIES_PAGE).default(20),
    cursor: z.string().max(256).optional(),
  })
  .strict();
export type WebhookDeliveryListQuery = z.output<typeof WebhookDeliveryListQuery>;

/** Newest first. */
export const WebhookDeliveryList = z.object({ deliveries: z.array(WebhookDelivery), nextCursor: z.string().nullable() });
export const WebhookReplayResponse = z.object({ delivery: WebhookDelivery, jobId: z.string() });

/** What a Standard Webhooks delivery's body carries. */
export const WebhookPayload = z.object({
  type: z.string(),
  /** When the event happened (the outbox event's time), ISO 8601. */
  timestamp: IsoDateTime,
  /** `data.lead` for lead events (`data.lead.id` first), `data.deal` for deal events. */
  data: z.record(z.string(), z.unknown()),
});
export type WebhookPayload = z.infer<typeof WebhookPayload>;
