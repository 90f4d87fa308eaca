import { createHash } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { HuashuError } from '@huashu/core';
import type { Principal } from '../auth/authenticate.js';
import { keyKind } from '../auth/keys.js';
import { originAllowed } from '../auth/origins.js';
import type { Config } from '../config.js';
import type { AppContext } from '../context.js';
import type { RouteSpec } from './route.js';

/**
 * Everything the HTTP layer does before a route runs, in one place: security
 * headers, refusing secret keys in URLs, rate limits per IP and per credential,
 * and CORS — which routes answer browsers at all, and for which origins.
 */

// ── Credentials ────────────────────────────────────────────────────────────

const QUERY_KEY = 'key';

/**
 * The bearer credential of a request. Only publishable keys may travel as
 * `?key=` (beacons cannot set headers), and only on routes that allow it.
 */
export function readCredential(req: Request, spec: Pick<RouteSpec, 'keyInQuery'>): string | undefined {
  const header = req.header('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new HuashuError('unauthenticated', 'Authorization header must be "Bearer <key or rep token>"');
    return match[1];
  }
  const inQuery = req.query[QUERY_KEY];
  if (spec.keyInQuery && typeof inQuery === 'string') {
    if (keyKind(inQuery) !== 'publishable') {
      throw new HuashuError('unauthenticated', 'only a publishable key may be sent as ?key=; send anything else as "Authorization: Bearer <credential>"');
    }
    return inQuery;
  }
  return undefined;
}

/**
 * A secret key in a URL is as good as published (proxy logs, browser history,
 * Referer): refused on every path, before anything else can record it.
 */
function refuseSecretKeysInQuery(req: Request, _res: Response, next: NextFunction): void {
  const values = [req.query[QUERY_KEY]].flat();
  if (values.some((value) => typeof value === 'string' && keyKind(value) === 'secret')) {
    throw new HuashuError(
      'unauthenticated',
      'secret keys are not accepted in the query string: send it as "Authorization: Bearer sk_…" (and rotate this key: its URL may have been logged on the way)',
    );
  }
  next();
}

// ── Headers ────────────────────────────────────────────────────────────────

/** Six months: long enough to matter, short enough to back out of a wrong TLS setup. */
const HSTS_MAX_AGE_SECONDS = 180 * 24 * 60 * 60;

/** JSON responses: nothing may load, run or frame from them. */
const apiHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
  },
  referrerPolicy: { policy: 'no-referrer' },
  // The API host must not set policy for sibling hosts of whoever deploys it.
  strictTransportSecurity: { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: false },
  xFrameOptions: { action: 'deny' },
});

/** The `'sha256-…'` source of every inline script that runs (JSON data blocks are never executed, so need none). */
export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const match of html.matchAll(/<script(\s[^>]*)?>([\s\S]*?)<\/script>/gi)) {
    const [, attributes = '', body = ''] = match;
    if (/\bsrc\s*=/i.test(attributes) || /\btype\s*=\s*["']?application\/(?:ld\+)?json/i.test(attributes) || body.length === 0) continue;
    hashes.push(`'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
  }
  return hashes;
}

/**
 * Headers for an HTML page the server renders (the demo CRM page, the
 * console): scripts only from this origin or hashed inline, API calls only to
 * this origin, framing as HUASHU_FRAME_ANCESTORS says. Styles may be inline:
 * the widgets bind `style` attributes, and CSS cannot run code.
 */
export function setPageSecurityHeaders(res: Response, html: string, config: Pick<Config, 'HUASHU_FRAME_ANCESTORS'>): void {
  const ancestors = config.HUASHU_FRAME_ANCESTORS;
  const directives = [
    "default-src 'self'",
    `script-src 'self' ${inlineScriptHashes(html).join(' ')}`.trim(),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${ancestors.join(' ')}`,
  ];
  res.setHeader('Content-Security-Policy', directives.join('; '));
  // X-Frame-Options can only say "nobody" or "this origin"; for a list, CSP alone decides.
  if (ancestors.length === 1 && ancestors[0] === "'none'") res.setHeader('X-Frame-Options', 'DENY');
  else if (ancestors.length === 1 && ancestors[0] === "'self'") res.setHeader('X-Frame-Options', 'SAMEORIGIN');
  else res.removeHeader('X-Frame-Options');
}

/** Static scripts (widget and SDK bundles) are loaded by other sites' pages, as module scripts (a CORS fetch). */
export function allowCrossOriginAssets(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  next();
}

// ── Rate limits ────────────────────────────────────────────────────────────

const SECONDS_PER_MINUTE = 60;

/** A 429 that knows its Retry-After. */
class RateLimited extends HuashuError {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super('rate_limited', message, { retryAfterSeconds });
  }
}

interface RateLimit {
  consume(bucket: string): Promise<void>;
}

/**
 * A token-bucket-like limit from rate-limiter-flexible: a sustained pace of
 * `perMinute` (counted in windows of a second or more, so it is smooth), plus
 * a burst pool of `burstSeconds` worth of that pace, refilled every minute.
 * Memory-backed, so each replica counts on its own: N replicas allow N times
 * the figure.
 */
function rateLimit(name: 'key' | 'ip', perMinute: number, burstSeconds: number): RateLimit | undefined {
  if (perMinute === 0) return undefined;
  const windowSeconds = Math.max(1, Math.ceil(SECONDS_PER_MINUTE / perMinute));
  const sustained = new RateLimiterMemory({
    keyPrefix: `${name}-pace`,
    points: Math.ceil((perMinute * windowSeconds) / SECONDS_PER_MINUTE),
    duration: windowSeconds,
  });
  const burstPoints = Math.ceil((perMinute * burstSeconds) / SECONDS_PER_MINUTE);
  const limiter =
    burstPoints > 0
      ? new BurstyRateLimiter(sustained, new RateLimiterMemory({ keyPrefix: `${name}-burst`, points: burstPoints, duration: SECONDS_PER_MINUTE }))
      : sustained;
  const scope = name === 'key' ? 'this key' : 'this address';
  return {
    async consume(bucket) {
      try {
        await limiter.consume(bucket);
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        throw new RateLimited(retryAfterSeconds, `too many requests from ${scope} (limit ${perMinute}/min); retry in ${retryAfterSeconds} s`);
      }
    },
  };
}

/** Several reps share one CRM secret key; each rep token is its own bucket so one busy rep does not stall the rest. */
function bucketOf(principal: Principal): string {
  return principal.kind === 'rep' ? `rep:${principal.keyId}:${principal.rep.repId}` : `${principal.kind}:${principal.keyId}`;
}

const UNLIMITED_PATHS = new Set(['/healthz']);

// ── CORS ───────────────────────────────────────────────────────────────────

/** Routes a browser page may call: publishable-key routes (forms, beacons), rep-token routes (the widgets) and public ones. */
function browserFacing(spec: RouteSpec): boolean {
  return spec.auth === 'public' || spec.auth.includes('publishable') || spec.auth.includes('rep');
}

const PREFLIGHT_MAX_AGE_SECONDS = 600;

function allowOrigin(res: Response, origin: string | '*'): void {
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
  if (origin !== '*') res.vary('Origin');
}

function dropCors(res: Response): void {
  res.removeHeader('Access-Control-Allow-Origin');
  res.removeHeader('Access-Control-Expose-Headers');
}

/**
 * Preflights carry no credentials, so they cannot know the tenant: a
 * browser-facing route answers any origin here, and the tenant's list is
 * enforced on the request itself. Secret-key-only routes answer without CORS
 * headers, which the browser reads as "no".
 */
function preflight(specs: readonly RouteSpec[]): RequestHandler {
  return (req, res) => {
    const requested = req.header('access-control-request-method')?.toLowerCase();
    const spec = specs.find((candidate) => candidate.method === requested);
    if (spec && browserFacing(spec) && req.header('origin')) {
      allowOrigin(res, '*');
      res.setHeader('Access-Control-Allow-Methods', specs.filter(browserFacing).map((candidate) => candidate.method.toUpperCase()).join(', '));
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
      res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_SECONDS));
    }
    res.status(204).end();
  };
}

