import autocannon from 'autocannon';
import { loadRoutes, serverFor, type LoadEngine } from './load.js';
import { percentile, table } from './stats.js';

/**
 * Memory soak (`--soak`): ask, events and leads in rotation on 16 connections
 * for BENCH_SOAK_SECONDS, the server's RSS sampled throughout. Memory is flat
 * when the last minute's RSS is within SOAK_FLAT_TOLERANCE of the RSS after
 * the first minute (start-up, JIT and pools settle in that first minute).
 */
const SOAK_SECONDS = Number(process.env['BENCH_SOAK_SECONDS'] ?? 300);
const CONNECTIONS = 16;
const SAMPLE_EVERY_MS = 10_000;
const SETTLE_MS = 60_000;
const SOAK_FLAT_TOLERANCE = 0.1;
const SOAK_ENTRIES = 2_000;

export async function runSoak(engine: LoadEngine, progress: (message: string) => void): Promise<void> {
  progress(`soak ${engine.name}: ${SOAK_SECONDS} s of mixed load`);
  const { child, drop } = await serverFor(engine, SOAK_ENTRIES);
  const { url, secret, publishable } = child.ready;
  const routes = loadRoutes().filter((route) => ['/v1/assistant/ask', '/v1/events/batch', '/v1/leads'].includes(route.path));
  const samples: Array<{ at: number; rss: number }> = [];
  const times: number[] = [];
  const statuses: Record<string, number> = {};
  try {
    const started = performance.now();
    const sampler = setInterval(() => samples.push({ at: performance.now() - started, rss: child.rssMb() }), SAMPLE_EVERY_MS);
    samples.push({ at: 0, rss: child.rssMb() });
    let instance!: autocannon.Instance;
    const finished = new Promise<autocannon.Result>((done, fail) => {
      instance = autocannon(
        {
          url,
          connections: CONNECTIONS,
          duration: SOAK_SECONDS,
          timeout: 10,
          requests: routes.map((route) => ({
            method: route.method,
            path: route.path,
            headers: { authorization: `Bearer ${route.key === 'publishable' ? (publishable ?? secret) : secret}`, 'content-type': 'application/json' },
            setupRequest: (request: autocannon.Request) => ({ ...request, body: JSON.stringify(route.body!()) }),
          })),
        },
        (error, result) => (error ? fail(error) : done(result)),
      );
    });
    instance.on('response', (_client, status, _bytes, ms) => {
      times.push(ms);
      statuses[status] = (statuses[status] ?? 0) + 1;
    });
    const result = await finished;
    clearInterval(sampler);
    samples.push({ at: performance.now() - started, rss: child.rssMb() });

    const settled = samples.filter((sample) => sample.at >= SETTLE_MS);
    const baseline = settled[0]?.rss ?? Number.NaN;
    const lastMinute = samples.filter((sample) => sample.at >= samples.at(-1)!.at - SETTLE_MS);
    const last = lastMinute.reduce((sum, sample) => sum + sample.rss, 0) / lastMinute.length;
    const growth = (last - baseline) / baseline;
    const serverErrors = Object.entries(statuses).reduce((sum, [status, n]) => (Number(status) >= 500 ? sum + n : sum), 0);
    process.stdout.write(`\n## Memory soak — ${engine.name}, ask + events + leads in rotation, ${CONNECTIONS} connections, ${SOAK_SECONDS} s\n\n`);
    process.stdout.write(
      table(
        ['requests', 'req/s', 'p50 ms', 'p99 ms', 'errors', '5xx', 'RSS start MB', 'RSS after 1 min', 'RSS last minute (mean)', 'growth after the first minute'],
        [[String(times.length), times.length / result.duration, percentile(times, 50), percentile(times, 99), String(result.errors + Object.entries(statuses).reduce((sum, [s, n]) => (Number(s) >= 300 ? sum + n : sum), 0)), String(serverErrors), samples[0]!.rss, baseline, last, `${(100 * growth).toFixed(1)} %`]],
      ),
    );
    process.stdout.write(`\n\nRSS every ${SAMPLE_EVERY_MS / 1000} s (MB): ${samples.map((sample) => sample.rss.toFixed(0)).join(' ')}\n`);
    const verdict = Number.isNaN(growth) ? `too short to tell (needs more than ${(2 * SETTLE_MS) / 1000} s)` : Math.abs(growth) <= SOAK_FLAT_TOLERANCE ? 'yes' : 'NO';
    process.stdout.write(`Flat memory (last minute within ${100 * SOAK_FLAT_TOLERANCE} % of the RSS after the first): ${verdict}\n`);
  } finally {
    await child.stop();
    await drop();
  }
}
