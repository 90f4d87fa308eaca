import type { Command } from 'commander';
import { JobState, MAX_JOB_LIST_LIMIT } from '@huashu/core';
import { ConfigError, type Config } from '../platform/config.js';
import type { Database } from '../platform/db/types.js';
import { findTenantBySlug } from '../platform/auth/key-store.js';
import { listAllJobs, listJobs, type AdminJob } from '../platform/jobs/index.js';

type WithDatabase = <T>(fn: (db: Database, config: Config) => Promise<T>) => Promise<T>;

const DEFAULT_LIST_LIMIT = 50;
/** Shown in full in `--json`; the table keeps one line per job. */
const ERROR_COLUMN_WIDTH = 60;

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_JOB_LIST_LIMIT) throw new ConfigError(`--limit must be an integer from 1 to ${MAX_JOB_LIST_LIMIT}`);
  return limit;
}

function line(job: AdminJob): string {
  const error = job.lastError ? `  ${job.lastError.length > ERROR_COLUMN_WIDTH ? `${job.lastError.slice(0, ERROR_COLUMN_WIDTH - 1)}…` : job.lastError}` : '';
  const tries = `${job.attempts}/${job.maxAttempts ?? 'default'}`;
  return `${job.createdAt}  ${job.state.padEnd(9)}  ${tries.padEnd(10)}  ${(job.tenantSlug ?? '(system)').padEnd(16)}  ${job.type.padEnd(24)}  ${job.id}${error}\n`;
}

export function registerJobsCommands(program: Command, withDatabase: WithDatabase): void {
  const jobs = program.command('jobs').description('inspect background jobs');
  jobs
    .command('list')
    .description("list jobs, newest first: every tenant's and the system's, or one tenant's")
    .option('--state <state>', `only this state (${JobState.options.join(', ')})`)
    .option('--type <type>', 'only this job type')
    .option('--tenant <slug>', 'only this tenant (system jobs are then left out)')
    .option('--limit <n>', `at most this many (1–${MAX_JOB_LIST_LIMIT})`, String(DEFAULT_LIST_LIMIT))
    .option('--json', 'one JSON object per line')
    .action((options: { state?: string; type?: string; tenant?: string; limit: string; json?: boolean }) =>
      withDatabase(async (db) => {
        const parsed = options.state === undefined ? undefined : JobState.safeParse(options.state);
        if (parsed && !parsed.success) throw new ConfigError(`--state must be one of ${JobState.options.join(', ')}`);
        const filter = { state: parsed?.data, type: options.type, limit: parseLimit(options.limit) };
        let rows: AdminJob[];
        if (options.tenant) {
          const tenant = await findTenantBySlug(db, options.tenant);
          if (!tenant) throw new ConfigError(`no tenant "${options.tenant}"`);
          rows = (await listJobs(db, tenant.id, filter)).map((job) => ({ ...job, tenantId: tenant.id, tenantSlug: tenant.slug }));
        } else {
          rows = await listAllJobs(db, filter);
        }
        for (const job of rows) process.stdout.write(options.json ? `${JSON.stringify(job)}\n` : line(job));
        if (!options.json && rows.length === 0) process.stdout.write('no jobs\n');
      }),
    );
}
