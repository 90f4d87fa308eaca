import type { Command } from 'commander';
import { ConfigError, type Config } from '../platform/config.js';
import type { Database } from '../platform/db/types.js';
import { findKeyInfo, findTenantBySlug, issueKey, listKeys, listTenants, revokeKey, type KeyInfo, type Tenant } from '../platform/auth/key-store.js';
import { KEY_CACHE_MS } from '../platform/auth/authenticate.js';

type WithDatabase = <T>(fn: (db: Database, config: Config) => Promise<T>) => Promise<T>;

async function tenantBySlug(db: Database, slug: string): Promise<Tenant> {
  const tenant = await findTenantBySlug(db, slug);
  if (!tenant) throw new ConfigError(`no tenant "${slug}" (huashu tenants list shows them)`);
  return tenant;
}

async function keyOf(db: Database, tenant: Tenant, id: string): Promise<KeyInfo> {
  const key = await findKeyInfo(db, tenant.id, id);
  if (!key) throw new ConfigError(`tenant "${tenant.slug}" has no key ${id} (huashu keys list --tenant ${tenant.slug})`);
  return key;
}

/** Left-aligned columns with a header row; empty cells as "-". */
function table(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null>>): string {
  const cells = [header, ...rows.map((row) => row.map((cell) => (cell === null || cell === '' ? '-' : String(cell))))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  return cells.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n') + '\n';
}

const REVOCATION_NOTE = `other running servers refuse it within ${KEY_CACHE_MS / 1000} s`;

/** The existing group of that name, or a new one: `keys` and `tenants` already have their `create` in cli.ts. */
function group(program: Command, name: string, description: string): Command {
  return program.commands.find((command) => command.name() === name) ?? program.command(name).description(description);
}

/** `huashu keys list | revoke | rotate` and `huashu tenants list`. */
export function registerKeyCommands(program: Command, withDatabase: WithDatabase): void {
  const tenants = group(program, 'tenants', 'manage tenants');
  tenants
    .command('list')
    .description('every tenant with its number of active keys')
    .action(() =>
      withDatabase(async (db) => {
        const all = await listTenants(db);
        process.stdout.write(table(['slug', 'id', 'name', 'created', 'active keys'], all.map((t) => [t.slug, t.id, t.name, t.createdAt, t.activeKeys])));
      }),
    );

  const keys = group(program, 'keys', 'manage API keys');
  keys
    .command('list')
    .description("a tenant's keys, revoked ones included (ids and labels, never the keys)")
    .requiredOption('--tenant <slug>', 'tenant slug')
    .action((options: { tenant: string }) =>
      withDatabase(async (db) => {
        const tenant = await tenantBySlug(db, options.tenant);
        const all = await listKeys(db, tenant.id);
        process.stdout.write(table(['id', 'kind', 'label', 'created', 'revoked'], all.map((k) => [k.id, k.kind, k.label, k.createdAt, k.revokedAt])));
      }),
    );
  keys
    .command('revoke')
    .description(`revoke a key (${REVOCATION_NOTE})`)
    .argument('<id>', 'the key id, as listed')
    .requiredOption('--tenant <slug>', 'tenant slug')
    .action((id: string, options: { tenant: string }) =>
      withDatabase(async (db) => {
        const tenant = await tenantBySlug(db, options.tenant);
        await keyOf(db, tenant, id);
        const revoked = await revokeKey(db, tenant.id, id);
        process.stdout.write(`revoked ${id} (${revoked!.kind}) at ${revoked!.revokedAt}; ${REVOCATION_NOTE}\n`);
      }),
    );
  keys
    .command('rotate')
    .description('issue a new key of the same kind and label, then revoke the old one; prints the new key once')
    .argument('<id>', 'the key id to replace, as listed')
    .requiredOption('--tenant <slug>', 'tenant slug')
    .action((id: string, options: { tenant: string }) =>
      withDatabase(async (db) => {
        const tenant = await tenantBySlug(db, options.tenant);
        const old = await keyOf(db, tenant, id);
        if (old.revokedAt) throw new ConfigError(`key ${id} is already revoked; issue a new one with huashu keys create`);
        const issued = await db.transaction(async (tx) => {
          const fresh = await issueKey(tx, tenant.id, old.kind, { label: old.label ?? undefined });
          await revokeKey(tx, tenant.id, id);
          return fresh;
        });
        process.stdout.write(`${issued.key}\n`);
        process.stderr.write(`new ${old.kind} key ${issued.lookupId} replaces ${id} (revoked; ${REVOCATION_NOTE}). The key above is not shown again.\n`);
      }),
    );
}
