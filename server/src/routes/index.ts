import { defineRoute, type RouteSpec } from '../http/route.js';
import { buildOpenApi } from '../http/openapi.js';
import { VERSION } from '../version.js';
import { systemRoutes } from './system.js';
import { leadRoutes } from './leads.js';
import { eventRoutes } from './events.js';
import { knowledgeRoutes } from './knowledge.js';

/** Every API route, in one list: mounted by the app and described by /openapi.json. */
export function apiRoutes(): RouteSpec[] {
  const routes: RouteSpec[] = [...systemRoutes, ...leadRoutes, ...eventRoutes, ...knowledgeRoutes];
  let document: Record<string, unknown> | undefined;
  routes.push(
    defineRoute({
      method: 'get',
      path: '/openapi.json',
      summary: 'This document',
      tag: 'system',
      auth: 'public',
      handler: () => (document ??= buildOpenApi(routes, VERSION)),
    }),
  );
  return routes;
}
