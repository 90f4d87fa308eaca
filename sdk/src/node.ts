/**
 * Node-only helper for the host CRM's backend: mints the short-lived rep token
 * the widgets use, signed with a key derived from the tenant's secret key. The
 * secret key itself never leaves the backend.
 *
 * @example
 * ```ts
 * import { createRepToken } from '@huashu/sdk/node';
 * const token = createRepToken(process.env.HUASHU_SECRET_KEY!, { repId: 'u42', name: '王磊', role: 'rep' });
 * ```
 */
import { createHash, createHmac } from 'node:crypto';

export interface RepTokenClaims {
  /** The rep's id in the host CRM. */
  repId: string;
  /** Display name shown on contributions and the leaderboard. */
  name: string;
  /** @default 'rep' */
  role?: 'rep' | 'reviewer' | 'admin';
  /** ISO date (YYYY-MM-DD); drives new-hire learning packs. */
  hireDate?: string;
}

export interface RepTokenOptions {
  /** Lifetime in seconds, 60 … 86400. @default 3600 */
  ttlSeconds?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

// Must match the server (`server/src/auth/keys.ts`): the HMAC key is derived, and
// the key id is a prefix of the secret key's SHA-256.
const KEY_CONTEXT = 'huashu rep-token v1';
const AUDIENCE = 'huashu-rep';

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

export function createRepToken(secretKey: string, claims: RepTokenClaims, options: RepTokenOptions = {}): string {
  if (!secretKey.startsWith('sk_')) throw new TypeError('createRepToken needs a secret key (sk_…); publishable keys cannot mint rep tokens');
  if (!claims.repId || !claims.name) throw new TypeError('createRepToken needs claims.repId and claims.name');
  const ttl = options.ttlSeconds ?? 3600;
  if (!Number.isInteger(ttl) || ttl < 60 || ttl > 86_400) throw new RangeError('ttlSeconds must be an integer between 60 and 86400');
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  const kid = createHash('sha256').update(secretKey, 'utf8').digest('hex').slice(0, 20);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid }));
  const payload = b64url(
    JSON.stringify({
      name: claims.name,
      role: claims.role ?? 'rep',
      ...(claims.hireDate ? { hire_date: claims.hireDate } : {}),
      sub: claims.repId,
      aud: AUDIENCE,
      iat: now,
      exp: now + ttl,
    }),
  );
  const signingKey = Buffer.from(createHmac('sha256', secretKey).update(KEY_CONTEXT).digest('base64url'), 'base64url');
  const signature = createHmac('sha256', signingKey).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
