import { PathParam, type RepRole } from '@huashu/core';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Principal, PrincipalKind } from '../auth/authenticate.js';
import type { AppContext } from '../context.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

export interface HandlerArgs<B, Q, P = Record<string, string>> {
  req: Request;
  res: Response;
  body: B;
  query: Q;
  params: P;
  principal: Principal;
  ctx: AppContext;
}

/**
 * One HTTP operation: its schemas drive validation and the OpenAPI document, so
 * what the server checks and what it documents cannot drift apart.
 */
/** A route without a params schema gets its path's names as strings. */
type ParamsOf<P extends z.ZodType> = unknown extends z.output<P> ? Record<string, string> : z.output<P>;

export interface RouteSpec<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, P extends z.ZodType = z.ZodType> {
  method: HttpMethod;
  path: string;
  summary: string;
  tag: string;
  /** Who may call it; `public` skips authentication. */
  auth: readonly PrincipalKind[] | 'public';
  /** When `auth` accepts rep tokens: only these roles (a manager's console route takes `reviewer`/`admin`, a rep's token is a 403). @default every role */
  repRoles?: readonly RepRole[];
  body?: B;
  query?: Q;
  /**
   * The path parameters (`:id`) as an object schema. @default each parameter a
   * bounded, printable string (`PathParam`): a route whose ids have a format
   * (a uuid column) declares it, so a malformed id is a 400 naming the
   * parameter instead of a database error.
   */
  params?: P;
  /**
   * A top-level array field of the body (`batch`, `entries`) whose items the
   * handler validates one by one with `parseItem`: the body-wide check for
   * unstorable text skips them, so one poisoned item is rejected alone by index.
   */
  itemsField?: string;
  response?: z.ZodType;
  /** @default 200 */
  status?: number;
  /** Body size ceiling for this route. @default '1mb' */
  bodyLimit?: string | number;
  /** Also accept `text/plain` JSON bodies (what `navigator.sendBeacon` sends without a preflight). */
  acceptTextPlain?: boolean;
  /** Hand the handler the body unparsed, as a Buffer in `req.body` (signature checks need the exact bytes); no `body` schema then. */
  rawBody?: boolean;
  /** Accept the credential as `?key=` (publishable keys in beacons, which cannot set headers). */
  keyInQuery?: boolean;
  /** For streaming handlers that write the response themselves. */
  produces?: string;
  handler(args: HandlerArgs<z.output<B>, z.output<Q>, ParamsOf<P>>): Promise<unknown> | unknown;
}

/** Keeps each route's generic types while collecting them into one list. */
export function defineRoute<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType = z.ZodType>(spec: RouteSpec<B, Q, P>): RouteSpec {
  return spec as unknown as RouteSpec;
}

/** The names of a path's parameters: `/v1/knowledge/:id/review` → `['id']`. */
export function pathParamNames(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_$][\w$]*)/g)].map((match) => match[1]!);
}

/** What a route's path parameters are validated against (and documented as); undefined when it has none. */
export function paramsSchemaOf(spec: RouteSpec): z.ZodType | undefined {
  if (spec.params) return spec.params;
  const names = pathParamNames(spec.path);
  // Loose: a wildcard (`*rest`) a route forgot to declare still reaches it, checked for unstorable text like everything else.
  return names.length > 0 ? z.looseObject(Object.fromEntries(names.map((name) => [name, PathParam]))) : undefined;
}
