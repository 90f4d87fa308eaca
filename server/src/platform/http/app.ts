import express, { type NextFunction, type Request, type Response } from 'express';
import { HuashuError } from '@huashu/core';
import type { Principal } from '../auth/authenticate.js';
import type { AppContext } from '../context.js';
import { errorMiddleware } from './errors.js';
import { readCredential, security } from './security.js';
import { paramsSchemaOf, type RouteSpec } from './route.js';
import { parseOrThrow } from '../validation.js';

function bearer(req: Request, spec: RouteSpec): string | undefined {
  return readCredential(req, spec);
}

const ROLE_NAMES: Record<string, string> = { secret: 'a secret key', publishable: 'a publishable key', rep: 'a rep token' };

function mount(router: express.Router, spec: RouteSpec, ctx: AppContext): void {
  const types = spec.acceptTextPlain ? ['application/json', 'text/plain'] : ['application/json'];
  const parseBody = spec.rawBody
    ? express.raw({ limit: spec.bodyLimit ?? '1mb', type: () => true })
    : express.json({ limit: spec.bodyLimit ?? '1mb', type: types, strict: true });
  const paramsSchema = paramsSchemaOf(spec);
  // Credentials are checked before the body is read: unauthenticated callers get
  // a 401 and cost no JSON parsing.
  const authenticate = async (req: Request, res: Response, next: NextFunction) => {
    if (spec.auth === 'public') return next();
    const principal = await ctx.authenticator.authenticate(bearer(req, spec));
    if (!spec.auth.includes(principal.kind)) {
      throw new HuashuError('forbidden', `this operation needs ${spec.auth.map((kind) => ROLE_NAMES[kind]).join(' or ')}`);
    }
    if (principal.kind === 'rep' && spec.repRoles && !spec.repRoles.includes(principal.rep.role)) {
      throw new HuashuError('forbidden', `this operation needs a secret key or a rep token with role ${spec.repRoles.join(' or ')}`);
    }
    res.locals['principal'] = principal;
    next();
  };
  router[spec.method](spec.path, authenticate, parseBody, async (req: Request, res: Response) => {
    const principal = res.locals['principal'] as Principal;
    if (spec.body && !req.is(types)) {
      throw new HuashuError('unsupported_media_type', 'send the body as JSON with "Content-Type: application/json"');
    }
    // The route's own params schema decides their output type; the erased spec only knows strings.
    const params = (paramsSchema ? parseOrThrow(paramsSchema, { ...req.params }, 'params') : {}) as Record<string, string>;
    const body = spec.body ? parseOrThrow(spec.body, req.body, 'body', { itemsField: spec.itemsField }) : undefined;
    const query = spec.query ? parseOrThrow(spec.query, req.query, 'query') : undefined;
    const result = await spec.handler({ req, res, body, query, params, principal, ctx });
    if (res.headersSent) return;
    // A handler may choose its status (201 vs 200 for idempotent creates); otherwise the route's default.
    if (res.statusCode === 200 && spec.status) res.status(spec.status);
    res.json(result);
  });
}

export interface AppOptions {
  routes: RouteSpec[];
  /** Extra middleware mounted before the API (static demo files). */
  before?: (app: express.Express) => void;
}

export function createApp(ctx: AppContext, options: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Client IPs (per-IP rate limits) come from X-Forwarded-For only behind a proxy the operator names.
  app.set('trust proxy', ctx.config.HUASHU_TRUST_PROXY);
  app.use((req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      // The path only: a beacon's `?key=` must not reach the log.
      ctx.logger.info({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
    });
    next();
  });
  app.use(security(ctx, options.routes));
  options.before?.(app);
  const router = express.Router();
  for (const spec of options.routes) mount(router, spec, ctx);
  app.use(router);
  app.use((req: Request) => {
    throw new HuashuError('not_found', `no route for ${req.method} ${req.path}`);
  });
  app.use(errorMiddleware(ctx.logger));
  return app;
}
