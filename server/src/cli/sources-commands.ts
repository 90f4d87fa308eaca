import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { HuashuError, LEAD_PRESETS, LeadSourceInput } from '@huashu/core';
import { ConfigError, type Config } from '../platform/config.js';
import type { Database } from '../platform/db/types.js';
import { findTenantBySlug } from '../platform/auth/key-store.js';
import { parseOrThrow } from '../platform/validation.js';
import { createSource, listSources, rotateSourceSecret } from '../leads/sources.service.js';

type WithDatabase = <T>(fn: (db: Database, config: Config) => Promise<T>) => Promise<T>;

async function tenantId(db: Database, slug: string): Promise<string> {
  const tenant = await findTenantBySlug(db, slug);
  if (!tenant) throw new ConfigError(`no tenant "${slug}" (huashu tenants list shows them)`);
  return tenant.id;
}

/** A HuashuError's field issues, one a line, so a bad mapping is fixable from the terminal. */
function explain(error: unknown): never {
  if (error instanceof HuashuError && error.details?.issues?.length) {
    throw new ConfigError(`lead source refused:\n${error.details.issues.map((issue) => `  ${issue.path}: ${issue.message}`).join('\n')}`);
  }
  throw error;
}

function printSecret(slug: string, secret: string, note: string): void {
  // On the terminal only, once: sign the platform's pushes with it.
  process.stdout.write(`${note}\n  webhook URL path: /v1/webhooks/inbound/${slug}\n  signing secret:   ${secret}\n`);
}

/** `huashu sources create | list | rotate-secret`: lead sources and their Standard Webhooks secrets. */
export function registerSourcesCommands(program: Command, withDatabase: WithDatabase): void {
  const sources = program.command('sources').description('lead sources: web forms, ad platforms, 400 call centres, trade-show scans, custom mappings');
  sources
    .command('create')
    .description('register a lead source and print its webhook signing secret (shown once)')
    .requiredOption('--slug <slug>', 'short name used in the webhook URL, e.g. douyin')
    .requiredOption('--preset <preset>', LEAD_PRESETS.join(' | '))
    .option('--tenant <slug>', 'tenant slug', 'demo')
    .option('--name <name>', 'display name')
    .option('--sla <duration>', 'first-response SLA as ISO 8601, e.g. PT48H (default), PT4H, P1D')
    .option('--working-time', 'count the SLA in working time (09:00–18:00 Beijing time, Chinese workdays with 调休)')
    .option('--mapping <file>', 'a JSON file mapping lead fields to JSON paths (required for --preset custom)')
    .action((options: { slug: string; preset: string; tenant: string; name?: string; sla?: string; workingTime?: boolean; mapping?: string }) =>
      withDatabase(async (db) => {
        const mapping = options.mapping ? (JSON.parse(readFileSync(options.mapping, 'utf8')) as unknown) : undefined;
        const input = parseOrThrow(LeadSourceInput, {
          slug: options.slug,
          preset: options.preset,
          ...(options.name ? { name: options.name } : {}),
          ...(options.sla ? { firstResponseSla: options.sla } : {}),
          ...(options.workingTime ? { workingTime: true } : {}),
          ...(mapping !== undefined ? { mapping } : {}),
        });
        const { source, secret } = await createSource(db, await tenantId(db, options.tenant), input);
        printSecret(source.slug, secret, `lead source ${source.slug} (${source.preset}, first response within ${source.firstResponseSla}${source.workingTime ? ' working time' : ''})`);
      }).catch(explain),
    );
  sources
    .command('list')
    .description('the tenant’s lead sources (never their secrets)')
    .option('--tenant <slug>', 'tenant slug', 'demo')
    .action((options: { tenant: string }) =>
      withDatabase(async (db) => {
        const { sources: rows } = await listSources(db, await tenantId(db, options.tenant));
        if (rows.length === 0) process.stdout.write('no lead sources yet (huashu sources create --slug … --preset …)\n');
        for (const source of rows) {
          const rotation = source.previousSecretValidUntil ? `, previous secret valid until ${source.previousSecretValidUntil}` : '';
          process.stdout.write(`${source.slug}\t${source.preset}\tSLA ${source.firstResponseSla}${source.workingTime ? ' (working time)' : ''}\t${source.inboundPath}${rotation}\n`);
        }
      }),
    );
  sources
    .command('rotate-secret')
    .description('issue a new signing secret; the previous one keeps verifying for 24 h')
    .argument('<slug>')
    .option('--tenant <slug>', 'tenant slug', 'demo')
    .action((slug: string, options: { tenant: string }) =>
      withDatabase(async (db) => {
        const { source, secret } = await rotateSourceSecret(db, await tenantId(db, options.tenant), slug).catch(explain);
        printSecret(source.slug, secret, `new secret for ${source.slug}; the previous one verifies until ${source.previousSecretValidUntil}`);
      }),
    );
}
