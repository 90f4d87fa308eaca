import { CHINA_UTC_OFFSET_MINUTES, localDate } from '@huashu/core';
import type { Principal } from '../platform/auth/authenticate.js';
import { createTenant } from '../platform/auth/key-store.js';
import { loadConfig } from '../platform/config.js';
import type { Database } from '../platform/db/types.js';
import { createLogger } from '../platform/logger.js';
import { ingestEvents, putStages } from '../pipeline/pipeline.service.js';
import { dailyReport, leadTimeline } from '../reports/index.js';
import { createContext } from '../server.js';
import { createTask } from '../tasks/tasks.service.js';
import { percentile, table, timeEach } from './stats.js';

/**
 * `GET /v1/reports/daily` for a rep with 1,000 leads and 10,000 tracked
 * events (in a tenant of ten such reps), 300 of the leads with a deal and 30
 * open tasks; and `GET /v1/leads/:id/timeline` for one of those leads. Each
 * beside a baseline in the same run: the plain SQL that counts the report's
 * headline figures (new leads and manufacturing ones today, leads with a high
 * stored score, open tasks, breaches today) without intent decay, stalled
 * detection or any of the lists — what the report costs over the cheapest
 * possible answer.
 */

const REPS = Number(process.env['BENCH_REPORT_REPS'] ?? 10);
const LEADS_PER_REP = Number(process.env['BENCH_REPORT_LEADS'] ?? 1000);
const EVENTS_PER_LEAD = Number(process.env['BENCH_REPORT_EVENTS_PER_LEAD'] ?? 10);
const DEALS = 300;
const TASKS = 30;
const RUNS = Number(process.env['BENCH_REPORT_RUNS'] ?? 30);
const WARM_UP = 3;
const DAY_MS = 86_400_000;
const BENCH_REP = 'rep-0';
/** The target in the issue: the report within half a second at p95. */
const TARGET_P95_MS = 500;

export interface ReportsBenchRow {
  engine: string;
  leads: number;
  events: number;
  reportP50: number;
  reportP95: number;
  baselineP50: number;
  baselineP95: number;
  timelineP50: number;
  timelineP95: number;
}

interface EngineHandle {
  name: string;
  open(): Promise<{ db: Database }>;
}

