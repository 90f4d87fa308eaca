import { randomUUID } from 'node:crypto';
import { SignalRuleSetInput, type SignalRuleSetInput as RuleSetInput } from '@huashu/core';
import { ingestBatch } from '../events/index.js';
import { listLeads } from '../leads/index.js';
import type { Tenant } from '../platform/auth/key-store.js';
import type { AppContext } from '../platform/context.js';
import { onEventsStored } from './evaluation.js';
import { putRules, sweepSilences } from './signals.service.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const dwell = (pageType: string, min: number, label: { zh: string; en: string }) => ({
  event: 'page_dwell',
  where: [{ property: 'pageType', op: 'eq' as const, value: pageType }, { property: 'activeSeconds', op: 'gte' as const, value: min }],
  label,
});
const COMPARISON = { zh: '对比页', en: 'the comparison page' };
const PRICING = { zh: '价格页', en: 'the pricing page' };
const WHITEPAPER = { zh: '安全白皮书', en: 'the security white paper' };

/**
 * The demo tenant's rules, as a sales manager at a hospital-IT vendor would
 * set them: 20 weights, 2 sequences, a silence and a threshold. The bench
 * uses the same set (plus three sequences and a second silence).
 */
export const DEMO_RULES: RuleSetInput = {
  halfLife: 'P7D',
  weights: [
    { id: 'poc_requested', event: 'poc_requested', weight: 0.85, label: { zh: '主动索要POC环境', en: 'Asked for a POC environment' } },
    { id: 'pricing_dwell', ...dwell('pricing', 60, PRICING), weight: 0.3, label: { zh: '定价页停留超过 1 分钟', en: 'Over a minute on pricing' } },
    { id: 'comparison_dwell', ...dwell('competitor_comparison', 180, COMPARISON), weight: 0.15, label: { zh: '对比页停留超过 3 分钟', en: 'Over 3 min on the comparison page' } },
    { id: 'whitepaper_download', event: 'document_download', where: [{ property: 'documentId', op: 'eq', value: 'security_whitepaper' }], weight: 0.1, label: { zh: '下载安全白皮书', en: 'Downloaded the security white paper' } },
    { id: 'case_study_download', event: 'document_download', where: [{ property: 'documentId', op: 'in', value: ['case_hospital_east', 'case_hospital_his'] }], weight: 0.15, label: { zh: '下载医院案例', en: 'Downloaded a hospital case study' } },
    { id: 'demo_booked', event: 'demo_booked', weight: 0.6, label: { zh: '预约产品演示', en: 'Booked a product demo' } },
    { id: 'contract_question', event: 'contract_question', weight: 0.5, label: { zh: '法务再次询问合同条款', en: 'Legal asked about the contract again' } },
    { id: 'quote_requested', event: 'quote_requested', weight: 0.55, label: { zh: '索要正式报价', en: 'Asked for a formal quote' } },
    { id: 'share_opened', event: 'share_link_opened', weight: 0.15, label: { zh: '打开分享的方案', en: 'Opened a shared proposal' } },
    { id: 'proposal_pricing_section', event: 'page_dwell', where: [{ property: 'linkId', op: 'exists' }, { property: 'section', op: 'eq', value: '报价' }, { property: 'activeSeconds', op: 'gte', value: 60 }], weight: 0.3, label: { zh: '细读方案报价章节', en: 'Read the proposal’s pricing section closely' } },
    { id: 'trial_started', event: 'trial_started', weight: 0.2, label: { zh: '开通试用', en: 'Started a trial' } },
    { id: 'feature_used', event: 'feature_used', weight: 0.05, label: { zh: '使用产品功能', en: 'Used a feature' } },
    { id: 'integration_docs', ...dwell('docs', 120, { zh: '接口文档', en: 'the API docs' }), weight: 0.2, label: { zh: '研读 HIS 接口文档', en: 'Studied the HIS integration docs' } },
    { id: 'security_page', ...dwell('security', 60, { zh: '安全合规页', en: 'the security page' }), weight: 0.1, label: { zh: '查看等保合规说明', en: 'Read the compliance page' } },
    { id: 'case_study_page', ...dwell('case_study', 90, { zh: '客户案例页', en: 'a case study' }), weight: 0.1, label: { zh: '阅读客户案例', en: 'Read a case study' } },
    { id: 'webinar_attended', event: 'webinar_attended', weight: 0.2, label: { zh: '参加线上研讨会', en: 'Attended a webinar' } },
    { id: 'contact_page', event: 'page', where: [{ property: 'pageType', op: 'eq', value: 'contact' }], weight: 0.1, label: { zh: '访问联系我们', en: 'Visited the contact page' } },
    { id: 'roi_calculator', event: 'roi_calculated', where: [{ property: 'beds', op: 'gte', value: 500 }], weight: 0.35, label: { zh: '用 ROI 计算器测算（500 床以上）', en: 'Ran the ROI calculator (500+ beds)' } },
    { id: 'unsubscribed', event: 'email_unsubscribed', weight: -0.6, label: { zh: '退订邮件', en: 'Unsubscribed from e-mail' } },
    { id: 'careers_page', event: 'page', where: [{ property: 'pageType', op: 'eq', value: 'careers' }], weight: -0.2, label: { zh: '浏览招聘页（可能是求职者）', en: 'Browsed careers (maybe a job seeker)' } },
  ],
  sequences: [
    {
      id: 'evaluating_competitors',
      steps: [dwell('competitor_comparison', 180, COMPARISON), { event: 'document_download', where: [{ property: 'documentId', op: 'eq', value: 'security_whitepaper' }], label: WHITEPAPER }],
      within: 'PT10M',
      weight: 0.6,
      label: { zh: '正在评估竞品', en: 'Evaluating competitors' },
    },
    {
      id: 'pricing_then_poc',
      steps: [dwell('pricing', 60, PRICING), { event: 'poc_requested', label: { zh: '申请 POC', en: 'asked for a POC' } }],
      within: 'P2D',
      weight: 0.4,
      label: { zh: '看完价格后申请 POC', en: 'Asked for a POC after pricing' },
    },
  ],
  silences: [
    {
      id: 'going_silent',
      after: { event: 'trial_started', label: { zh: '开通试用', en: 'the trial started' } },
      expect: { event: 'feature_used', label: { zh: '使用任何功能', en: 'feature use' } },
      within: 'P11D',
      weight: -0.4,
      label: { zh: '试用后沉默', en: 'Silent after the trial started' },
    },
  ],
  thresholds: [{ score: 70, event: 'lead.hot' }],
};

