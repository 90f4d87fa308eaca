import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestTenant } from '../../testing/index.js';
import { openDatabase } from './open.js';
import type { Database } from './types.js';
import { classifyDatabaseError, DatabaseUnavailable, isConnectionFailure } from './unavailable.js';

describe('connection failures are told apart from every other database error', () => {
  const withCode = (message: string, code: string, severity?: string) => Object.assign(new Error(message), { code, ...(severity ? { severity } : {}) });

  it('counts refused and reset sockets, shutdown SQLSTATEs and pg’s own connection messages', () => {
    expect(isConnectionFailure(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    expect(isConnectionFailure(withCode('read ECONNRESET', 'ECONNRESET'))).toBe(true);
    expect(isConnectionFailure(withCode('terminating connection due to administrator command', '57P01', 'FATAL'))).toBe(true);
    expect(isConnectionFailure(withCode('the database system is starting up', '57P03', 'FATAL'))).toBe(true);
    expect(isConnectionFailure(withCode('sorry, too many clients already', '53300', 'FATAL'))).toBe(true);
    expect(isConnectionFailure(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionFailure(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isConnectionFailure(new AggregateError([withCode('connect ECONNREFUSED ::1:5432', 'ECONNREFUSED')], ''))).toBe(true);
  });

  it('leaves constraint violations, bad input and programming errors alone', () => {
    const unique = withCode('duplicate key value violates unique constraint', '23505', 'ERROR');
    expect(isConnectionFailure(unique)).toBe(false);
    expect(classifyDatabaseError(unique)).toBe(unique);
    expect(isConnectionFailure(withCode('invalid input syntax for type uuid', '22P02', 'ERROR'))).toBe(false);
    expect(isConnectionFailure(new TypeError('Cannot read properties of undefined'))).toBe(false);
    expect(classifyDatabaseError(new Error('Connection terminated'))).toBeInstanceOf(DatabaseUnavailable);
  });
});

/**
 * Against a throw-away cluster of its own (never the shared one), stopped and
 * started under the running server. Needs DATABASE_URL (the sign that this
 * machine has Postgres) and the cluster script from ../shared/scripts.
 */
const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const script = process.env['HUASHU_PG_SCRIPT'] ?? join(repoRoot, '../shared/scripts/postgres-pgvector.sh');
const OUTAGE_PORT = process.env['HUASHU_OUTAGE_PG_PORT'] ?? '55440';
// The script starts clusters as the postgres user through runuser, which needs root.
const canRun = Boolean(process.env['DATABASE_URL']) && existsSync(script) && process.getuid?.() === 0;
if (!canRun) console.warn(`database outage test skipped: needs DATABASE_URL, root, and ${script}`);

/** Asks until the answer is not a 503, at most `tries` times a quarter second apart. */
async function untilServed(call: () => Promise<{ status: number }>, tries: number): Promise<number> {
  let status = 503;
  for (let attempt = 0; attempt < tries && status === 503; attempt++) {
    status = (await call()).status;
    if (status === 503) await new Promise((done) => setTimeout(done, 250));
  }
  return status;
}

describe.skipIf(!canRun)('the database goes away under a running server (Postgres)', () => {
  let dir: string;
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;
  const cluster = (...args: string[]) => execFileSync('bash', [script, ...args], { encoding: 'utf8' }).trim();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'huashu-outage-'));
    const url = cluster('start', dir, OUTAGE_PORT);
    db = await openDatabase({ databaseUrl: url, onIdleError: () => undefined });
    server = await startTestServer(db, { HUASHU_JOBS: '0' });
    tenant = await server.tenant();
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await db?.close().catch(() => undefined);
    try {
      cluster('stop', dir);
    } catch {
      // Already stopped by a failed test.
    }
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const lead = (i: number) => server.call('POST', '/v1/leads', { key: tenant.publishableKey, body: { idempotencyKey: `outage-${i}`, name: `客户${i}`, phone: `1390000${String(i).padStart(4, '0')}`, source: 'website' } });

  it('survives the server going away while a transaction holds a connection between two statements', async () => {
    let began!: () => void;
    let resume!: () => void;
    const started = new Promise<void>((resolve) => (began = resolve));
    const stopped = new Promise<void>((resolve) => (resume = resolve));
    const held = db.transaction(async (tx) => {
      await tx.query('SELECT 1');
      began();
      await stopped;
      await tx.query('SELECT 1');
    });
    await started;
    cluster('stop', dir);
    // Long enough for the shutdown message to reach the idle, checked-out connection.
    await new Promise((done) => setTimeout(done, 500));
    resume();
    await expect(held).rejects.toBeInstanceOf(DatabaseUnavailable);
    cluster('start', dir, OUTAGE_PORT);
    expect(await untilServed(() => server.call('GET', '/healthz'), 40)).toBe(200);
  }, 60_000);

  it('answers 503 service_unavailable with Retry-After while it is down, and serves again once it is back', async () => {
    expect((await lead(1)).status).toBe(201);
    cluster('stop', dir);

    const down = await lead(2);
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe('service_unavailable');
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
    const health = await server.call('GET', '/healthz');
    expect(health.status).toBe(503);
    const ask = await server.call('POST', '/v1/assistant/ask', { key: tenant.secretKey, body: { question: '价格太贵怎么办' } });
    expect(ask.status).toBe(503);

    cluster('start', dir, OUTAGE_PORT);
    expect(await untilServed(() => lead(2), 40)).toBe(201);
    // The lead refused while the database was down was stored once, on the retry.
    const replay = await lead(2);
    expect(replay.body.created).toBe(false);
    const count = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM leads WHERE tenant_id = $1`, [tenant.id]);
    expect(count.rows[0]!.n).toBe(2);
  }, 90_000);
});
