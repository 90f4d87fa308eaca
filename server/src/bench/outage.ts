import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startServerChild } from './child.js';
import { loadRoutes } from './load.js';
import { percentile, table } from './stats.js';

/**
 * Postgres stopped and started again under load, against a throw-away cluster
 * of this bench's own (never the shared one): how fast requests fail while it
 * is gone (503 + Retry-After expected, no 500), and how soon the same server
 * process serves again once it is back.
 */
const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const SCRIPT = process.env['BENCH_OUTAGE_SCRIPT'] ?? join(repoRoot, '../shared/scripts/postgres-pgvector.sh');
const PORT = process.env['BENCH_OUTAGE_PORT'] ?? '55440';
const CONNECTIONS = 16;
/** Load before the stop, while stopped, and after the start. */
const PHASE_MS = { before: 3_000, down: 4_000, after: 4_000 };

interface Sample {
  at: number;
  status: number;
  ms: number;
}

export async function runOutageBench(progress: (message: string) => void): Promise<void> {
  if (!existsSync(SCRIPT) || process.getuid?.() !== 0) {
    process.stdout.write(`\n## Postgres restarted under load\n\nskipped: needs root and ${SCRIPT} (set BENCH_OUTAGE_SCRIPT), which starts a throw-away cluster.\n`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'huashu-bench-outage-'));
  const cluster = (...args: string[]) => execFileSync('bash', [SCRIPT, ...args], { encoding: 'utf8' }).trim();
  progress(`outage: throw-away cluster on port ${PORT}`);
  const url = cluster('start', dir, PORT);
  const child = await startServerChild({ BENCH_CHILD_DATABASE_URL: url, BENCH_CHILD_ENTRIES: '0' });
  const samples: Sample[] = [];
  let stoppedAt = Number.NaN;
  let startedAt = Number.NaN;
  try {
    const route = loadRoutes().find((candidate) => candidate.path === '/v1/events/batch')!;
    const { url: base, secret, publishable } = child.ready;
    const started = performance.now();
    let instance!: autocannon.Instance;
    const finished = new Promise<autocannon.Result>((done, fail) => {
      instance = autocannon(
        {
          url: `${base}${route.path}`,
          connections: CONNECTIONS,
          duration: (PHASE_MS.before + PHASE_MS.down + PHASE_MS.after) / 1000,
          timeout: 10,
          requests: [
            {
              method: 'POST',
              headers: { authorization: `Bearer ${publishable ?? secret}`, 'content-type': 'application/json' },
              setupRequest: (request: autocannon.Request) => ({ ...request, body: JSON.stringify(route.body!()) }),
            },
          ],
        },
        (error, result) => (error ? fail(error) : done(result)),
      );
    });
    // autocannon reports a response's status only; Retry-After is read from a probe request while the database is down.
    instance.on('response', (_client, status, _bytes, ms) => samples.push({ at: performance.now() - started, status, ms }));
    const control = (async () => {
      await new Promise((done) => setTimeout(done, PHASE_MS.before));
      progress('outage: stopping Postgres');
      cluster('stop', dir);
      stoppedAt = performance.now() - started;
      const probe = await fetch(`${base}/v1/events/batch`, { method: 'POST', headers: { authorization: `Bearer ${publishable ?? secret}`, 'content-type': 'application/json' }, body: JSON.stringify(route.body!()) });
      const retryAfter = probe.headers.get('retry-after');
      await probe.arrayBuffer();
      progress(`outage: a request while down answered ${probe.status} with Retry-After ${retryAfter ?? '(none)'}`);
      await new Promise((done) => setTimeout(done, PHASE_MS.down));
      progress('outage: starting Postgres again');
      cluster('start', dir, PORT);
      startedAt = performance.now() - started;
      return { status: probe.status, retryAfter };
    })();
    const [, probe] = await Promise.all([finished, control]);

    const phase = (from: number, to: number) => samples.filter((sample) => sample.at >= from && sample.at < to);
    const firstOkAfter = samples.find((sample) => sample.at > startedAt && sample.status < 300);
    const rows = [
      ['before', phase(0, stoppedAt)],
      ['Postgres down', phase(stoppedAt, startedAt)],
      ['after restart', phase(startedAt, Number.POSITIVE_INFINITY)],
    ] as const;
    process.stdout.write(`\n## Postgres stopped and started under load — POST /v1/events/batch, ${CONNECTIONS} connections, one server process that is never restarted\n\n`);
    process.stdout.write(
      table(
        ['phase', 'responses', '2xx', '503', 'other 5xx', 'p50 ms', 'p99 ms'],
        rows.map(([name, list]) => [
          name,
          String(list.length),
          String(list.filter((s) => s.status < 300).length),
          String(list.filter((s) => s.status === 503).length),
          String(list.filter((s) => s.status >= 500 && s.status !== 503).length),
          percentile(list.map((s) => s.ms), 50),
          percentile(list.map((s) => s.ms), 99),
        ]),
      ),
    );
    process.stdout.write(
      `\n\nServer process still running at the end: ${child.process.exitCode === null && child.process.signalCode === null ? 'yes' : 'NO'}. While down: ${probe.status} with Retry-After ${probe.retryAfter ?? '(none)'}. First 2xx ${firstOkAfter ? `${((firstOkAfter.at - startedAt) / 1000).toFixed(2)} s` : 'never'} after Postgres accepted connections again (pg_ctl -w returned).\n`,
    );
  } finally {
    await child.stop();
    try {
      cluster('stop', dir);
    } catch {
      // Not running.
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
