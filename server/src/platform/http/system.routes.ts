import { Health } from '@huashu/core';
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
];