interface DemoEvent {
  ago: number;
  event?: string;
  type?: 'track' | 'page' | 'identify';
  properties?: Record<string, unknown>;
  anonymousId?: string;
  /** Sent without the lead id: an anonymous visitor (identified later in the same list). */
  anonymous?: boolean;
}

/** The hottest lead's week: what the demo page's 行为轨迹 shows and its 意向分 is computed from. */
const HOT_LEAD_EVENTS: DemoEvent[] = [
  { ago: 5 * DAY, type: 'page', properties: { path: '/pricing', pageType: 'pricing', title: '价格与版本' } },
  { ago: 5 * DAY - 2 * MINUTE, event: 'page_dwell', properties: { path: '/pricing', pageType: 'pricing', activeSeconds: 95 } },
  { ago: 2 * DAY, event: 'document_download', properties: { documentId: 'case_hospital_east', title: '华东某三甲医院 HIS 对接案例' } },
  { ago: DAY - 3 * HOUR, event: 'poc_requested', properties: { product: '电子病历集成平台' } },
  { ago: 50 * MINUTE, type: 'page', properties: { path: '/compare/his-vendors', pageType: 'competitor_comparison', title: '竞品对比' } },
  { ago: 46 * MINUTE, event: 'page_dwell', properties: { path: '/compare/his-vendors', pageType: 'competitor_comparison', activeSeconds: 252 } },
  { ago: 41 * MINUTE, event: 'document_download', properties: { documentId: 'security_whitepaper', title: '数据安全白皮书（等保三级）' } },
];

