import { HuashuError } from '@huashu/core';
import type { Database } from '../db/types.js';
import { findKey, type KeyRecord } from './key-store.js';
import { hashKey, hashesEqual, keyKind, lookupId } from './keys.js';
import { peekKid, verifyRepToken, type VerifiedRepToken } from './rep-token.js';

export type Principal =
  | { kind: 'secret'; tenantId: string; keyId: string }
  | { kind: 'publishable'; tenantId: string; keyId: string }
  | { kind: 'rep'; tenantId: string; keyId: string; rep: VerifiedRepToken };

export type PrincipalKind = Principal['kind'];

/**
 * Resolves a bearer credential to its tenant. Verified API keys are cached for
 * a short while so event ingestion does not hit the keys table per request;
 * revocation takes effect within `cacheMs`.
 */
export class Authenticator {
  private readonly cache = new Map<string, { record: KeyRecord; until: number }>();

  constructor(
    private readonly db: Database,
    private readonly cacheMs = 30_000,
  ) {}

  async authenticate(credential: string | undefined): Promise<Principal> {
    if (!credential) throw new HuashuError('unauthenticated', 'missing credentials: send "Authorization: Bearer <key or rep token>"');
    const kind = keyKind(credential);
    if (kind) {
      const keyHash = hashKey(credential);
      const record = await this.lookup(lookupId(keyHash));
      if (!record || record.kind !== kind || !hashesEqual(record.key_hash, keyHash)) {
        throw new HuashuError('unauthenticated', `invalid ${kind} key`);
      }
      return { kind, tenantId: record.tenant_id, keyId: record.lookup_id };
    }
    const kid = peekKid(credential);
    const record = kid ? await this.lookup(kid) : undefined;
    if (!record || record.kind !== 'secret' || !record.signing_key) {
      throw new HuashuError('invalid_token', 'rep token signature or format is invalid');
    }
    const rep = await verifyRepToken(credential, record.signing_key, record.lookup_id);
    return { kind: 'rep', tenantId: record.tenant_id, keyId: record.lookup_id, rep };
  }

  private async lookup(id: string): Promise<KeyRecord | undefined> {
    const now = Date.now();
    const cached = this.cache.get(id);
    if (cached && cached.until > now) return cached.record;
    const record = await findKey(this.db, id);
    if (record) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(id, { record, until: now + this.cacheMs });
    }
    return record;
  }
}
