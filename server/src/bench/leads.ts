import { randomUUID } from 'node:crypto';
import type { PGlite } from '@electric-sql/pglite';
import { allModules } from '../modules.js';
import { loadConfig } from '../platform/config.js';
import type { Database } from '../platform/db/types.js';
import { createLogger } from '../platform/logger.js';
import { createTenant, issueKey } from '../platform/auth/key-store.js';
import { startServer } from '../server.js';
import { table } from './stats.js';

/**
 * Leads/s through `POST /v1/leads` — HTTP, validation, phone normalisation,
 * identity locks, de-duplication against 100k existing leads, assignment, SLA,
 * outbox events — beside plain INSERTs of the same rows (a lead and its
 * touchpoint per transaction, no de-duplication) in the same run.
 */

interface EngineHandle {
  name: 'pglite' | 'postgres';
  open(): Promise<{ db: Database; pglite?: PGlite; url?: string }>;
}

export interface LeadsBenchRow {
  engine: string;
  existing: number;
  submissions: number;
  merged: number;
  apiPerSecond: number;
  plainPerSecond: number;
}

const EXISTING = Number(process.env['BENCH_LEADS_EXISTING'] ?? 100_000);
const SUBMISSIONS = { pglite: Number(process.env['BENCH_LEADS_PGLITE'] ?? 2_000), postgres: Number(process.env['BENCH_LEADS_POSTGRES'] ?? 5_000) };
const CONCURRENCY = 8;
/** Every other submission is a person already among the existing leads, in another phone format. */
const DUPLICATE_EVERY = 2;
/** Existing leads' phones: 139 + 8 digits from this base (mainland mobiles, valid for libphonenumber). */
const EXISTING_BASE = 10_000_000;
const NEW_BASE = 60_000_000;

