import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../platform/config.js';
import { createTenant } from '../platform/auth/key-store.js';
import type { Database } from '../platform/db/types.js';
import { createLogger } from '../platform/logger.js';
import { createContext } from '../server.js';
import { freshPglite } from '../testing/engines.js';
import { leadsModule } from './index.js';
import { listLeads, getLead, sweepSlaBreaches } from './leads.service.js';

describe('demo leads', () => {
  let db: Database;
  beforeAll(async () => {
    ({ db } = await freshPglite());
  });
  afterAll(async () => {
    await db?.close();
  });

  it('seeds leads from four channels, some merged, some overdue, assigned to the demo reps', async () => {
    const ctx = await createContext(loadConfig({ LOG_LEVEL: 'silent' }), db, createLogger('silent'));
    const tenant = await createTenant(db, { name: '云策科技（演示）', slug: 'demo-seed' });
    await leadsModule.seedDemo!(ctx, tenant);
    const { leads } = await listLeads(db, tenant.id, { limit: 200 });
    expect(leads.length).toBeGreaterThanOrEqual(10);
    expect(new Set(leads.map((lead) => lead.industry))).toEqual(new Set(['制造业', '医疗', '零售', '金融']));
    expect(leads.every((lead) => lead.assignee !== null)).toBe(true);
    expect(leads.some((lead) => lead.assignee?.name === '王磊')).toBe(true);
    const details = await Promise.all(leads.map((lead) => getLead(db, tenant.id, lead.id)));
    const channels = new Set(details.flatMap((lead) => lead.touchpoints.map((t) => t.channel)));
    expect(channels).toEqual(new Set(['api', 'ad_platform', 'call_center', 'trade_show_qr']));
    expect(details.filter((lead) => lead.merges.length > 0).length).toBeGreaterThanOrEqual(2);
    const overdue = await listLeads(db, tenant.id, { overdue: true, limit: 200 });
    expect(overdue.leads.length).toBeGreaterThanOrEqual(2);
    expect(await sweepSlaBreaches(db)).toBe(overdue.leads.length);
  });
});
