/**
 * Command-line flags of `npm run bench -- …`, read before any part runs:
 * `--only <part>` is the same as BENCH_ONLY=<part>; `--soak` adds the soak.
 */
export const HELP = `npm run bench [-- options]

Every figure is printed beside a baseline measured in the same run. DATABASE_URL
(a Postgres with pgvector) adds the Postgres engine; without it only PGlite runs.

Options
  --only <part>   run one part: knowledge, events, leads, pipeline, signals,
                  load, replicas, outage, knowledge-large, tenants, soak
  --soak          also run the memory soak (BENCH_SOAK_SECONDS, default 300)
  --help          this text

Parts in the default run: knowledge, events, leads, pipeline, signals, load,
replicas, outage (outage needs the pgvector script at
/work/shared/scripts/postgres-pgvector.sh or BENCH_OUTAGE_SCRIPT).
Heavy parts only with --only: knowledge-large (BENCH_KNOWLEDGE_LARGE entries on
Postgres, default 100000), tenants (BENCH_TENANTS × BENCH_TENANT_ENTRIES,
default 1000 × 1000 on Postgres), soak.

Sizes (environment)
  BENCH_SIZES=1000,10000          knowledge sizes of the default knowledge part
  BENCH_LOAD_SECONDS=3            seconds per load cell (route × connections)
  BENCH_LOAD_CONCURRENCY=1,16,64  connections per load cell
  BENCH_LOAD_ENTRIES=2000         knowledge entries behind ask in the load part
  BENCH_REPLICA_SECONDS=8         load time of the two-replica part
  BENCH_KNOWLEDGE_LARGE=100000    entries of knowledge-large
  BENCH_TENANTS=1000 BENCH_TENANT_ENTRIES=1000
  BENCH_SOAK_SECONDS=300          soak length
`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(HELP);
  process.exit(0);
}
const onlyIndex = args.findIndex((arg) => arg === '--only' || arg.startsWith('--only='));
if (onlyIndex >= 0) {
  const arg = args[onlyIndex]!;
  const part = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[onlyIndex + 1];
  if (!part) {
    process.stderr.write('--only needs a part name (see --help)\n');
    process.exit(2);
  }
  process.env['BENCH_ONLY'] = part;
}
if (args.includes('--soak')) process.env['BENCH_SOAK'] = '1';
