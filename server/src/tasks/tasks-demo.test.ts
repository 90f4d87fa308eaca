import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLeadsModule } from '../leads/index.js';
import type { Principal } from '../platform/auth/authenticate.js';
import { loadConfig } from '../platform/config.js';
import { createTenant } from '../platform/auth/key-store.js';
import type { Database } from '../platform/db/types.js';
import { createLogger } from '../platform/logger.js';
import { pipelineModule } from '../pipeline/index.js';
import { dailyReport } from '../reports/index.js';
import { createContext } from '../server.js';
import { freshPglite } from '../testing/engines.js';
import { tasksModule } from './index.js';
import { listTasks, timeline } from './tasks.service.js';

describe('demo tasks', () => {
  let db: Database;
  beforeAll(async () => {
    ({ db } = await freshPglite());
  });
  afterAll(async () => {
    await db?.close();
  });

  it('seeds task cards with a template, a deliverable taken after a round of changes, and open ones the daily report counts', async () => {
    const ctx = await createContext(loadConfig({ LOG_LEVEL: 'silent' }), db, createLogger('silent'));
    const tenant = await createTenant(db, { name: '云策科技（演示）', slug: 'demo-tasks' });
    for (const module of [createLeadsModule(), pipelineModule, tasksModule]) await module.seedDemo!(ctx, tenant);
    const principal: Principal = { kind: 'secret', tenantId: tenant.id, keyId: 'test' };
    const { tasks } = await listTasks(ctx, principal, {});
    expect(tasks).toHaveLength(3);
    const approved = tasks.find((task) => task.status === 'approved')!;
    expect(approved).toMatchObject({ title: '技术可行性评估报告', assignee: 'demo-presales-01', deliverable: { version: 2 } });
    expect(approved.context.constraints).toEqual(['现场PLC为西门子S7-1500，仅支持OPC UA接入']);
    expect((await timeline(ctx, tenant.id, approved.id)).events.map((event) => event.kind)).toEqual(['created', 'change', 'comment', 'deliverable', 'decision', 'deliverable', 'decision']);
    expect(tasks.filter((task) => task.overdue)).toHaveLength(1);
    const report = await dailyReport(ctx, principal, { rep: 'demo-rep-01' });
    expect(report.pendingTasks).toMatchObject({ total: 2, overdue: 1 });
  });
});
