import { defineRoute, type RouteSpec } from './platform/http/route.js';
import { buildOpenApi } from './platform/http/openapi.js';
import { VERSION } from './platform/version.js';
import { systemRoutes } from './platform/http/system.routes.js';
import { leadRoutes } from './leads/leads.routes.js';
import { eventRoutes } from './events/events.routes.js';
import { knowledgeRoutes } from './knowledge/knowledge.routes.js';

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
