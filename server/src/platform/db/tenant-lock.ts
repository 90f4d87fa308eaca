import type { Queryable } from './types.js';

/**
 * Serialises writers of one tenant's `scope` (a settings document, a rule
 * set) until the transaction ends: a read-modify-write under it neither loses
 * a concurrent change nor records a stale "before". Transaction-scoped, so
 * nothing to release and nothing left behind by a crash.
 */
export async function lockTenantScope(tx: Queryable, scope: string, tenantId: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1::text || ':' || $2::text, 0))`, [scope, tenantId]);
}
