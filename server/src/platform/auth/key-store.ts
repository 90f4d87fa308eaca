import { randomUUID } from 'node:crypto';
import { HuashuError } from '@huashu/core';
import type { Database, Queryable } from '../db/types.js';
import { generateKey, hashKey, keyKind, lookupId, repTokenPublicKey, type KeyKind } from './keys.js';

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

/** What may be shown of a key: never the key nor its hash. `id` is the lookup id (also a rep token's `kid`). */
export interface KeyInfo {
  id: string;
  kind: KeyKind;
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
}

const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** The tenant that `HUASHU_SECRET_KEY` / `HUASHU_PUBLISHABLE_KEY` land in when the demo is off. */
export const PINNED_TENANT_SLUG = 'default';
export const PINNED_KEY_LABEL = 'pinned';

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

export interface TenantSummary extends Tenant {
  createdAt: string;
  activeKeys: number;
}

/** Every tenant with its count of unrevoked keys (operators' view; the CLI only). */
export async function listTenants(db: Queryable): Promise<TenantSummary[]> {
  const result = await db.query<{ id: string; name: string; slug: string; created_at: Date | string; active_keys: number }>(
    `SELECT t.id, t.name, t.slug, t.created_at,
            (SELECT count(*)::int FROM api_keys k WHERE k.tenant_id = t.id AND k.revoked_at IS NULL) AS active_keys
       FROM tenants t ORDER BY t.created_at, t.slug`,
  );
  return result.rows.map((row) => ({ id: row.id, name: row.name, slug: row.slug, createdAt: iso(row.created_at), activeKeys: row.active_keys }));
}

/**
 * Stores a key for a tenant. `key` pins a given value (from the environment); otherwise one is generated.
 * A secret key also stores the public half of its rep-token key pair; re-issuing a pinned key that
 * predates that column fills it in.
 */
export async function issueKey(db: Queryable, tenantId: string, kind: KeyKind, options: { key?: string; label?: string } = {}): Promise<IssuedKey> {
  const key = options.key ?? generateKey(kind);
  if (keyKind(key) !== kind) throw new HuashuError('validation_failed', `a ${kind} key must start with ${kind === 'secret' ? 'sk_' : 'pk_'}`);
  const keyHash = hashKey(key);
  const id = lookupId(keyHash);
  await db.query(
    `INSERT INTO api_keys (lookup_id, tenant_id, kind, key_hash, rep_token_public_key, label)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (lookup_id) DO UPDATE SET rep_token_public_key = COALESCE(api_keys.rep_token_public_key, EXCLUDED.rep_token_public_key)
       WHERE api_keys.tenant_id = EXCLUDED.tenant_id`,
    [id, tenantId, kind, keyHash, kind === 'secret' ? repTokenPublicKey(key) : null, options.label ?? null],
  );
  const stored = await db.query<{ tenant_id: string }>(`SELECT tenant_id FROM api_keys WHERE lookup_id = $1`, [id]);
  if (stored.rows[0]?.tenant_id !== tenantId) throw new HuashuError('conflict', 'this key already belongs to another tenant');
  return { kind, key, lookupId: id };
}

export async function revokeKeys(db: Queryable, tenantId: string, label: string): Promise<void> {
  await db.query(`UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND label = $2 AND revoked_at IS NULL`, [tenantId, label]);
}

interface KeyInfoRow {
  lookup_id: string;
  kind: KeyKind;
  label: string | null;
  created_at: Date | string;
  revoked_at: Date | string | null;
}

const iso = (value: Date | string) => new Date(value).toISOString();
const KEY_INFO_COLUMNS = 'lookup_id, kind, label, created_at, revoked_at';
const toKeyInfo = (row: KeyInfoRow): KeyInfo => ({
  id: row.lookup_id,
  kind: row.kind,
  label: row.label,
  createdAt: iso(row.created_at),
  revokedAt: row.revoked_at === null ? null : iso(row.revoked_at),
});

/** A tenant's keys, revoked ones included (they say when), oldest first. */
export async function listKeys(db: Queryable, tenantId: string): Promise<KeyInfo[]> {
  const result = await db.query<KeyInfoRow>(`SELECT ${KEY_INFO_COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at, lookup_id`, [tenantId]);
  return result.rows.map(toKeyInfo);
}

export async function findKeyInfo(db: Queryable, tenantId: string, id: string): Promise<KeyInfo | undefined> {
  const result = await db.query<KeyInfoRow>(`SELECT ${KEY_INFO_COLUMNS} FROM api_keys WHERE tenant_id = $1 AND lookup_id = $2`, [tenantId, id]);
  return result.rows[0] && toKeyInfo(result.rows[0]);
}

/**
 * Revokes one key of this tenant (idempotent: a revoked key keeps its first
 * `revokedAt`). Undefined when the tenant has no such key.
 */