// ── Assembly ───────────────────────────────────────────────────────────────

const CHECKED = 'securityChecked';

/**
 * The middleware `createApp` mounts before any route. Per route, in order:
 * CORS headers for browsers (provisional, so even a 401 or 429 is readable),
 * the credential resolved, CORS settled against the tenant's allowed origins
 * (secret keys never get CORS), then the per-credential rate limit. A
 * credential that fails here passes on untouched: the route's own check
 * answers it, with the same error.
 */
export function security(ctx: AppContext, routes: readonly RouteSpec[]): express.Router {
  const { config } = ctx;
  const perIp = rateLimit('ip', config.HUASHU_RATE_LIMIT_PER_IP, config.HUASHU_RATE_LIMIT_BURST_SECONDS);
  const perKey = rateLimit('key', config.HUASHU_RATE_LIMIT_PER_KEY, config.HUASHU_RATE_LIMIT_BURST_SECONDS);
  const router = express.Router();

  router.use(apiHeaders, refuseSecretKeysInQuery);
  router.use(async (req, res, next) => {
    if (perIp && !UNLIMITED_PATHS.has(req.path)) await withRetryAfter(res, perIp.consume(req.ip ?? 'unknown'));
    next();
  });

  const byPath = new Map<string, RouteSpec[]>();
  for (const spec of routes) byPath.set(spec.path, [...(byPath.get(spec.path) ?? []), spec]);
  for (const [path, specs] of byPath) router.options(path, preflight(specs));

  for (const spec of routes) {
    router[spec.method](spec.path, async (req: Request, res: Response, next: NextFunction) => {
      // Overlapping paths (`/v1/leads/overdue`, `/v1/leads/:id`) both match here, where every handler
      // passes on; the first one decides, as the first matching route answers later.
      if (res.locals[CHECKED]) return next();
      res.locals[CHECKED] = true;
      const origin = req.header('origin');
      const cors = Boolean(origin) && browserFacing(spec);
      if (cors) allowOrigin(res, '*');
      if (spec.auth === 'public') return next();
      let resolved;
      try {
        resolved = await ctx.authenticator.resolve(readCredential(req, spec));
      } catch {
        return next();
      }
      if (cors && origin) {
        if (resolved.principal.kind === 'secret') dropCors(res);
        else if (!originAllowed(origin, resolved.allowedOrigins)) {
          dropCors(res);
          throw new HuashuError('forbidden', `origin ${origin} is not in this tenant's allowed origins (PUT /v1/settings/cors)`);
        } else if (resolved.allowedOrigins !== null) allowOrigin(res, origin);
      }
      if (perKey) await withRetryAfter(res, perKey.consume(bucketOf(resolved.principal)));
      next();
    });
  }
  return router;
}

async function withRetryAfter(res: Response, consumed: Promise<void>): Promise<void> {
  try {
    await consumed;
  } catch (error) {
    if (error instanceof RateLimited) res.setHeader('Retry-After', String(error.retryAfterSeconds));
    throw error;
  }
}
