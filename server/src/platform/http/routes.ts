import type { DomainModule } from '../module.js';
import { VERSION } from '../version.js';
import { buildOpenApi } from './openapi.js';
import { defineRoute, type RouteSpec } from './route.js';
import { systemRoutes } from './system.routes.js';
import { keyRoutes } from '../auth/keys.routes.js';

/** Every API route of these modules plus the platform's own, in one list: mounted by the app and described by /openapi.json. */
export function apiRoutes(modules: readonly DomainModule[], platformRoutes: readonly RouteSpec[] = []): RouteSpec[] {
  const routes: RouteSpec[] = [...systemRoutes, ...keyRoutes, ...platformRoutes, ...modules.flatMap((module) => module.routes)];
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
