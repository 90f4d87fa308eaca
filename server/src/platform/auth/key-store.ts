import { randomUUID } from 'node:crypto';
import { HuashuError } from '@huashu/core';
import type { Database, Queryable } from '../db/types.js';
import { deriveSigningKey, generateKey, hashKey, keyKind, lookupId, type KeyKind } from './keys.js';

export interface Tenant {
  id: string;
  name: string;
  slug: string;
}

export interface IssuedKey {
  kind: KeyKind;
  /** Shown once; only its hash is stored. */
  key: string;
  lookupId: string;
}

const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

export async function createTenant(db: Queryable, input: { name: string; slug: string }): Promise<Tenant> {
  if (!SLUG.test(input.slug)) {
    throw new HuashuError('validation_failed', 'slug must be 2–63 lower-case letters, digits or dashes', {
      issues: [{ path: 'slug', message: 'must match ^[a-z0-9][a-z0-9-]{1,62}$' }],
    });
  }
  const existing = await db.query(`SELECT 1 FROM tenants WHERE slug = $1`, [input.slug]);
  if (existing.rows.length > 0) throw new HuashuError('conflict', `tenant "${input.slug}" already exists`);
  const tenant: Tenant = { id: `t_${randomUUID().replace(/-/g, '').slice(0, 20)}`, name: input.name, slug: input.slug };
  await db.query(`INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)`, [tenant.id, tenant.name, tenant.slug]);
  return tenant;
}

export async function findTenantBySlug(db: Queryable, slug: string): Promise<Tenant | undefined> {
  const result = await db.query<Tenant>(`SELECT id, name, slug FROM tenants WHERE slug = $1`, [slug]);
  return result.rows[0];
}

/** Stores a key for a tenant. `key` pins a given value (from the environment); otherwise one is generated. */
export async function issueKey(db: Queryable, tenantId: string, kind: KeyKind, options: { key?: string; label?: string } = {}): Promise<IssuedKey> {
  const key = options.key ?? generateKey(kind);
  if (keyKind(key) !== kind) throw new HuashuError('validation_failed', `a ${kind} key must start with ${kind === 'secret' ? 'sk_' : 'pk_'}`);
  const keyHash = hashKey(key);
  const id = lookupId(keyHash);
  await db.query(
    `INSERT INTO api_keys (lookup_id, tenant_id, kind, key_hash, signing_key, label)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (lookup_id) DO NOTHING`,
    [id, tenantId, kind, keyHash, kind === 'secret' ? deriveSigningKey(key) : null, options.label ?? null],
  );
  const stored = await db.query<{ tenant_id: string }>(`SELECT tenant_id FROM api_keys WHERE lookup_id = $1`, [id]);
  if (stored.rows[0]?.tenant_id !== tenantId) throw new HuashuError('conflict', 'this key already belongs to another tenant');
  return { kind, key, lookupId: id };
}

export async function revokeKeys(db: Queryable, tenantId: string, label: string): Promise<void> {
  await db.query(`UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND label = $2 AND revoked_at IS NULL`, [tenantId, label]);
}

export interface KeyRecord {
  lookup_id: string;
  tenant_id: string;
  kind: KeyKind;
  key_hash: string;
  signing_key: string | null;
}

/**
 * Keys are looked up by their public lookup id before any tenant is known —
 * the one query that cannot filter by tenant, because it is how the tenant is found.
 */
export async function findKey(db: Database, id: string): Promise<KeyRecord | undefined> {
  const result = await db.query<KeyRecord>(
    `SELECT lookup_id, tenant_id, kind, key_hash, signing_key FROM api_keys WHERE lookup_id = $1 AND revoked_at IS NULL`,
    [id],
  );
  return result.rows[0];
}
