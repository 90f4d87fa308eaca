import { Health, HuashuError, RepTokenRequest, RepTokenResponse } from '@huashu/core';
import { signRepToken } from '../auth/rep-token.js';
import { findKey } from '../auth/key-store.js';
import { defineRoute } from './route.js';
import { VERSION } from '../version.js';

export const systemRoutes = [
  defineRoute({
    method: 'get',
    path: '/healthz',
    summary: 'Ready to serve (database reachable)',
    tag: 'system',
    auth: 'public',
    response: Health,
    async handler({ ctx }) {
      await ctx.db.query('SELECT 1');
      return { status: 'ok' as const, engine: ctx.db.engine, version: VERSION };
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
    async handler({ body, principal, ctx }) {
      const key = await findKey(ctx.db, principal.keyId);
      if (!key?.signing_key) throw new HuashuError('forbidden', 'this secret key cannot sign rep tokens');
      const { ttlSeconds, ...claims } = body;
      const { token, expiresAt } = await signRepToken(key.signing_key, key.lookup_id, claims, ttlSeconds);
      return { token, expiresAt: expiresAt.toISOString() };
    },
  }),
];
