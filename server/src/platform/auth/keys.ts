import { createHash, createHmac, createPrivateKey, createPublicKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

export type KeyKind = 'secret' | 'publishable';

const PREFIX: Record<KeyKind, string> = { secret: 'sk_', publishable: 'pk_' };

/**
 * Same derivation as `@huashu/sdk/node`: the rep-token key pair's seed is an
 * HMAC of this context under the secret key, so the secret key never signs
 * anything itself and the server stores only the public half.
 */
export const REP_TOKEN_SEED_CONTEXT = 'huashu rep-token v2';

/** DER header of a PKCS#8 Ed25519 private key; the 32-byte seed follows it (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

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

/** Hex digits of a key's hash that make its public id: 80 bits, no collisions in practice. */
const LOOKUP_ID_LENGTH = 20;
/** What a key id (and a rep token's `kid`) looks like; anything else names no key. */
export const KEY_ID = new RegExp(`^[0-9a-f]{${LOOKUP_ID_LENGTH}}$`);

/** The public handle of a key: a prefix of its hash, also a rep token's `kid`. */
export function lookupId(keyHash: string): string {
  return keyHash.slice(0, LOOKUP_ID_LENGTH);
}

export interface RepTokenKeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** The Ed25519 key pair that signs a secret key's rep tokens, derived afresh wherever the secret key is at hand. */
export function deriveRepTokenKeyPair(secretKey: string): RepTokenKeyPair {
  const seed = createHmac('sha256', secretKey).update(REP_TOKEN_SEED_CONTEXT).digest();
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** How a public key is stored: the JWK `x` member (base64url of the raw 32 bytes). */
export function exportPublicKey(publicKey: KeyObject): string {
  const { x } = publicKey.export({ format: 'jwk' });
  if (!x) throw new Error('not an Ed25519 public key');
  return x;
}

export function importPublicKey(stored: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: stored }, format: 'jwk' });
}

/** The stored public key for a secret key. */
export function repTokenPublicKey(secretKey: string): string {
  return exportPublicKey(deriveRepTokenKeyPair(secretKey).publicKey);
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