/** A visitor browsing anonymously, then leaving a form (identify): the sequence spans both and counts for the lead. */
const IDENTIFIED_LATER: DemoEvent[] = [
  { ago: 3 * HOUR, event: 'page_dwell', anonymous: true, properties: { path: '/compare/his-vendors', pageType: 'competitor_comparison', activeSeconds: 205 } },
  { ago: 3 * HOUR - 4 * MINUTE, type: 'identify', anonymous: false },
  { ago: 3 * HOUR - 5 * MINUTE, event: 'document_download', properties: { documentId: 'security_whitepaper', title: '数据安全白皮书（等保三级）' } },
];

/** A trial that went quiet: going_silent fires when its 11 days have passed. */
const SILENT_TRIAL: DemoEvent[] = [
  { ago: 13 * DAY, event: 'trial_started', properties: { plan: '标准版试用' } },
  { ago: 13 * DAY - HOUR, type: 'page', properties: { path: '/docs/his', pageType: 'docs', title: 'HIS 接口文档' } },
];

const LIGHT_INTEREST: DemoEvent[] = [
  { ago: 9 * DAY, event: 'page_dwell', properties: { path: '/pricing', pageType: 'pricing', activeSeconds: 70 } },
  { ago: 8 * DAY, event: 'webinar_attended', properties: { webinar: '2025 医院信息化等保合规' } },
];

async function send(ctx: AppContext, tenantId: string, leadId: string, events: readonly DemoEvent[], now: number): Promise<void> {
  const anonymousId = `demo-visitor-${leadId.slice(0, 8)}`;
  const batch = events.map((event) => ({
    messageId: `demo_${randomUUID()}`,
    type: event.type ?? 'track',
    ...(event.type === 'page' || event.type === 'identify' ? {} : { event: event.event }),
    anonymousId,
    ...(event.anonymous ? {} : { leadId }),
    properties: event.properties ?? {},
    timestamp: new Date(now - event.ago).toISOString(),
  }));
  // One batch per event, in time order, as a browser would have sent them.
  for (const event of batch) await ingestBatch(ctx.db, tenantId, { sentAt: new Date(now).toISOString(), batch: [event] }, new Date(now), { onStored: onEventsStored });
}

/**
 * The demo tenant's rules and a week of behaviour for four of its leads, so
 * the demo page's 行为轨迹 and 意向分 come from real events scored by real
 * rules. The hottest lead is one of demo-rep-01's (the rep the page signs in as).
 */
export async function seedSignalsDemo(ctx: AppContext, tenant: Tenant): Promise<void> {
  await putRules(ctx.db, tenant.id, SignalRuleSetInput.parse(DEMO_RULES), 'demo-seed');
  const { leads } = await listLeads(ctx.db, tenant.id, { limit: 50 });
  if (leads.length === 0) return;
  const own = leads.filter((lead) => lead.assignee?.id === 'demo-rep-01');
  const hot = own.find((lead) => lead.industry === '医疗') ?? own[0] ?? leads[0]!;
  const others = leads.filter((lead) => lead.id !== hot.id);
  const now = Date.now();
  await send(ctx, tenant.id, hot.id, HOT_LEAD_EVENTS, now);
  const plans: [typeof others[number] | undefined, DemoEvent[]][] = [
    [others.find((lead) => lead.assignee?.id === 'demo-rep-01') ?? others[0], IDENTIFIED_LATER],
    [others[1], SILENT_TRIAL],
    [others[2], LIGHT_INTEREST],
  ];
  for (const [lead, events] of plans) if (lead) await send(ctx, tenant.id, lead.id, events, now);
  await sweepSilences(ctx.db, new Date(now));
  ctx.logger.info({ leads: 1 + plans.filter(([lead]) => lead).length }, 'demo behaviour events scored');
}
