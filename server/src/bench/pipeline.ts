import { loadConfig } from '../platform/config.js';
import type { Database } from '../platform/db/types.js';
import { createLogger } from '../platform/logger.js';
import { createContext } from '../server.js';
import { createTenant } from '../platform/auth/key-store.js';
import { stageStats } from '../pipeline/index.js';
import { putStages } from '../pipeline/pipeline.service.js';
import { percentile, table, timeEach } from './stats.js';

/**
 * `GET /v1/pipeline/stage-stats` on 100k deals × 8 stage changes (800k stays),
 * grouped by region: the query's p95 beside a plain GROUP BY of the same rows
 * (count and average calendar days per stage and region) in the same run.
 * The ratio is what working days, percentiles, blocking rates, escalations
 * and backward moves cost over the simplest possible aggregate.
 */

const DEALS = Number(process.env['BENCH_PIPELINE_DEALS'] ?? 100_000);
const STAGES = ['线索确认', '需求调研', '方案演示', '技术验证', '招投标', '商务谈判', '合同审核', '赢单'];
const RUNS = Number(process.env['BENCH_PIPELINE_RUNS'] ?? 20);
const WARM_UP = 2;
/** One deal in this many failed a gate check once; one in STALLED_EVERY has a stall episode. */
const BLOCKED_EVERY = 20;
const STALLED_EVERY = 100;

export interface PipelineBenchRow {
  engine: string;
  deals: number;
  stays: number;
  statsP50: number;
  statsP95: number;
  plainP50: number;
  plainP95: number;
  /** The first call, which counts every stay's working minutes (what a change of working hours costs once). */
  firstCallMs: number;
}

interface EngineHandle {
  name: string;
  open(): Promise<{ db: Database }>;
}

/**
 * 100k deals spread over regions, industries and teams; deal i enters stage k
 * at start + k × ((i mod 10) + 1) days + (i·k mod 24) hours, so every stay
 * lasts between a few hours and about ten days and ends where the next begins.
 * Inserted by one INSERT … SELECT: the benchmark is about the query.
 */
async function seed(db: Database, tenantId: string, now: Date): Promise<number> {
  const result = await db.query(
    `INSERT INTO pipeline_stays (tenant_id, deal_id, seq, stage, from_stage, to_stage, entered_at, exited_at, entered_wm, owner, team, region, industry, product_line)
     SELECT $1, 'deal-' || i, k, ($3::text[])[k + 1], ($3::text[])[k], ($3::text[])[k + 2],
            base + (k * ((i % 10) + 1)) * interval '1 day' + ((i * k) % 24) * interval '1 hour',
            CASE WHEN k < 7 THEN base + ((k + 1) * ((i % 10) + 1)) * interval '1 day' + ((i * (k + 1)) % 24) * interval '1 hour' END,
            -- Counted by the first stage-stats call (the tenant has no calendar key yet), timed on its own.
            0,
            'rep-' || (i % 60), (ARRAY['华东一组', '华东二组', '华南大客户部', '华北行业组'])[(i % 4) + 1],
            (ARRAY['华东', '华南', '华北'])[(i % 3) + 1], (ARRAY['制造业', '医院信息化', '零售', '金融'])[(i % 4) + 1],
            (ARRAY['MES', 'HIS', '会员云', '风控'])[(i % 4) + 1]
     FROM generate_series(1, $2::int) AS i
     CROSS JOIN LATERAL (SELECT $4::timestamptz - interval '400 days' + (i % 200) * interval '1 day' + (i % 13) * interval '1 hour' AS base) b
     CROSS JOIN generate_series(0, 7) AS k`,
    [tenantId, DEALS, STAGES, now],
  );
  await db.query(
    `INSERT INTO pipeline_gate_checks (tenant_id, id, deal_id, stage, allowed, owner, team, region, industry, product_line, checked_at)
     SELECT s.tenant_id, 'gc-' || s.deal_id, s.deal_id, s.stage, false, s.owner, s.team, s.region, s.industry, s.product_line, s.entered_at
     FROM pipeline_stays s WHERE s.tenant_id = $1 AND s.seq = 3 AND substr(s.deal_id, 6)::int % $2 = 0`,
    [tenantId, BLOCKED_EVERY],
  );
  await db.query(
    `INSERT INTO pipeline_stall_episodes (tenant_id, deal_id, stage, since, entered_at, working_days, owner, team, region, industry, product_line, alert_event_id)
     SELECT s.tenant_id, s.deal_id, s.stage, s.entered_at, s.entered_at, 6, s.owner, s.team, s.region, s.industry, s.product_line, 'stall-' || s.deal_id
     FROM pipeline_stays s WHERE s.tenant_id = $1 AND s.seq = 6 AND substr(s.deal_id, 6)::int % $2 = 0`,
    [tenantId, STALLED_EVERY],
  );
  await db.query(`ANALYZE pipeline_stays`);
  return result.rowCount;
}

