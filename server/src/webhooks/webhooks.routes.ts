import {
  WebhookDeliveryList,
  WebhookDeliveryListQuery,
  WebhookReplayResponse,
  WebhookSubscriptionCreated,
  WebhookSubscriptionInput,
  WebhookSubscriptionList,
  WebhookSubscriptionResponse,
} from '@huashu/core';
import { defineRoute } from '../platform/http/route.js';
import { createSubscription, deleteSubscription, enableSubscription, getSubscription, listDeliveries, listSubscriptions, replayDelivery } from './webhooks.service.js';

const TAG = 'webhooks';

/** Outbound webhooks: subscriptions, their delivery log, replays. Secret key only. */
export const webhookRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/webhook-subscriptions',
    summary: 'Subscribe a URL (the host CRM, or a DingTalk / WeCom / Feishu group robot) to events; a generated secret is in this answer only',
    tag: TAG,
    auth: ['secret'],
    body: WebhookSubscriptionInput,
    response: WebhookSubscriptionCreated,
    status: 201,
    handler: ({ body, principal, ctx }) => createSubscription(ctx, principal.tenantId, body),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/webhook-subscriptions',
    summary: "The tenant's webhook subscriptions (robot URLs with their token masked; never a secret)",
    tag: TAG,
    auth: ['secret'],
    response: WebhookSubscriptionList,
    handler: ({ principal, ctx }) => listSubscriptions(ctx, principal.tenantId),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/webhook-subscriptions/:id',
    summary: 'One webhook subscription',
    tag: TAG,
    auth: ['secret'],
    response: WebhookSubscriptionResponse,
    handler: ({ params, principal, ctx }) => getSubscription(ctx, principal.tenantId, params['id']!),
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/webhook-subscriptions/:id',
    summary: 'Delete a subscription with its deliveries and their log; pending retries stop',
    tag: TAG,
    auth: ['secret'],
    response: WebhookSubscriptionResponse,
    handler: ({ params, principal, ctx }) => deleteSubscription(ctx, principal.tenantId, params['id']!),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/webhook-subscriptions/:id/enable',
    summary: 'Enable a subscription again after its receiver answered 410 Gone',
    tag: TAG,
    auth: ['secret'],
    response: WebhookSubscriptionResponse,
    handler: ({ params, principal, ctx }) => enableSubscription(ctx, principal.tenantId, params['id']!),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/webhook-subscriptions/:id/deliveries',
    summary: 'Deliveries to a subscription, newest first, each with its log per attempt (time, status, duration, error class)',
    tag: TAG,
    auth: ['secret'],
    query: WebhookDeliveryListQuery,
    response: WebhookDeliveryList,
    handler: ({ params, query, principal, ctx }) => listDeliveries(ctx, principal.tenantId, params['id']!, query),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/webhook-deliveries/:id/replay',
    summary: 'Send a delivery again now: the same webhook-id, a fresh timestamp and signature',
    tag: TAG,
    auth: ['secret'],
    response: WebhookReplayResponse,
    status: 202,
    handler: ({ params, principal, ctx }) => replayDelivery(ctx, principal.tenantId, params['id']!),
  }),
];
