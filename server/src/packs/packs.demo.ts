import type { LearningPackInput } from '@huashu/core';
import { LearningPackInput as PackSchema } from '@huashu/core';
import type { Tenant } from '../platform/auth/key-store.js';
import type { AppContext } from '../platform/context.js';
import { upsertPack } from './packs.store.js';

/** Where the demo's documents would live; `.example` is reserved, so nothing real is linked. */
const DOCS = 'https://docs.yunce.example/playbooks';

/** Reps hired within a quarter get the demo packs (the demo rep joined in October 2026). */
const NEW_HIRE_DAYS = 90;

export const DEMO_PACKS: Record<string, LearningPackInput> = {
  'hospital-it': {
    name: '医院信息化新人学习包',
    description: '第一次跟进医院信息科客户前，先读完这些：HIS 对接、采购流程和一份实施清单。',
    scenario: { industry: '医院信息化' },
    audience: { hiredWithinDays: NEW_HIRE_DAYS },
    items: [
      { id: 'his-faq', kind: 'faq', title: 'HIS 对接常见问题', url: `${DOCS}/hospital/his-integration-faq` },
      { id: 'tender-process', kind: 'process', title: '三甲医院采购流程：科室立项 → 院长办公会 → 公开招标', url: `${DOCS}/hospital/tertiary-procurement` },
      { id: 'case-checklist', kind: 'checklist', title: '成功案例实施清单', url: `${DOCS}/hospital/implementation-checklist` },
      { id: 'his-case', kind: 'case', title: '华东某三甲医院：六周完成 HIS 对接', url: `${DOCS}/hospital/case-east-china` },
    ],
    entries: { industry: '医院信息化', limit: 3 },
  },
  manufacturing: {
    name: '制造业新人学习包',
    description: '工厂客户最常问的集成、采购与上线问题。',
    scenario: { industry: '制造业' },
    audience: { hiredWithinDays: NEW_HIRE_DAYS },
    items: [
      { id: 'mes-faq', kind: 'faq', title: 'MES / ERP 集成常见问题', url: `${DOCS}/manufacturing/mes-erp-faq` },
      { id: 'group-purchase', kind: 'process', title: '集团采购与多厂联签流程', url: `${DOCS}/manufacturing/group-purchasing` },
      { id: 'go-live-checklist', kind: 'checklist', title: '工厂上线前检查清单', url: `${DOCS}/manufacturing/go-live-checklist` },
      { id: 'tco-case', kind: 'case', title: '某汽车零部件厂：三年总成本降低 18%', url: `${DOCS}/manufacturing/case-auto-parts` },
    ],
    entries: { industry: '制造业', limit: 3 },
  },
  retail: {
    name: '零售连锁新人学习包',
    description: '门店系统对接、总部审批和大促保障。',
    scenario: { industry: '零售' },
    audience: { hiredWithinDays: NEW_HIRE_DAYS },
    items: [
      { id: 'pos-faq', kind: 'faq', title: '门店 POS 与会员系统对接 FAQ', url: `${DOCS}/retail/pos-membership-faq` },
      { id: 'hq-approval', kind: 'process', title: '连锁总部采购审批流程', url: `${DOCS}/retail/hq-approval` },
      { id: 'peak-checklist', kind: 'checklist', title: '大促前系统保障清单', url: `${DOCS}/retail/peak-season-checklist` },
      { id: 'fast-case', kind: 'case', title: '某零售连锁：10 个工作日上线', url: `${DOCS}/retail/case-ten-days` },
    ],
    entries: { industry: '零售', limit: 3 },
  },
};

export async function seedDemoPacks(ctx: AppContext, tenant: Tenant): Promise<void> {
  for (const [slug, pack] of Object.entries(DEMO_PACKS)) {
    const parsed = PackSchema.parse(pack);
    await upsertPack(ctx.db, tenant.id, slug, {
      name: parsed.name,
      description: parsed.description,
      industry: parsed.scenario.industry,
      tags: parsed.scenario.tags,
      hiredWithinDays: parsed.audience.hiredWithinDays,
      items: parsed.items,
      entryFilter: parsed.entries,
    });
  }
  ctx.logger.info({ packs: Object.keys(DEMO_PACKS).length }, 'demo learning packs loaded');
}
