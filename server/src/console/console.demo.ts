import type { SignalRuleSet } from '@huashu/core';
import type { Principal } from '../platform/auth/authenticate.js';
import type { Tenant } from '../platform/auth/key-store.js';
import type { AppContext } from '../platform/context.js';
import { createEntry } from '../knowledge/knowledge.service.js';
import { getRules } from '../signals/signals.service.js';
import { ruleSetAdapters } from './adapters.js';
import { createDraft, startPilot } from './console.service.js';

const DAY_MS = 24 * 3600_000;
/** The demo pilot began a week ago and runs two weeks, as a director would try a change on a few reps. */
const PILOT_STARTED_DAYS_AGO = 7;
const PILOT_DAYS = 14;
/** The rep the demo page signs in as, and one colleague: their leads are scored by the pilot version. */
export const DEMO_PILOT_REPS = ['demo-rep-01', 'demo-rep-02'];

/** Weights the pilot raises: a booked demo and time on pricing say more in this region. */
const PILOT_WEIGHTS: Record<string, number> = { demo_booked: 0.8, pricing_dwell: 0.45, poc_requested: 0.95 };

/** A rep's contribution waiting in the review queue (the conversation capture adds candidates of its own). */
export const DEMO_PENDING_ENTRY = {
  question: '你们的系统支持信创国产化环境吗？',
  answer: '支持。我们已完成麒麟、统信操作系统和达梦、人大金仓数据库的适配认证，可提供适配证明和两家省级医院的上线案例。',
  evidence: [{ kind: 'case' as const, title: '某省人民医院信创改造案例' }],
  tags: ['信创', '国产化'],
  industry: '医疗',
};

/**
 * A signal-rule pilot on the demo tenant (after the signals domain seeded its
 * live rules), so the console shows a version in pilot, its audit entries and
 * the pilot reps' scores moving while everyone else's stay.
 */
export async function seedConsoleDemo(ctx: AppContext, tenant: Tenant): Promise<void> {
  const contributor: Principal = { kind: 'rep', tenantId: tenant.id, keyId: 'demo-seed', rep: { repId: 'demo-rep-02', name: '李娜', role: 'rep', kid: 'demo-seed', expiresAt: new Date() } };
  await createEntry(ctx, contributor, DEMO_PENDING_ENTRY);
  const live = (await getRules(ctx.db, tenant.id)).rules;
  if (!live) return;
  const principal: Principal = { kind: 'secret', tenantId: tenant.id, keyId: 'demo-seed' };
  const content: SignalRuleSet = { ...live, weights: live.weights.map((rule) => (rule.id in PILOT_WEIGHTS ? { ...rule, weight: PILOT_WEIGHTS[rule.id]! } : rule)) };
  const adapter = ruleSetAdapters['signal-rules'];
  const draft = await createDraft(ctx, principal, 'signal-rules', adapter, { content, note: '华东区试点：提高演示预约与定价页停留的权重' });
  const now = Date.now();
  await startPilot(ctx, principal, 'signal-rules', adapter, draft.version, {
    repIds: DEMO_PILOT_REPS,
    from: new Date(now - PILOT_STARTED_DAYS_AGO * DAY_MS).toISOString(),
    until: new Date(now + (PILOT_DAYS - PILOT_STARTED_DAYS_AGO) * DAY_MS).toISOString(),
  });
  ctx.logger.info({ version: draft.version }, 'demo signal-rule pilot started');
}