export async function revokeKey(db: Queryable, tenantId: string, id: string): Promise<KeyInfo | undefined> {
  await db.query(`UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND lookup_id = $2 AND revoked_at IS NULL`, [tenantId, id]);
  return findKeyInfo(db, tenantId, id);
}

export interface KeyRecord {
  lookup_id: string;
  tenant_id: string;
  kind: KeyKind;
  key_hash: string;
  /** Secret keys: the Ed25519 public key that verifies their rep tokens (null for keys issued before 0006 until first use). */
  rep_token_public_key: string | null;
  /** The tenant's browser-origin allow-list; null allows any origin. */
  allowed_origins: string[] | null;
}

/**
 * Keys are looked up by their public lookup id before any tenant is known —
 * the one query that cannot filter by tenant, because it is how the tenant is found.
 */
export async function findKey(db: Queryable, id: string): Promise<KeyRecord | undefined> {
  const result = await db.query<KeyRecord>(
    `SELECT k.lookup_id, k.tenant_id, k.kind, k.key_hash, k.rep_token_public_key, t.allowed_origins
       FROM api_keys k JOIN tenants t ON t.id = k.tenant_id
      WHERE k.lookup_id = $1 AND k.revoked_at IS NULL`,
    [id],
  );
  return result.rows[0];
}

/** Fills in the public key of a secret key issued before rep tokens were EdDSA (the caller has just proved it holds the key). */
export async function storeRepTokenPublicKey(db: Queryable, tenantId: string, id: string, publicKey: string): Promise<void> {
  await db.query(`UPDATE api_keys SET rep_token_public_key = $3 WHERE tenant_id = $1 AND lookup_id = $2 AND rep_token_public_key IS NULL`, [
    tenantId,
    id,
    publicKey,
  ]);
}

export async function getAllowedOrigins(db: Queryable, tenantId: string): Promise<string[] | null> {
  const result = await db.query<{ allowed_origins: string[] | null }>(`SELECT allowed_origins FROM tenants WHERE id = $1`, [tenantId]);
  return result.rows[0]?.allowed_origins ?? null;
}

export async function setAllowedOrigins(db: Queryable, tenantId: string, origins: readonly string[] | null): Promise<void> {
  await db.query(`UPDATE tenants SET allowed_origins = $2::text[] WHERE id = $1`, [tenantId, origins]);
}

export interface PinnedKeys {
  HUASHU_SECRET_KEY?: string | undefined;
  HUASHU_PUBLISHABLE_KEY?: string | undefined;
}

/**
 * Without the demo, keys pinned by the environment still have to open a
 * tenant: they go into the tenant that already holds one of them (a former
 * demo, say), else into `default`, created on first start. A pinned key that
 * was revoked stops the start — serving with it would refuse every request.
 */
export async function ensurePinnedTenant(db: Database, pinned: PinnedKeys): Promise<Tenant | undefined> {
  const candidates: Array<[name: string, kind: KeyKind, key: string | undefined]> = [
    ['HUASHU_SECRET_KEY', 'secret', pinned.HUASHU_SECRET_KEY],
    ['HUASHU_PUBLISHABLE_KEY', 'publishable', pinned.HUASHU_PUBLISHABLE_KEY],
  ];
  const wanted = candidates.flatMap(([name, kind, key]) => (key ? [{ name, kind, key }] : []));
  if (wanted.length === 0) return undefined;
  return db.transaction(async (tx) => {
    const owners = new Set<string>();
    for (const { name, key } of wanted) {
      const found = await tx.query<{ tenant_id: string; revoked_at: Date | null }>(`SELECT tenant_id, revoked_at FROM api_keys WHERE lookup_id = $1`, [
        lookupId(hashKey(key)),
      ]);
      const row = found.rows[0];
      if (row?.revoked_at) throw new HuashuError('conflict', `${name} was revoked; set a new key`);
      if (row) owners.add(row.tenant_id);
    }
    if (owners.size > 1) throw new HuashuError('conflict', 'HUASHU_SECRET_KEY and HUASHU_PUBLISHABLE_KEY belong to different tenants');
    const [ownerId] = owners;
    let tenant: Tenant | undefined;
    if (ownerId) {
      const found = await tx.query<Tenant>(`SELECT id, name, slug FROM tenants WHERE id = $1`, [ownerId]);
      tenant = found.rows[0];
    }
    tenant ??= (await findTenantBySlug(tx, PINNED_TENANT_SLUG)) ?? (await createTenant(tx, { name: 'Default', slug: PINNED_TENANT_SLUG }));
    for (const { kind, key } of wanted) await issueKey(tx, tenant.id, kind, { key, label: PINNED_KEY_LABEL });
    return tenant;
  });
}
