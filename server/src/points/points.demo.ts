import type { AppContext } from '../platform/context.js';
import type { Tenant } from '../platform/auth/key-store.js';
import { putRewards } from './points.store.js';

/** The demo tenant's rewards catalogue: what a sales team actually trades points for. */
export const DEMO_REWARDS = [
  { id: 'training-course', name: '培训课程（任选一门外部销售课）', description: '公司报销一门外部销售或行业课程。', cost: 200, stock: 10 },
  { id: 'key-project', name: '重点项目优先参与', description: '下一个重点客户项目优先由你跟进。', cost: 500, stock: 3 },
  { id: 'extra-leave', name: '额外假期一天', description: '经主管确认后使用，不占年假。', cost: 800, stock: 5 },
  { id: 'coffee', name: '团队咖啡券', cost: 30 },
];

export async function seedDemoPoints(ctx: AppContext, tenant: Tenant): Promise<void> {
  await ctx.db.transaction((tx) => putRewards(tx, tenant.id, DEMO_REWARDS));
  ctx.logger.info({ rewards: DEMO_REWARDS.length }, 'demo rewards catalogue loaded');
}