export async function benchPipeline(engine: EngineHandle, progress: (message: string) => void): Promise<PipelineBenchRow> {
  const { db } = await engine.open();
  try {
    const config = loadConfig({ ...process.env, DATABASE_URL: undefined, PORT: '0', LOG_LEVEL: 'silent', HUASHU_EMBEDDER: 'local' });
    const ctx = await createContext(config, db, createLogger('silent'));
    const tenant = await createTenant(db, { name: 'pipeline bench', slug: `pipeline-${Date.now() % 1_000_000}` });
    await putStages(ctx, tenant.id, { stages: STAGES.map((name, index) => ({ key: name, name, order: index + 1, ...(index === 3 ? { gate: { requiredFields: ['budget'] } } : {}) })) });
    const now = new Date();
    progress(`${engine.name}: seeding ${DEALS} deals × ${STAGES.length} stage changes`);
    const stays = await seed(db, tenant.id, now);
    const [firstCallMs] = await timeEach([0], () => stageStats(ctx, tenant.id, { groupBy: 'region' }, now));
    const runs = Array.from({ length: WARM_UP + RUNS }, (_, index) => index);
    progress(`${engine.name}: stage-stats and plain GROUP BY, ${RUNS} runs each, interleaved`);
    const plain = async () =>
      db.query(
        `SELECT stage, region, count(*) AS entries, avg(date_part('epoch', coalesce(exited_at, $2::timestamptz) - entered_at) / 86400) AS avg_days
         FROM pipeline_stays WHERE tenant_id = $1 GROUP BY stage, region`,
        [tenant.id, now],
      );
    const statsTimes: number[] = [];
    const plainTimes: number[] = [];
    // Interleaved, so a warming cache or a busy neighbour affects both alike.
    for (const run of runs) {
      const [statsTime] = await timeEach([run], async () => {
        const result = await stageStats(ctx, tenant.id, { groupBy: 'region' }, now);
        if (result.stats.length !== STAGES.length * 3) throw new Error(`expected ${STAGES.length * 3} cells, got ${result.stats.length}`);
      });
      const [plainTime] = await timeEach([run], plain);
      if (run >= WARM_UP) {
        statsTimes.push(statsTime!);
        plainTimes.push(plainTime!);
      }
    }
    return {
      engine: engine.name,
      deals: DEALS,
      stays,
      statsP50: percentile(statsTimes, 50),
      statsP95: percentile(statsTimes, 95),
      plainP50: percentile(plainTimes, 50),
      plainP95: percentile(plainTimes, 95),
      firstCallMs: firstCallMs!,
    };
  } finally {
    await db.close();
  }
}

/** Runs the pipeline benchmark on each engine and prints its table (`BENCH_ONLY=pipeline` runs only this one). */
export async function runPipelineBench(engines: readonly EngineHandle[], progress: (message: string) => void): Promise<void> {
  const only = process.env['BENCH_ONLY'];
  if (only && only !== 'pipeline') return;
  const rows: PipelineBenchRow[] = [];
  for (const engine of engines) rows.push(await benchPipeline(engine, progress));
  process.stdout.write(`\n## Pipeline: stage-stats (groupBy=region) on ${DEALS.toLocaleString('en-US')} deals × ${STAGES.length} stage changes, ${RUNS} runs (ms)\n\n`);
  process.stdout.write(
    table(
      ['engine', 'deals', 'stays', 'stage-stats p50', 'stage-stats p95', 'plain GROUP BY p50', 'plain GROUP BY p95', 'p95 ratio (stats / GROUP BY)', 'first call (recount)'],
      rows.map((row) => [row.engine, row.deals, row.stays, row.statsP50, row.statsP95, row.plainP50, row.plainP95, `${(row.statsP95 / row.plainP95).toFixed(2)}×`, row.firstCallMs]),
    ),
  );
  process.stdout.write('\n\nThe plain GROUP BY counts and averages calendar days per stage and region over the same rows; stage-stats adds working days (Chinese calendar, 调休), the p90, blocking rates, escalations and backward moves.\n');
  process.stdout.write('The first call counts every stay\'s working minutes once (stays seeded without them); after a change of working hours or holiday data the next call does the same.\n');
}
