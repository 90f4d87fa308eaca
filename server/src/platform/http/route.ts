import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { Principal, PrincipalKind } from '../auth/authenticate.js';
import type { AppContext } from '../context.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

export interface HandlerArgs<B, Q> {
  req: Request;
  res: Response;
  body: B;
  query: Q;
  params: Record<string, string>;
  principal: Principal;
  ctx: AppContext;
}

/**
 * One HTTP operation: its schemas drive validation and the OpenAPI document, so
 * what the server checks and what it documents cannot drift apart.
 */
export interface RouteSpec<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  path: string;
  summary: string;
  tag: string;
  /** Who may call it; `public` skips authentication. */
  auth: readonly PrincipalKind[] | 'public';
  body?: B;
  query?: Q;
  response?: z.ZodType;
  /** @default 200 */
  status?: number;
  /** Body size ceiling for this route. @default '1mb' */
  bodyLimit?: string | number;
  /** Also accept `text/plain` JSON bodies (what `navigator.sendBeacon` sends without a preflight). */
  acceptTextPlain?: boolean;
  /** Accept the credential as `?key=` (publishable keys in beacons, which cannot set headers). */
  keyInQuery?: boolean;
  /** For streaming handlers that write the response themselves. */
  produces?: string;
  handler(args: HandlerArgs<z.output<B>, z.output<Q>>): Promise<unknown> | unknown;
}

/** Keeps each route's generic types while collecting them into one list. */
export function defineRoute<B extends z.ZodType, Q extends z.ZodType>(spec: RouteSpec<B, Q>): RouteSpec {
  return spec as unknown as RouteSpec;
}
