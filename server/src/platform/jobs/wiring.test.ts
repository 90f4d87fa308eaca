import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEngines } from '../../testing/engines.js';
import { createLogger } from '../logger.js';
import { loadConfig } from '../config.js';
import type { Database } from '../db/types.js';
import { defineRoute } from '../http/route.js';
import type { DomainModule } from '../module.js';
import { startServer, type RunningServer } from '../../server.js';
import { createTenant, issueKey } from '../auth/key-store.js';
import { emit, enqueue } from './index.js';

/** A module of the kind domains are: a route that changes something and emits, a job, a consumer. */
function probeModule(seen: { jobs: string[]; events: string[] }): DomainModule {
  return {
    name: 'probe',
    routes: [
      defineRoute({
        method: 'post',
        path: '/v1/probe',
        summary: 'test only',
        tag: 'probe',
        auth: ['secret'],
        async handler({ principal, ctx }) {
          await ctx.db.transaction(async (tx) => {
            await enqueue(tx, { type: 'probe.work', tenantId: principal.tenantId, payload: { n: 1 } });
            await emit(tx, { tenantId: principal.tenantId, type: 'probe.changed', data: { n: 1 } });
          });
          return { ok: true };
        },
      }),
    ],
    jobs: [{ type: 'probe.work', handler: async (_ctx, job) => void seen.jobs.push(job.id) }],
    consumers: [{ name: 'probe-listener', types: ['probe.changed'], deliver: async (_ctx, event) => void seen.events.push(event.id) }],
  };
}

async function until(check: () => boolean, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not reached before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.each(testEngines())('the server runs its modules’ jobs and consumers on $name', (engine) => {
  let db: Database;
  const servers: RunningServer[] = [];

  beforeAll(async () => {
    db = await engine.open();
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    await db.close();
  });

  async function serve(env: Record<string, string>, seen: { jobs: string[]; events: string[] }) {
    const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', HUASHU_JOBS_INTERVAL_MS: '20', ...env });
    const running = await startServer({ config, db, logger: createLogger('silent'), modules: [probeModule(seen)] });
    servers.push(running);
    return running;
  }

  it('runs a job and delivers an event committed by a request, and lists the job', async () => {
    const seen = { jobs: [] as string[], events: [] as string[] };
    const running = await serve({}, seen);
    const tenant = await createTenant(db, { name: 'probe', slug: `probe-${engine.name}` });
    const { key } = await issueKey(db, tenant.id, 'secret');
    const res = await fetch(`${running.url}/v1/probe`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    await until(() => seen.jobs.length === 1 && seen.events.length === 1);
    const listed = await fetch(`${running.url}/v1/jobs?type=probe.work`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await listed.json()) as { jobs: unknown[] }).jobs).toEqual([expect.objectContaining({ type: 'probe.work', state: 'succeeded' })]);
  });

  it('serves HTTP only with HUASHU_JOBS=0', async () => {
    const seen = { jobs: [] as string[], events: [] as string[] };
    const running = await serve({ HUASHU_JOBS: '0' }, seen);
    expect(running.jobs).toBeUndefined();
  });
});
