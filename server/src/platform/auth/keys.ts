import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type KeyKind = 'secret' | 'publishable';

const PREFIX: Record<KeyKind, string> = { secret: 'sk_', publishable: 'pk_' };

/** Same derivation as `@huashu/sdk/node`: the rep-token HMAC key is never the secret key itself. */
export const REP_TOKEN_KEY_CONTEXT = 'huashu rep-token v1';

export function generateKey(kind: KeyKind): string {
  return `${PREFIX[kind]}${randomBytes(24).toString('base64url')}`;
}

export function keyKind(key: string): KeyKind | undefined {
  if (key.startsWith('sk_')) return 'secret';
  if (key.startsWith('pk_')) return 'publishable';
  return undefined;
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The public handle of a key: a prefix of its hash, also a rep token's `kid`. */
export function lookupId(keyHash: string): string {
  return keyHash.slice(0, 20);
}

export function deriveSigningKey(secretKey: string): string {
  return createHmac('sha256', secretKey).update(REP_TOKEN_KEY_CONTEXT).digest('base64url');
}

export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** What may be shown of a key in listings and logs: the prefix only. */
export function redactKey(key: string): string {
  return `${key.slice(0, 3)}…`;
}
