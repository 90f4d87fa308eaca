import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runReplicaScenario } from './replicas.js';

/**
 * Two real server processes on one Postgres, one killed with SIGKILL under
 * load (the scenario of `npm run bench -- --only replicas`). The replicas run
 * the compiled server, so `npx tsc -b` must have run.
 */
const url = process.env['DATABASE_URL'];
const compiled = existsSync(fileURLToPath(new URL('../../dist/bench/serve-child.js', import.meta.url)));
if (!url) console.warn('replica test skipped: needs DATABASE_URL (two processes cannot share an in-memory PGlite)');
else if (!compiled) console.warn('replica test skipped: build first (npx tsc -b), the replicas run server/dist');

describe.skipIf(!url || !compiled)('two replicas on one Postgres, one killed with -9 mid-load', () => {
  it('stores every event and lead once and delivers every lead.created webhook, while the survivor keeps serving', async () => {
    const report = await runReplicaScenario(url!, { seconds: 6 });
    expect(report.eventsSent).toBeGreaterThan(0);
    expect(report.eventsStored).toBe(report.eventsSent);
    expect(report.eventRows).toBe(report.eventsSent);
    expect(report.leadsSent).toBeGreaterThan(0);
    expect(report.leadsStored).toBe(report.leadsSent);
    expect(report.leadsDelivered).toBe(report.leadsStored);
    // Webhooks are at least once: a delivery the killed replica made but never recorded may come again, under the same webhook-id.
    expect(report.deliveriesDistinct).toBe(report.leadsStored);
    expect(report.survivorServedAfterKill).toBeGreaterThan(0);
    expect(report.survivorServerErrors).toBe(0);
    expect(report.deadJobs).toBe(0);
  }, 120_000);
});
