import type { LeadInput } from '@huashu/core';
import type { AppContext } from '../platform/context.js';
import type { Tenant } from '../platform/auth/key-store.js';
import type { DomainModule } from '../platform/module.js';
import { submissionFromInput, submissionFromPayload } from './intake.js';
import { slaBreachJob } from './leads.jobs.js';
import { leadRoutes, type LeadRouteOptions } from './leads.routes.js';
import { captureSubmission, recordFirstResponse } from './leads.service.js';
import { PRESET_SAMPLES } from './mapping.js';
import { slaPolicy } from './sla.js';
import { createSource, putAssignmentRules } from './sources.service.js';
import { findSourceBySlug } from './sources.store.js';

export type { LeadEnricher, LeadRanker } from './leads.service.js';

const HOUR = 3600_000;

/** Demo reps; demo-rep-01 is the rep the demo page's token is minted for. */
const REPS = { wang: { id: 'demo-rep-01', name: '王磊' }, li: { id: 'demo-rep-02', name: '李娜' }, zhang: { id: 'demo-rep-03', name: '张伟' } };

type DemoArrival =
  | { hoursAgo: number; via: 'api'; body: LeadInput }
  | { hoursAgo: number; via: 'webhook'; slug: string; payload: Record<string, unknown>; id: string };

/**
 * Fourteen arrivals from four channels, two of them the same person again (so
 * the demo shows merges), several older than their 48 h SLA (overdue).
 */
const ARRIVALS: DemoArrival[] = [
  { hoursAgo: 80, via: 'api', body: { ...PRESET_SAMPLES.web_form, idempotencyKey: undefined, source: 'website' } },
  {
    hoursAgo: 60,
    via: 'webhook',
    slug: 'douyin',
    id: 'msg_demo_douyin_001',
    payload: {
      ...PRESET_SAMPLES.ad_platform,
      clue_id: '7301234567890120001',
      name: '王总',
      telephone: '+86 138 0013 8000',
      province_name: '广东',
      campaign_name: '2025Q4 智能制造获客',
      form_detail: [
        { name: '公司名称', value: '深圳精工制造有限公司' },
        { name: '职位', value: '生产副总' },
        { name: '行业', value: '制造业' },
      ],
    },
  },
  { hoursAgo: 30, via: 'webhook', slug: 'douyin', id: 'msg_demo_douyin_002', payload: { ...PRESET_SAMPLES.ad_platform } },
  { hoursAgo: 20, via: 'webhook', slug: 'hotline-400', id: 'msg_demo_400_001', payload: { ...PRESET_SAMPLES.call_center } },
  { hoursAgo: 70, via: 'webhook', slug: 'ciif-2025', id: 'msg_demo_qr_001', payload: { ...PRESET_SAMPLES.trade_show_qr } },
  {
    hoursAgo: 6,
    via: 'api',
    body: { name: '陈静', email: 'chen.jing@dfzq.example.cn', company: '东方证券信息技术部', source: 'website', campaign: '官网-白皮书下载', fields: { industry: '金融', region: '上海' } },
  },
  { hoursAgo: 55, via: 'api', body: { name: '刘洋', phone: '139 1500 2233', company: '苏州精密模具有限公司', source: 'website', fields: { industry: '制造业', region: '江苏', notes: '注塑车间数字化' } } },
  {
    hoursAgo: 12,
    via: 'webhook',
    slug: 'hotline-400',
    id: 'msg_demo_400_002',
    payload: { ...PRESET_SAMPLES.call_center, call_id: 'CC20251203-000188', caller_number: '010-8888 6666', customer_name: '周敏', company: '北京某三甲医院信息中心', caller_province: '北京', industry: '医疗', notes: '电子病历评级，想看案例' },
  },
  { hoursAgo: 50, via: 'api', body: { name: '吴昊', phone: '+86 135 5060 7788', company: '鲜丰连锁超市数字化部', source: 'website', fields: { industry: '零售', region: '福建' } } },
  {
    hoursAgo: 3,
    via: 'webhook',
    slug: 'douyin',
    id: 'msg_demo_douyin_003',
    payload: {
      ...PRESET_SAMPLES.ad_platform,
      clue_id: '7301234567890120003',
      name: '孙丽',
      telephone: '0086 136 0000 5566',
      province_name: '广东',
      campaign_name: '2025Q4 金融科技获客',
      form_detail: [
        { name: '公司名称', value: '华信消费金融' },
        { name: '行业', value: '金融' },
      ],
    },
  },
  {
    hoursAgo: 75,
    via: 'webhook',
    slug: 'douyin',
    id: 'msg_demo_douyin_004',
    payload: {
      ...PRESET_SAMPLES.ad_platform,
      clue_id: '7301234567890120004',
      name: '郑凯',
      telephone: '137 2300 4455',
      province_name: '重庆',
      campaign_name: '2025Q4 智能制造获客',
      form_detail: [
        { name: '公司名称', value: '重庆长鑫汽车零部件' },
        { name: '行业', value: '制造业' },
      ],
    },
  },
  {
    hoursAgo: 26,
    via: 'webhook',
    slug: 'ciif-2025',
    id: 'msg_demo_qr_002',
    payload: { ...PRESET_SAMPLES.trade_show_qr, scan_id: 'SCAN-CIIF2025-5H-B023-0077', badge: { name: '黄磊', company: '浙江某人民医院', title: '信息科科长', mobile: '138 5710 9900', industry: '医疗', province: '浙江' } },
  },
  { hoursAgo: 2, via: 'api', body: { name: '何静', wechat: 'hejing_youpin', company: '优品便利店', source: 'website', fields: { industry: '零售', region: '上海' } } },
  {
    hoursAgo: 1,
    via: 'webhook',
    slug: 'hotline-400',
    id: 'msg_demo_400_003',
    payload: { ...PRESET_SAMPLES.call_center, call_id: 'CC20251203-000251', caller_number: '0371-6555 1234', customer_name: '马超', company: '中州城商银行科技部', caller_province: '河南', industry: '金融', notes: '信创改造，关注私有化' },
  },
];

