/**
 * Node-only helper for the host CRM's backend: mints the short-lived rep token
 * the widgets use, signed (EdDSA) with an Ed25519 key pair derived from the
 * tenant's secret key. The secret key itself never leaves the backend, and the
 * Huashu server stores only the public half of the pair.
 *
 * @example
 * ```ts
 * import { createRepToken } from '@huashu/sdk/node';
 * const token = createRepToken(process.env.HUASHU_SECRET_KEY!, { repId: 'u42', name: '王磊', role: 'rep' });
 * ```
 */
import { createHash, createHmac, createPrivateKey, sign } from 'node:crypto';

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
  /** Lifetime in seconds, 60 … 86400 (the server refuses any token older than 24 h). @default 3600 */
  ttlSeconds?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

// Must match the server (`server/src/platform/auth/keys.ts`): the Ed25519 seed
// is HMAC-SHA256(secret key, context), and the key id is a prefix of the
// secret key's SHA-256.
const SEED_CONTEXT = 'huashu rep-token v2';
/** DER header of a PKCS#8 Ed25519 private key; the 32-byte seed follows it (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const KID_LENGTH = 20;
const AUDIENCE = 'huashu-rep';
const MIN_TTL_SECONDS = 60;
const MAX_TTL_SECONDS = 24 * 60 * 60;
const DEFAULT_TTL_SECONDS = 60 * 60;

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

export function createRepToken(secretKey: string, claims: RepTokenClaims, options: RepTokenOptions = {}): string {
  if (!secretKey.startsWith('sk_')) throw new TypeError('createRepToken needs a secret key (sk_…); publishable keys cannot mint rep tokens');
  if (!claims.repId || !claims.name) throw new TypeError('createRepToken needs claims.repId and claims.name');
  const ttl = options.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < MIN_TTL_SECONDS || ttl > MAX_TTL_SECONDS) {
    throw new RangeError(`ttlSeconds must be an integer between ${MIN_TTL_SECONDS} and ${MAX_TTL_SECONDS}`);
  }
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  const kid = createHash('sha256').update(secretKey, 'utf8').digest('hex').slice(0, KID_LENGTH);
  const header = b64url(JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid }));
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
  const seed = createHmac('sha256', secretKey).update(SEED_CONTEXT).digest();
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  // Ed25519 takes no separate digest: the algorithm argument is null.
  const signature = sign(null, Buffer.from(`${header}.${payload}`), privateKey).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

export { verifyWebhook, WebhookVerificationError, WEBHOOK_TOLERANCE_SECONDS, type HuashuWebhookEvent, type WebhookHeaders, type VerifyWebhookOptions, type WebhookVerificationCode } from './webhooks.js';
export { createPipelineClient, PIPELINE_EVENTS_PER_REQUEST, type PipelineClient, type PipelineClientOptions, type PipelineEventInput } from './pipeline.js';
