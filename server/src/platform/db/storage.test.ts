import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLead, getLead } from '../../leads/leads.service.js';
import { createTenant } from '../auth/key-store.js';
import { testEngines } from '../../testing/engines.js';
import { loadMigrations, migrate } from './migrate.js';
import type { Database } from './types.js';

describe.each(testEngines())('storage contract on $name', (engine) => {
  let db: Database;
  beforeAll(async () => {
    db = await engine.open();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('records every migration and applies none twice', async () => {
    const recorded = await db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(recorded.rows.map((row) => row.version)).toEqual(loadMigrations().map((m) => m.version));
    expect(await migrate(db)).toEqual([]);
    const again = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    expect(again.rows[0]!.n).toBe(loadMigrations().length);
  });

  it('has pgvector available', async () => {
    const result = await db.query<{ d: number }>(`SELECT ('[1,0,0]'::vector <=> '[0,1,0]'::vector) AS d`);
    expect(result.rows[0]!.d).toBeCloseTo(1);
  });

  it('rolls a failed transaction back completely', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO tenants (id, name, slug) VALUES ('t_rollback', 'x', 'rollback-check')`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const rows = await db.query(`SELECT 1 FROM tenants WHERE slug = 'rollback-check'`);
    expect(rows.rows).toHaveLength(0);
  });

  it('commits a successful transaction', async () => {
    await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO tenants (id, name, slug) VALUES ('t_commit', 'x', 'commit-check')`);
    });
    const rows = await db.query(`SELECT 1 FROM tenants WHERE slug = 'commit-check'`);
    expect(rows.rows).toHaveLength(1);
  });

  it('scopes rows to their tenant', async () => {
    const a = await createTenant(db, { name: 'A', slug: 'scope-a' });
    const b = await createTenant(db, { name: 'B', slug: 'scope-b' });
    const { lead } = await captureLead(db, a.id, { source: 'web', phone: '13800138000' });
    expect((await getLead(db, a.id, lead.id)).id).toBe(lead.id);
    await expect(getLead(db, b.id, lead.id)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('keeps parameters out of the SQL text', async () => {
    const hostile = `x'); DROP TABLE tenants; --`;
    const a = await createTenant(db, { name: hostile, slug: 'hostile-name' });
    const rows = await db.query<{ name: string }>('SELECT name FROM tenants WHERE id = $1', [a.id]);
    expect(rows.rows[0]!.name).toBe(hostile);
  });
});

/**
 * A static guard: every statement in the server that reads or writes a
 * tenant-owned table must mention tenant_id. The allow-list holds the only
 * statements that legitimately cannot know the tenant yet.
 */
describe('tenant scoping in the source', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const TENANT_FREE = new Set(['tenants', 'schema_migrations']);
  const ALLOWED = [
    /FROM api_keys WHERE lookup_id = \$1/,
    /INSERT INTO api_keys/,
    /SELECT tenant_id FROM api_keys WHERE lookup_id/,
    // Housekeeping prunes finished jobs of every tenant by age (platform/jobs/housekeeping.ts).
    /^DELETE FROM jobs WHERE id IN \(SELECT id FROM jobs WHERE \(state = 'succeeded' AND finished_at < now\(\)/,
  ];

  function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return name === 'testing' ? [] : sources(path);
      return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
    });
  }

  it('finds no unscoped statement', () => {
    const offenders: string[] = [];
    for (const file of sources(root)) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/`([^`]*\b(?:FROM|INTO|UPDATE|JOIN)\s+([a-z_]+)[^`]*)`/g)) {
        const [, sql, table] = match;
        // pg_… are the system catalogs (partition maintenance reads them), not tenant data.
        if (!sql || !table || TENANT_FREE.has(table) || table.startsWith('pg_') || /^\$\{/.test(table)) continue;
        if (/tenant_id/.test(sql) || ALLOWED.some((pattern) => pattern.test(sql))) continue;
        offenders.push(`${file.slice(root.length)}: ${sql.replace(/\s+/g, ' ').slice(0, 100)}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