/** 100k leads with their phone identities and a touchpoint each, in three statements. */
async function seedExisting(db: Database, tenantId: string, count: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO leads (id, tenant_id, name, phone, company, source, created_at, updated_at, first_response_due_at)
       SELECT 'bench-' || g, $1, '客户' || g, '+86139' || ($2::bigint + g), '公司' || (g % 5000), 'import', now() - g * interval '1 second', now(), now() + interval '48 hours'
       FROM generate_series(1, $3::int) AS g`,
      [tenantId, EXISTING_BASE, count],
    );
    await tx.query(
      `INSERT INTO lead_identities (tenant_id, kind, value, lead_id)
       SELECT $1, 'phone', '+86139' || ($2::bigint + g), 'bench-' || g FROM generate_series(1, $3::int) AS g`,
      [tenantId, EXISTING_BASE, count],
    );
    await tx.query(
      `INSERT INTO lead_touchpoints (id, tenant_id, lead_id, source, channel)
       SELECT 'bench-tp-' || g, $1, 'bench-' || g, 'import', 'api' FROM generate_series(1, $2::int) AS g`,
      [tenantId, count],
    );
  });
  await db.query(`ANALYZE leads`);
  await db.query(`ANALYZE lead_identities`);
}

function submissions(count: number, existing: number) {
  return Array.from({ length: count }, (_, i) => {
    const duplicate = i % DUPLICATE_EVERY === 0;
    const n = duplicate ? EXISTING_BASE + 1 + ((i * 7919) % existing) : NEW_BASE + i;
    const digits = `139${n}`;
    // Duplicates arrive formatted differently from how they were stored.
    const phone = duplicate ? `+86 ${digits.slice(0, 3)} ${digits.slice(3, 7)} ${digits.slice(7)}` : digits;
    return { name: `访客${i}`, phone, company: `公司${i % 5000}`, source: 'website', campaign: 'bench' };
  });
}

async function inParallel<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function benchEngine(engine: EngineHandle, progress: (message: string) => void): Promise<LeadsBenchRow> {
  const handle = await engine.open();
  const { db } = handle;
  try {
    // One client at full speed is the point here, not what rate limits are for; jobs (outbox consumers) are measured elsewhere.
    const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', HUASHU_EMBEDDER: 'local', HUASHU_RATE_LIMIT_PER_KEY: '0', HUASHU_RATE_LIMIT_PER_IP: '0', HUASHU_JOBS: '0' });
    const tenant = await createTenant(db, { name: 'leads bench', slug: `leads-${Date.now() % 1_000_000}` });
    const key = await issueKey(db, tenant.id, 'secret');
    progress(`${engine.name}: ${EXISTING} existing leads`);
    await seedExisting(db, tenant.id, EXISTING);
    const running = await startServer({ config, db, logger: createLogger('silent'), modules: allModules });
    const rows = submissions(SUBMISSIONS[engine.name], EXISTING);
    progress(`${engine.name}: ${rows.length} submissions through POST /v1/leads`);
    let merged = 0;
    const started = performance.now();
    await inParallel(rows, CONCURRENCY, async (body) => {
      const res = await fetch(`${running.url}/v1/leads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const result = (await res.json()) as { merged?: boolean; lead?: { id: string } };
      if (!result.lead) throw new Error(`lead not stored: ${res.status} ${JSON.stringify(result).slice(0, 200)}`);
      if (result.merged) merged++;
    });
    const apiPerSecond = rows.length / ((performance.now() - started) / 1000);
    await running.close();

    progress(`${engine.name}: the same ${rows.length} rows as plain INSERTs`);
    const plainTenant = await createTenant(db, { name: 'plain bench', slug: `plain-${Date.now() % 1_000_000}` });
    const plainStarted = performance.now();
    await inParallel(rows, CONCURRENCY, async (body) => {
      await db.transaction(async (tx) => {
        const id = randomUUID();
        await tx.query(`INSERT INTO leads (id, tenant_id, name, phone, company, source, campaign) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
          id,
          plainTenant.id,
          body.name,
          body.phone,
          body.company,
          body.source,
          body.campaign,
        ]);
        await tx.query(`INSERT INTO lead_touchpoints (id, tenant_id, lead_id, source, campaign) VALUES ($1, $2, $3, $4, $5)`, [randomUUID(), plainTenant.id, id, body.source, body.campaign]);
      });
    });
    const plainPerSecond = rows.length / ((performance.now() - plainStarted) / 1000);
    const active = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM leads WHERE tenant_id = $1 AND merged_into IS NULL`, [tenant.id]);
    const expected = EXISTING + rows.length - merged;
    if (active.rows[0]!.n !== expected) throw new Error(`de-duplication went wrong: ${active.rows[0]!.n} leads, expected ${expected}`);
    return { engine: engine.name, existing: EXISTING, submissions: rows.length, merged, apiPerSecond, plainPerSecond };
  } finally {
    await db.close();
  }
}

/** Runs on every engine and prints its section of the bench report. */
export async function runLeadsBench(engines: readonly EngineHandle[], progress: (message: string) => void): Promise<LeadsBenchRow[]> {
  const only = process.env['BENCH_ONLY'];
  if (only && only !== 'leads') return [];
  const rows: LeadsBenchRow[] = [];
  for (const engine of engines) rows.push(await benchEngine(engine, progress));
  process.stdout.write(`\n## Lead intake — POST /v1/leads with de-duplication on ${EXISTING.toLocaleString('en')} existing leads (${CONCURRENCY} in flight, every ${DUPLICATE_EVERY}nd a returning person) against plain INSERTs of the same rows\n\n`);
  process.stdout.write(
    table(
      ['engine', 'existing', 'submissions', 'merged', 'API leads/s', 'plain inserts/s', 'API / plain'],
      rows.map((row) => [row.engine, row.existing, row.submissions, row.merged, row.apiPerSecond, row.plainPerSecond, `${((100 * row.apiPerSecond) / row.plainPerSecond).toFixed(0)} %`]),
    ),
  );
  process.stdout.write('\n\nPlain inserts skip HTTP, validation, identity locks, de-duplication, assignment and the outbox: the ceiling for the same rows on that engine.\n');
  return rows;
}
