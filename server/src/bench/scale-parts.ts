import type { LoadEngine } from './load.js';

/**
 * The load and scale parts of `npm run bench` (see args.ts for flags). Light
 * parts run by default; the 100k-entry, 1,000-tenant and soak parts only when
 * asked for, because each takes minutes.
 */
export async function runScaleParts(serverUrl: string | undefined, progress: (message: string) => void): Promise<void> {
  const only = process.env['BENCH_ONLY'];
  const wants = (part: string, byDefault: boolean) => (only ? only === part : byDefault);
  const engines: LoadEngine[] = [{ name: 'pglite' }, ...(serverUrl ? [{ name: 'postgres' as const, serverUrl }] : [])];
  const needsPostgres = (part: string) => {
    if (serverUrl) return true;
    process.stdout.write(`\n## ${part}\n\nskipped: needs DATABASE_URL (a Postgres with pgvector).\n`);
    return false;
  };

  if (wants('load', true)) await (await import('./load.js')).runLoadBench(engines, progress);
  if (wants('replicas', true) && needsPostgres('Two replicas on one Postgres')) await (await import('./replicas.js')).runReplicasBench(serverUrl!, progress);
  if (wants('outage', true)) await (await import('./outage.js')).runOutageBench(progress);
  if (wants('knowledge-large', false) && needsPostgres('Knowledge at 100k entries')) await (await import('./knowledge-large.js')).runKnowledgeLarge(serverUrl!, progress);
  if (wants('tenants', false) && needsPostgres('1,000 tenants')) await (await import('./tenants.js')).runTenantsBench(serverUrl!, progress);
  if (wants('soak', process.env['BENCH_SOAK'] === '1')) await (await import('./soak.js')).runSoak(engines.at(-1)!, progress);
}
