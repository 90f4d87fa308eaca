import { createWriteStream, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { KnowledgeStatus } from '@huashu/core';
import { createEmbedder } from '../retrieval/embedder.js';
import { ConfigError, type Config } from '../platform/config.js';
import type { Database } from '../platform/db/types.js';
import { createLogger } from '../platform/logger.js';
import { createContext } from '../server.js';
import { findTenantBySlug } from '../platform/auth/key-store.js';
import { detectFormat, parseKnowledgeFile, type KnowledgeFileFormat } from '../knowledge/files.js';
import { reindexTenant } from '../knowledge/reindex.js';
import { importEntries } from '../knowledge/knowledge.service.js';
import { listEntries } from '../knowledge/knowledge.store.js';
import { progressBar } from './progress.js';

type WithDatabase = <T>(fn: (db: Database, config: Config) => Promise<T>) => Promise<T>;

async function tenantId(db: Database, slug: string): Promise<string> {
  const tenant = await findTenantBySlug(db, slug);
  if (!tenant) throw new ConfigError(`no tenant "${slug}" (create one with: huashu tenants create --slug ${slug})`);
  return tenant.id;
}

export function registerKnowledgeCommands(program: Command, withDatabase: WithDatabase): void {
  const kb = program.command('kb').description('import and export the knowledge base');
  kb.command('import')
    .description('import entries from a .jsonl, .json or .csv file (UTF-8, BOM allowed); the same externalId updates')
    .argument('<file>')
    .option('--tenant <slug>', 'tenant slug', 'demo')
    .option('--format <format>', 'jsonl, json or csv (default: from the file extension)')
    .action((file: string, options: { tenant: string; format?: KnowledgeFileFormat }) =>
      withDatabase(async (db, config) => {
        const rows = parseKnowledgeFile(readFileSync(file, 'utf8'), options.format ?? detectFormat(file));
        const ctx = await createContext(config, db, createLogger('warn'));
        const id = await tenantId(db, options.tenant);
        const bar = progressBar('import');
        const result = await importEntries(ctx, { kind: 'secret', tenantId: id, keyId: 'cli' }, rows, (done, total) => bar.update(done, total));
        bar.stop();
        process.stdout.write(`imported ${result.imported}, updated ${result.updated}, rejected ${result.rejected.length} of ${rows.length} rows\n`);
        for (const row of result.rejected.slice(0, 50)) {
          process.stdout.write(`  row ${row.index + 1}${row.externalId ? ` (${row.externalId})` : ''}: ${row.reason}\n`);
        }
        if (result.rejected.length > 50) process.stdout.write(`  … and ${result.rejected.length - 50} more\n`);
        if (result.rejected.length > 0) process.exitCode = 1;
      }),
    );
  kb.command('export')
    .description('write the knowledge base as JSONL (importable again)')
    .option('--tenant <slug>', 'tenant slug', 'demo')
    .option('--status <status>', 'only entries with this status')
    .option('--out <file>', 'write to a file instead of stdout')
    .action((options: { tenant: string; status?: string; out?: string }) =>
      withDatabase(async (db) => {
        const status = options.status === undefined ? undefined : KnowledgeStatus.parse(options.status);
        const id = await tenantId(db, options.tenant);
        const out: NodeJS.WritableStream = options.out ? createWriteStream(options.out, 'utf8') : process.stdout;
        const bar = options.out ? progressBar('export') : undefined;
        const page = 500;
        for (let offset = 0; ; offset += page) {
          const { entries, total } = await listEntries(db, id, { status, limit: page, offset });
          for (const entry of entries) {
            const { externalId, question, answer, evidence, tags, industry, product } = entry;
            out.write(`${JSON.stringify({ externalId: externalId ?? entry.id, question, answer, evidence, tags, industry: industry ?? undefined, product: product ?? undefined, status: entry.status })}\n`);
          }
          bar?.update(Math.min(offset + entries.length, total), total);
          if (entries.length < page) break;
        }
        bar?.stop();
        if (options.out) await new Promise<void>((resolve) => out.end(resolve));
      }),
    );
  program
    .command('reindex')
    .description('re-embed every entry with the configured embedder (after switching HUASHU_EMBEDDER)')
    .option('--tenant <slug>', 'only this tenant (default: all)')
    .action((options: { tenant?: string }) =>
      withDatabase(async (db, config) => {
        const embedder = createEmbedder(config);
        const tenants = options.tenant
          ? [{ id: await tenantId(db, options.tenant), slug: options.tenant }]
          : (await db.query<{ id: string; slug: string }>(`SELECT id, slug FROM tenants ORDER BY slug`)).rows;
        for (const tenant of tenants) {
          const bar = progressBar(`reindex ${tenant.slug}`);
          const count = await reindexTenant(db, tenant.id, embedder, (done, total) => bar.update(done, total));
          bar.stop();
          process.stdout.write(`${tenant.slug}: ${count} entries embedded with ${embedder.model}\n`);
        }
      }),
    );
}
