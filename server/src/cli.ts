#!/usr/bin/env node
import { Command } from 'commander';
import { allModules } from './modules.js';
import { ConfigError, loadConfig, type Config } from './platform/config.js';
import { openDatabase } from './platform/db/open.js';
import type { Database } from './platform/db/types.js';
import { registerKnowledgeCommands } from './cli/knowledge-commands.js';
import { registerOpsCommands } from './cli/ops-commands.js';
import { registerKeyCommands } from './cli/keys-commands.js';
import { registerJobsCommands } from './cli/jobs-commands.js';
import { registerSourcesCommands } from './cli/sources-commands.js';
import { registerLearnCommands } from './cli/learn-commands.js';
import { startServer } from './server.js';
import { bilingualDictionary } from './retrieval/bilingual.js';
import { createTenant, findTenantBySlug, issueKey } from './platform/auth/key-store.js';
import { VERSION } from './platform/version.js';

function config(): Config {
  return loadConfig();
}

async function withDatabase<T>(fn: (db: Database, config: Config) => Promise<T>): Promise<T> {
  const cfg = config();
  const db = await openDatabase({ databaseUrl: cfg.DATABASE_URL, dataDir: cfg.DATABASE_URL ? undefined : cfg.HUASHU_DATA_DIR });
  try {
    return await fn(db, cfg);
  } finally {
    await db.close();
  }
}

const program = new Command('huashu').description('Huashu (话术) server and admin tools').version(VERSION);

program
  .command('serve')
  .description('start the HTTP API (PGlite in HUASHU_DATA_DIR unless DATABASE_URL is set)')
  .option('--demo', 'seed the demo tenant and serve the demo CRM page at / (HUASHU_DEMO=0 turns it off)')
  .action(async (options: { demo?: boolean }) => {
    const cfg = config();
    const demo = cfg.HUASHU_DEMO ?? Boolean(options.demo);
    const running = await startServer({ config: cfg, demo, modules: allModules });
    if (running.demo?.warning) process.stderr.write(`\nWARNING: ${running.demo.warning}\n\n`);
    const keys = running.demo?.firstRunKeys;
    if (keys) {
      // Printed once, on the terminal only: the database keeps hashes.
      process.stdout.write(
        `\nDemo tenant created. Keep these keys; they are not shown again.\n  secret key:      ${keys.secretKey}\n  publishable key: ${keys.publishableKey}\n\n`,
      );
    }
    process.stdout.write(`Huashu ${VERSION} on ${running.ctx.db.engine} — ${running.url}${running.demo ? `  (demo CRM page: ${running.url}/)` : ''}\n`);
    // The first question would otherwise wait ~1 s for the bilingual dictionary to be read.
    setImmediate(() => bilingualDictionary());
    const shutdown = (signal: string) => {
      running.ctx.logger.info({ signal }, 'shutting down');
      running.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });

const tenants = program.command('tenants').description('manage tenants');
tenants
  .command('create')
  .description('create a tenant and print its first secret and publishable keys')
  .requiredOption('--slug <slug>', 'short unique name, e.g. acme')
  .option('--name <name>', 'display name')
  .action((options: { slug: string; name?: string }) =>
    withDatabase(async (db) => {
      const tenant = await createTenant(db, { slug: options.slug, name: options.name ?? options.slug });
      const secret = await issueKey(db, tenant.id, 'secret');
      const publishable = await issueKey(db, tenant.id, 'publishable');
      process.stdout.write(`tenant ${tenant.slug} (${tenant.id})\n  secret key:      ${secret.key}\n  publishable key: ${publishable.key}\n`);
    }),
  );

const keys = program.command('keys').description('manage API keys');
keys
  .command('create')
  .description('issue a new key for a tenant (printed once)')
  .requiredOption('--tenant <slug>', 'tenant slug')
  .option('--kind <kind>', 'secret or publishable', 'secret')
  .option('--label <label>', 'a note to recognise the key by')
  .action((options: { tenant: string; kind: string; label?: string }) =>
    withDatabase(async (db) => {
      if (options.kind !== 'secret' && options.kind !== 'publishable') throw new ConfigError('--kind must be "secret" or "publishable"');
      const tenant = await findTenantBySlug(db, options.tenant);
      if (!tenant) throw new ConfigError(`no tenant "${options.tenant}"`);
      const issued = await issueKey(db, tenant.id, options.kind, { label: options.label });
      process.stdout.write(`${issued.key}\n`);
    }),
  );

registerKnowledgeCommands(program, withDatabase);
registerOpsCommands(program, withDatabase);
registerKeyCommands(program, withDatabase);
registerJobsCommands(program, withDatabase);
registerSourcesCommands(program, withDatabase);
registerLearnCommands(program, withDatabase);

program.parseAsync().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`huashu: ${message}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
