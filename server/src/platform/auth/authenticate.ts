import type { KeyObject } from 'node:crypto';
import { HuashuError } from '@huashu/core';
import type { Database } from '../db/types.js';
import { findKey, storeRepTokenPublicKey, type KeyRecord } from './key-store.js';
import { hashKey, hashesEqual, importPublicKey, KEY_ID, keyKind, lookupId, repTokenPublicKey } from './keys.js';
import { peekHeader, verifyRepToken, type VerifiedRepToken } from './rep-token.js';

export type Principal =
  | { kind: 'secret'; tenantId: string; keyId: string }
  | { kind: 'publishable'; tenantId: string; keyId: string }
  | { kind: 'rep'; tenantId: string; keyId: string; rep: VerifiedRepToken };

export type PrincipalKind = Principal['kind'];

/** A principal with what the HTTP layer needs to know about its tenant. */
export interface Resolved {
  principal: Principal;
  /** The tenant's browser-origin allow-list; null allows any origin. */
  allowedOrigins: string[] | null;
}

/**
 * How long a verified key (and a verified rep token) is trusted without asking
 * the database again. It bounds how long a key revoked on another replica keeps
 * working: DELETE /v1/keys/:id promises "refused everywhere within 5 s".
 */
export const KEY_CACHE_MS = 5_000;

/** Cache size at which it is simply emptied: a flood of distinct credentials must not grow memory. */
const CACHE_CEILING = 10_000;

interface CachedKey {
  record: KeyRecord;
  publicKey?: KeyObject;
  until: number;
}

export interface AuthenticatorOptions {
  /** @default KEY_CACHE_MS */
  cacheMs?: number;
  /** @default Date.now */
  clock?: () => number;
}

/**
 * Resolves a bearer credential to its tenant. Verified API keys and rep tokens
 * are cached for a few seconds so event ingestion does not hit the keys table
 * per request; revocation takes effect within `cacheMs` on every replica, and
 * at once on the replica that revoked (`forget`).
 */
export class Authenticator {
  private readonly keys = new Map<string, CachedKey>();
  private readonly tokens = new Map<string, { resolved: Resolved; until: number }>();
  private readonly cacheMs: number;
  private readonly clock: () => number;

  constructor(
    private readonly db: Database,
    options: AuthenticatorOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? KEY_CACHE_MS;
    this.clock = options.clock ?? Date.now;
  }

  async authenticate(credential: string | undefined): Promise<Principal> {
    return (await this.resolve(credential)).principal;
  }

  async resolve(credential: string | undefined): Promise<Resolved> {
    if (!credential) throw new HuashuError('unauthenticated', 'missing credentials: send "Authorization: Bearer <key or rep token>"');
    const kind = keyKind(credential);
    if (kind) {
      const keyHash = hashKey(credential);
      const cached = await this.lookup(lookupId(keyHash));
      const record = cached?.record;
      if (!record || record.kind !== kind || !hashesEqual(record.key_hash, keyHash)) {
        throw new HuashuError('unauthenticated', `invalid ${kind} key`);
      }
      if (kind === 'secret' && !record.rep_token_public_key) await this.backfillPublicKey(cached, credential);
      return { principal: { kind, tenantId: record.tenant_id, keyId: record.lookup_id }, allowedOrigins: record.allowed_origins };
    }
    return this.resolveRepToken(credential);
  }

  /** Drops what this process remembers of a key, so its revocation holds here at once. */
  forget(keyId: string): void {
    this.keys.delete(keyId);
    // Tokens are cached by their text, not their kid; emptying is simpler than indexing.
    this.tokens.clear();
  }

  /** Same, for every key of a tenant (its allowed origins changed). */
  forgetTenant(tenantId: string): void {
    for (const [id, cached] of this.keys) if (cached.record.tenant_id === tenantId) this.keys.delete(id);
    this.tokens.clear();
  }

  private async resolveRepToken(token: string): Promise<Resolved> {
    const now = this.clock();
    const hit = this.tokens.get(token);
    if (hit && hit.until > now) return hit.resolved;
    const { kid } = peekHeader(token);
    // A kid that is no key id (garbage, NUL bytes) is a bad token, not a query.
    const cached = kid && KEY_ID.test(kid) ? await this.lookup(kid) : undefined;
    if (!cached || cached.record.kind !== 'secret') throw new HuashuError('invalid_token', 'rep token signature or format is invalid');
    if (!cached.publicKey) {
      throw new HuashuError(
        'invalid_token',
        'the secret key that signed this rep token was issued before rep tokens were EdDSA and has no public key yet: make one API call with it (e.g. POST /v1/rep-tokens) or rotate it',
      );
    }
    const rep = await verifyRepToken(token, cached.publicKey, cached.record.lookup_id, this.clock);
    const resolved: Resolved = {
      principal: { kind: 'rep', tenantId: cached.record.tenant_id, keyId: cached.record.lookup_id, rep },
      allowedOrigins: cached.record.allowed_origins,
    };
    if (this.tokens.size > CACHE_CEILING) this.tokens.clear();
    this.tokens.set(token, { resolved, until: Math.min(now + this.cacheMs, rep.expiresAt.getTime()) });
    return resolved;
  }

  private async backfillPublicKey(cached: CachedKey, secretKey: string): Promise<void> {
    const publicKey = repTokenPublicKey(secretKey);
    await storeRepTokenPublicKey(this.db, cached.record.tenant_id, cached.record.lookup_id, publicKey);
    cached.record = { ...cached.record, rep_token_public_key: publicKey };
    cached.publicKey = importPublicKey(publicKey);
  }

  private async lookup(id: string): Promise<CachedKey | undefined> {
    const now = this.clock();
    const cached = this.keys.get(id);
    if (cached && cached.until > now) return cached;
    const record = await findKey(this.db, id);
    if (!record) return undefined;
    const entry: CachedKey = {
      record,
      ...(record.rep_token_public_key ? { publicKey: importPublicKey(record.rep_token_public_key) } : {}),
      until: now + this.cacheMs,
    };
    if (this.keys.size > CACHE_CEILING) this.keys.clear();
    this.keys.set(id, entry);
    return entry;
  }
}
