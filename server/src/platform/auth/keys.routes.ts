import { HuashuError, IsoDateTime, RepTokenRequest, RepTokenResponse } from '@huashu/core';
import type { Request } from 'express';
import { z } from 'zod';
import { defineRoute } from '../http/route.js';
import { readCredential } from '../http/security.js';
import { findKeyInfo, getAllowedOrigins, issueKey, listKeys, revokeKey, setAllowedOrigins } from './key-store.js';
import { deriveRepTokenKeyPair, hashKey, KEY_ID, lookupId } from './keys.js';
import { MAX_ALLOWED_ORIGINS, OriginPattern } from './origins.js';
import { signRepToken } from './rep-token.js';

const KeyKindSchema = z.enum(['secret', 'publishable']);

/** A key as listed: never the key nor its hash. `id` is also the `kid` of the rep tokens a secret key signs. */
export const ApiKeyInfo = z.object({
  id: z.string(),
  kind: KeyKindSchema,
  label: z.string().nullable(),
  createdAt: IsoDateTime,
  revokedAt: IsoDateTime.nullable(),
});

export const CreateKeyRequest = z
  .object({
    kind: KeyKindSchema,
    label: z.string().trim().min(1).max(64).optional(),
  })
  .strict();

/** `key` is shown this once; the server keeps only its hash. */
export const CreatedKey = ApiKeyInfo.extend({ key: z.string() });


function keyIdParam(params: Record<string, string>): string {
  const id = params['id'] ?? '';
  if (!KEY_ID.test(id)) {
    throw new HuashuError('validation_failed', 'invalid params: id must be a key id as listed by GET /v1/keys', {
      issues: [{ path: 'id', message: 'must be a key id as listed by GET /v1/keys (20 hex digits)' }],
    });
  }
  return id;
}

export const CorsSettings = z
  .object({
    /** Browser origins allowed on publishable-key and rep-token routes; null allows any. */
    allowedOrigins: z.array(OriginPattern).max(MAX_ALLOWED_ORIGINS).nullable(),
  })
  .strict();

/** The secret key the request came with: it is the only place its rep-token private key can be derived from. */
function presentedSecretKey(req: Request, keyId: string): string {
  const credential = readCredential(req, {});
  if (!credential || lookupId(hashKey(credential)) !== keyId) throw new HuashuError('unauthenticated', 'send the secret key as "Authorization: Bearer sk_…"');
  return credential;
}

export const keyRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/keys',
    summary: "This tenant's API keys, revoked ones included (never the keys themselves)",
    tag: 'auth',
    auth: ['secret'],
    response: z.object({ keys: z.array(ApiKeyInfo) }),
    handler: async ({ principal, ctx }) => ({ keys: await listKeys(ctx.db, principal.tenantId) }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/keys',
    summary: 'Issue a secret or publishable key (the key is in this response only)',
    tag: 'auth',
    auth: ['secret'],
    body: CreateKeyRequest,
    response: CreatedKey,
    status: 201,
    async handler({ body, principal, ctx }) {
      const issued = await issueKey(ctx.db, principal.tenantId, body.kind, { label: body.label });
      const info = await findKeyInfo(ctx.db, principal.tenantId, issued.lookupId);
      return { ...info!, key: issued.key };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/v1/keys/:id',
    summary: 'Revoke a key: refused everywhere within 5 s (not the key this request uses)',
    tag: 'auth',
    auth: ['secret'],
    response: z.object({ key: ApiKeyInfo }),
    async handler({ params, principal, ctx }) {
      const id = keyIdParam(params);
      // Revoking the key in hand could leave the tenant with no secret key at all,
      // and nothing but the CLI could issue another: rotate with a second key instead.
      if (id === principal.keyId) {
        throw new HuashuError('conflict', 'this request is authenticated with the key it asks to revoke; issue another secret key (POST /v1/keys) and revoke this one with it');
      }
      const revoked = await revokeKey(ctx.db, principal.tenantId, id);
      if (!revoked) throw new HuashuError('not_found', `no key ${id}`);
      ctx.authenticator.forget(id);
      return { key: revoked };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/rep-tokens',
    summary: 'Mint a short-lived rep token for the widgets (secret key)',
    tag: 'auth',
    auth: ['secret'],
    body: RepTokenRequest,
    response: RepTokenResponse,
    status: 201,
    async handler({ req, body, principal }) {
      const { privateKey } = deriveRepTokenKeyPair(presentedSecretKey(req, principal.keyId));
      const { ttlSeconds, ...claims } = body;
      const { token, expiresAt } = await signRepToken(privateKey, principal.keyId, claims, ttlSeconds);
      return { token, expiresAt: expiresAt.toISOString() };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/v1/settings/cors',
    summary: 'Browser origins allowed on publishable-key and rep-token routes (null: any)',
    tag: 'auth',
    auth: ['secret'],
    response: CorsSettings,
    handler: async ({ principal, ctx }) => ({ allowedOrigins: await getAllowedOrigins(ctx.db, principal.tenantId) }),
  }),
  defineRoute({
    method: 'put',
    path: '/v1/settings/cors',
    summary: 'Set the allowed browser origins (exact origins or https://*.example.com; null allows any)',
    tag: 'auth',
    auth: ['secret'],
    body: CorsSettings,
    response: CorsSettings,
    async handler({ body, principal, ctx }) {
      const origins = body.allowedOrigins === null ? null : [...new Set(body.allowedOrigins)];
      await setAllowedOrigins(ctx.db, principal.tenantId, origins);
      ctx.authenticator.forgetTenant(principal.tenantId);
      return { allowedOrigins: origins };
    },
  }),
];