/** Leads spread over the last 90 days (4 % today), industries cycling, 1 in 50 breached today; events 10 per lead; stored scores so about a fifth are hot. */
async function seed(db: Database, tenantId: string, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO leads (id, tenant_id, name, company, source, owner_rep_id, industry, created_at, sla_breached_at)
     SELECT 'lead-' || r || '-' || i, $1, '客户' || i, '公司' || i, 'website', 'rep-' || r,
            (ARRAY['制造业', '金融', '医疗', '零售', '智能制造'])[(i % 5) + 1],
            CASE WHEN i % 25 = 0 THEN $2::timestamptz - (i % 7) * interval '1 hour' ELSE $2::timestamptz - ((i % 90) + 1) * interval '1 day' END,
            CASE WHEN i % 50 = 0 THEN $2::timestamptz - interval '30 minutes' END
     FROM generate_series(0, $3::int - 1) AS r CROSS JOIN generate_series(1, $4::int) AS i`,
    [tenantId, now, REPS, LEADS_PER_REP],
  );
  await db.query(
    `INSERT INTO events (tenant_id, message_id, type, event, lead_id, properties, occurred_at)
     SELECT $1, 'm-' || r || '-' || i || '-' || k, 'track', (ARRAY['page_dwell', 'document_download'])[(k % 2) + 1], 'lead-' || r || '-' || i, '{}'::jsonb,
            $2::timestamptz - (k * 7 + (i % 5)) * interval '1 hour'
     FROM generate_series(0, $3::int - 1) AS r CROSS JOIN generate_series(1, $4::int) AS i CROSS JOIN generate_series(1, $5::int) AS k`,
    [tenantId, now, REPS, LEADS_PER_REP, EVENTS_PER_LEAD],
  );
  await db.query(
    `INSERT INTO signal_scores (tenant_id, lead_id, sum, sum_at, half_life_ms)
     SELECT $1, 'lead-' || r || '-' || i, (i % 10) * 0.25, $2, $5 FROM generate_series(0, $3::int - 1) AS r CROSS JOIN generate_series(1, $4::int) AS i`,
    [tenantId, now, REPS, LEADS_PER_REP, 7 * DAY_MS],
  );
  await db.query(`ANALYZE leads`);
  await db.query(`ANALYZE signal_scores`);
}

export async function benchReports(engine: EngineHandle, progress: (message: string) => void): Promise<ReportsBenchRow> {
  const { db } = await engine.open();
  try {
    const config = loadConfig({ ...process.env, DATABASE_URL: undefined, PORT: '0', LOG_LEVEL: 'silent', HUASHU_EMBEDDER: 'local' });
    const ctx = await createContext(config, db, createLogger('silent'));
    const tenant = await createTenant(db, { name: 'reports bench', slug: `reports-${Date.now() % 1_000_000}` });
    const now = new Date();
    progress(`${engine.name}: seeding ${REPS} reps × ${LEADS_PER_REP} leads × ${EVENTS_PER_LEAD} events`);
    await seed(db, tenant.id, now);
    await putStages(ctx, tenant.id, { stages: [{ key: 'qualify', name: '线索确认', order: 1, stall: { workingDays: 5 } }, { key: 'demo', name: '方案演示', order: 2, stall: { workingDays: 3 } }] });
    const events = Array.from({ length: DEALS }, (_, i) => ({
      id: `d-${i}`,
      type: 'deal.stage_changed',
      dealId: `deal-${i}`,
      at: new Date(now.getTime() - ((i % 20) + 1) * DAY_MS).toISOString(),
      to: i % 2 === 0 ? 'qualify' : 'demo',
      owner: BENCH_REP,
      leadId: `lead-0-${i + 1}`,
    }));
    await ingestEvents(ctx, tenant.id, events, now);
    const secret: Principal = { kind: 'secret', tenantId: tenant.id, keyId: 'bench' };
    for (let i = 0; i < TASKS; i++) {
      await createTask(ctx, secret, { type: 'presales_support', dealId: `deal-${i}`, assigneeRole: 'presales', due: new Date(now.getTime() + (i % 3 === 0 ? -DAY_MS : DAY_MS)).toISOString(), actor: { id: BENCH_REP } }, new Date(now.getTime() - 3_600_000));
    }
    const date = localDate(now, CHINA_UTC_OFFSET_MINUTES);
    const from = new Date(`${date}T00:00:00+08:00`);
    const to = new Date(from.getTime() + DAY_MS);
    const baseline = () =>
      db.query(
        `SELECT (SELECT count(*) FROM leads WHERE tenant_id = $1 AND owner_rep_id = $2 AND created_at >= $3 AND created_at < $4) AS new_leads,
                (SELECT count(*) FROM leads WHERE tenant_id = $1 AND owner_rep_id = $2 AND created_at >= $3 AND created_at < $4 AND industry LIKE '%制造%') AS manufacturing,
                (SELECT count(*) FROM signal_scores s JOIN leads l ON l.tenant_id = s.tenant_id AND l.id = s.lead_id WHERE s.tenant_id = $1 AND l.owner_rep_id = $2 AND s.sum >= 1) AS hot,
                (SELECT count(*) FROM tasks WHERE tenant_id = $1 AND (requester_id = $2 OR assignee = $2) AND status <> 'approved' AND status <> 'cancelled') AS tasks,
                (SELECT count(*) FROM leads WHERE tenant_id = $1 AND owner_rep_id = $2 AND sla_breached_at >= $3 AND sla_breached_at < $4) AS breaches`,
        [tenant.id, BENCH_REP, from, to],
      );
    const report = () => dailyReport(ctx, secret, { rep: BENCH_REP, date }, now);
    const check = await report();
    if (check.newLeads.total === 0 || check.highIntent.customers === 0 || check.pendingTasks.total !== TASKS) throw new Error(`the seeded report is empty: ${JSON.stringify(check.headline)}`);
    const timeline = () => leadTimeline(ctx, secret, 'lead-0-1', now);
    const reportTimes: number[] = [];
    const baselineTimes: number[] = [];
    const timelineTimes: number[] = [];
    progress(`${engine.name}: daily report, its baseline and a lead timeline, ${RUNS} runs each, interleaved`);
    for (let run = 0; run < WARM_UP + RUNS; run++) {
      const [reportTime] = await timeEach([run], report);
      const [baselineTime] = await timeEach([run], baseline);
      const [timelineTime] = await timeEach([run], timeline);
      if (run < WARM_UP) continue;
      reportTimes.push(reportTime!);
      baselineTimes.push(baselineTime!);
      timelineTimes.push(timelineTime!);
    }
    return {
      engine: engine.name,
      leads: LEADS_PER_REP,
      events: LEADS_PER_REP * EVENTS_PER_LEAD,
      reportP50: percentile(reportTimes, 50),
      reportP95: percentile(reportTimes, 95),
      baselineP50: percentile(baselineTimes, 50),
      baselineP95: percentile(baselineTimes, 95),
      timelineP50: percentile(timelineTimes, 50),
      timelineP95: percentile(timelineTimes, 95),
    };
  } finally {
    await db.close();
  }
}

/** Runs the reports benchmark on each engine and prints its table (`BENCH_ONLY=reports` runs only this one). */
export async function runReportsBench(engines: readonly EngineHandle[], progress: (message: string) => void): Promise<void> {
  const only = process.env['BENCH_ONLY'];
  if (only && only !== 'reports') return;
  const rows: ReportsBenchRow[] = [];
  for (const engine of engines) rows.push(await benchReports(engine, progress));
  process.stdout.write(`\n## Reports: the daily report of a rep with ${LEADS_PER_REP.toLocaleString('en-US')} leads and ${(LEADS_PER_REP * EVENTS_PER_LEAD).toLocaleString('en-US')} events (tenant of ${REPS} such reps), ${RUNS} runs (ms)\n\n`);
  process.stdout.write(
    table(
      ['engine', 'leads', 'events', 'report p50', 'report p95', 'baseline p50', 'baseline p95', 'p95 ratio (report / baseline)', 'lead timeline p50', 'lead timeline p95'],
      rows.map((row) => [row.engine, row.leads, row.events, row.reportP50, row.reportP95, row.baselineP50, row.baselineP95, `${(row.reportP95 / row.baselineP95).toFixed(1)}×`, row.timelineP50, row.timelineP95]),
    ),
  );
  process.stdout.write(`\n\nTarget: report p95 ≤ ${TARGET_P95_MS} ms. The baseline is one SQL statement counting the headline figures (no intent decay, no stalled-deal detection, no lists).\n`);
}
