import type { Command } from 'commander';
import type { LearnResult } from '@huashu/core';
import { ConfigError, type Config } from '../platform/config.js';
import type { Database } from '../platform/db/types.js';
import { findTenantBySlug } from '../platform/auth/key-store.js';
import { learnNow } from '../assistant/assistant.service.js';
import { tenantsDueForTraining } from '../knowledge/knowledge.service.js';

type WithDatabase = <T>(fn: (db: Database, config: Config) => Promise<T>) => Promise<T>;

/** `--all` retrains at most this many tenants per run (those with untrained outcomes); run it again for more. */
const ALL_TENANTS_LIMIT = 1000;

function summary(slug: string, result: LearnResult): string {
  return `${slug}: ${result.pairs} question→entry pairs, ${result.terms} associated terms, ${result.phrasings} linked phrasings, ${result.variantsApproved} variants approved, ${result.durationMs} ms (trained ${result.trainedAt})\n`;
}

/**
 * `huashu learn`: what `POST /v1/assistant/learn` does, from the shell —
 * retrain a tenant's learned associations and approve the learned variants
 * that reached the threshold, now, returning when done.
 */
export function registerLearnCommands(program: Command, withDatabase: WithDatabase): void {
  program
    .command('learn')
    .description("retrain the assistant's learned term associations from reported outcomes now (one tenant, or --all with untrained outcomes)")
    .option('--tenant <slug>', 'tenant slug')
    .option('--all', 'every tenant whose outcomes arrived after its last training')
    .option('--json', 'one JSON object per tenant')
    .action((options: { tenant?: string; all?: boolean; json?: boolean }) =>
      withDatabase(async (db) => {
        if (!options.tenant === !options.all) throw new ConfigError('give exactly one of --tenant <slug> or --all');
        const targets: Array<{ id: string; slug: string }> = [];
        if (options.tenant) {
          const tenant = await findTenantBySlug(db, options.tenant);
          if (!tenant) throw new ConfigError(`no tenant "${options.tenant}"`);
          targets.push({ id: tenant.id, slug: tenant.slug });
        } else {
          for (const id of await tenantsDueForTraining(db, ALL_TENANTS_LIMIT)) targets.push({ id, slug: id });
        }
        for (const target of targets) {
          const result = await learnNow({ db }, target.id);
          process.stdout.write(options.json ? `${JSON.stringify({ tenant: target.slug, ...result })}\n` : summary(target.slug, result));
        }
        if (targets.length === 0 && !options.json) process.stdout.write('no tenant has untrained outcomes\n');
      }),
    );
}
