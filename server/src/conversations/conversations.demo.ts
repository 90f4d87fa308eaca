import type { Tenant } from '../platform/auth/key-store.js';
import type { AppContext } from '../platform/context.js';
import { capture } from './conversations.service.js';

/** A WeCom chat with a hospital IT director, so the demo's review queue holds candidates captured from a conversation. */
const DEMO_CHAT = [
  { role: 'customer', speaker: '张主任', text: '方案我们科里看过了，整体还可以。', at: '2026-11-30T09:12:00+08:00' },
  { role: 'customer', speaker: '张主任', text: '就是明年的信息化预算还没批下来，你们这个报价比卫宁家高了不少。', at: '2026-11-30T09:13:00+08:00' },
  { role: 'rep', speaker: '王磊', text: '理解。我们可以按模块分期，先上门诊电子病历对接，首期费用压到总价的四成，剩下的进明年预算。', at: '2026-11-30T09:15:00+08:00' },
  { role: 'customer', speaker: '张主任', text: '那上线要多久？我们三月份迎检，时间很紧。', at: '2026-11-30T09:17:00+08:00' },
  { role: 'rep', speaker: '王磊', text: '首期六周可以上线，我们给华东另一家三甲医院就是六周完成 HIS 对接的，我把实施计划发您。', at: '2026-11-30T09:18:00+08:00' },
  { role: 'customer', speaker: '张主任', text: '好，发我看看。', at: '2026-11-30T09:20:00+08:00' },
] as const;

export async function seedDemoConversations(ctx: AppContext, tenant: Tenant): Promise<void> {
  const result = await capture(ctx, { kind: 'secret', tenantId: tenant.id, keyId: 'demo-seed' }, {
    messages: DEMO_CHAT.map((message) => ({ ...message })),
    source: 'wecom',
    conversationId: 'demo-wecom-zhang-2026-11-30',
    industry: '医院信息化',
  });
  ctx.logger.info({ snippets: result.snippets.length }, 'demo conversation captured');
}