/** Leads with this phone get a first response in the demo (李娜 called back). */
const RESPONDED_PHONES = new Set(['+8613917682201', '+862162345678']);

async function seedDemo(ctx: AppContext, tenant: Tenant): Promise<void> {
  const { db } = ctx;
  for (const source of [
    { slug: 'website', name: '官网表单', preset: 'web_form' as const },
    { slug: 'douyin', name: '抖音 / 巨量引擎线索', preset: 'ad_platform' as const },
    { slug: 'hotline-400', name: '400 呼叫中心转接', preset: 'call_center' as const, firstResponseSla: 'PT4H', workingTime: true },
    { slug: 'ciif-2025', name: '2025 工博会扫码', preset: 'trade_show_qr' as const, firstResponseSla: 'P2D', workingTime: true },
  ]) {
    await createSource(db, tenant.id, source);
  }
  await putAssignmentRules(db, tenant.id, {
    rules: [
      { id: 'hospital-it', name: '医疗信息化', match: { industry: '医疗' }, strategy: 'least_loaded', reps: [REPS.li, REPS.wang], dailyCapacity: 30 },
      { id: 'manufacturing', name: '制造业', match: { industry: ['制造业', '制造'] }, strategy: 'round_robin', reps: [REPS.wang, REPS.zhang], dailyCapacity: 20 },
      { id: 'default', name: '默认轮询', match: {}, strategy: 'round_robin', reps: [REPS.wang, REPS.li, REPS.zhang] },
    ],
  });
  const now = Date.now();
  let stored = 0;
  for (const arrival of [...ARRIVALS].sort((a, b) => b.hoursAgo - a.hoursAgo)) {
    const at = new Date(now - arrival.hoursAgo * HOUR);
    const slug = arrival.via === 'api' ? arrival.body.source : arrival.slug;
    const source = await findSourceBySlug(db, tenant.id, slug);
    const submission =
      arrival.via === 'api'
        ? submissionFromInput(arrival.body, 'api', { sourceId: source?.id ?? null })
        : submissionFromPayload(source!, arrival.payload, arrival.id);
    // Demo payloads carry sample timestamps; the touchpoint happens when the demo says.
    submission.occurredAt = at;
    const result = await captureSubmission(db, tenant.id, submission, slaPolicy(source), { now: at });
    if (result.lead.phone && RESPONDED_PHONES.has(result.lead.phone)) {
      await recordFirstResponse(db, tenant.id, result.lead.id, { by: 'demo-seed', repId: null });
    }
    stored++;
  }
  ctx.logger.info({ arrivals: stored }, 'demo leads loaded');
}

/** Leads with their routes; `enrichers` let other domains add to a lead's detail (wired in modules.ts). */
export function createLeadsModule(options: LeadRouteOptions = {}): DomainModule {
  return { name: 'leads', routes: leadRoutes(options), seedDemo, jobs: [slaBreachJob] };
}

/** Leads from every channel: one lead per person, assigned, timed against a first-response SLA. */
export const leadsModule: DomainModule = createLeadsModule();

export { captureLead, getLead, listLeads, sweepSlaBreaches } from './leads.service.js';
