import { seededRandom, type GateCheckRequest, type PipelineStagesRequest, type StageDefinition } from '@huashu/core';
import type { Tenant } from '../platform/auth/key-store.js';
import type { AppContext } from '../platform/context.js';
import { detectStalled, gateCheck, ingestEvents, putStages } from './pipeline.service.js';

/**
 * The demo tenant's pipeline: seven stages of a B2B sale with gates, about
 * sixty deals over the last four months in four industries and three
 * regions, with a bottleneck in each industry's hardest stage and a few deals
 * gone quiet in 合同审核. Generated from a fixed seed, relative to today.
 */

export const DEMO_STAGES: PipelineStagesRequest['stages'] = [
  { key: 'qualify', name: '线索确认', nameEn: 'Qualify', order: 1, stall: { workingDays: 5 } },
  {
    key: 'discovery',
    name: '需求调研',
    nameEn: 'Discovery',
    order: 2,
    gate: { requiredFields: [{ key: 'budget', label: '预算范围', labelEn: 'Budget range' }], contacts: { min: 1 } },
    stall: { workingDays: 10 },
  },
  {
    key: 'demo',
    name: '方案演示',
    nameEn: 'Solution demo',
    order: 3,
    gate: {
      requiredFiles: [{ kind: '定制化PPT', labelEn: 'Tailored deck' }],
      checklist: {
        items: [
          { key: 'bottleneck', label: '已确认产线节拍瓶颈', labelEn: 'Line takt bottleneck confirmed' },
          { key: 'plc', label: '已采集PLC型号', labelEn: 'PLC models collected' },
          { key: 'mes', label: '已获取MES系统截图', labelEn: 'MES screenshots obtained' },
        ],
        minChecked: 2,
      },
    },
    stall: { workingDays: 8 },
  },
  {
    key: 'poc',
    name: '技术验证',
    nameEn: 'Technical validation',
    order: 4,
    gate: { requiredFiles: [{ kind: '竞品分析', labelEn: 'Competitor analysis' }], contacts: { roles: ['技术负责人'] } },
    stall: { workingDays: 15 },
  },
  {
    key: 'negotiation',
    name: '商务谈判',
    nameEn: 'Negotiation',
    order: 5,
    gate: { requiredFields: [{ key: 'quote', label: '报价单编号', labelEn: 'Quote number' }], contacts: { roles: ['决策人'] } },
    stall: { workingDays: 10 },
  },
  {
    key: 'contract_review',
    name: '合同审核',
    nameEn: 'Contract review',
    order: 6,
    gate: { requiredFiles: [{ kind: '合同草稿', labelEn: 'Draft contract' }] },
    stall: { workingDays: 5 },
    alert: ['owner', 'manager', '法务'],
  },
  { key: 'won', name: '赢单', nameEn: 'Won', order: 7, terminal: true },
];

/**
 * Owners and managers are the CRM's user ids. demo-rep-01 is 王磊, the rep
 * the demo page signs in as, so his own health row and deals show there.
 */
const TEAMS = [
  { team: '华东一组', region: '华东', manager: 'demo-mgr-east', owners: ['demo-rep-01', 'demo-rep-02'] },
  { team: '华南大客户部', region: '华南', manager: 'demo-mgr-south', owners: ['demo-rep-03', 'demo-rep-04'] },
  { team: '华北行业组', region: '华北', manager: 'demo-mgr-north', owners: ['demo-rep-05', 'demo-rep-06'] },
] as const;
/** Note authors by owner id: what the CRM shows next to a note. */
const NAMES: Record<string, string> = {
  'demo-rep-01': '王磊',
  'demo-rep-02': '李娜',
  'demo-rep-03': '陈静',
  'demo-rep-04': '刘洋',
  'demo-rep-05': '张伟',
  'demo-rep-06': '赵敏',
};

/** Each industry's product line and the stage where its deals get stuck (mean calendar days per stage, that stage slower). */
const INDUSTRIES = [
  { industry: '制造业', productLine: 'MES 智能制造', slow: 'discovery', company: ['精工汽配', '华锐电子', '恒力机械', '联创注塑'] },
  { industry: '医院信息化', productLine: 'HIS 集成平台', slow: 'poc', company: ['市第一人民医院', '省妇幼保健院', '中心医院', '中医院'] },
  { industry: '零售', productLine: '会员营销云', slow: 'negotiation', company: ['鲜丰连锁', '优品便利', '百汇商超', '潮品服饰'] },
  { industry: '金融', productLine: '智能风控', slow: 'contract_review', company: ['城商银行', '农商银行', '消费金融', '财险公司'] },
] as const;

const STAGE_KEYS = DEMO_STAGES.map((stage) => stage.key);
const BASE_DAYS = 4;
const SLOW_FACTOR = 3;
const DEAL_COUNT = 60;
const HISTORY_DAYS = 120;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** Deals that sit in 合同审核 without a note, so the stall alert has something to say. */
const STALLED_IN_REVIEW = 3;


const NOTES = [
  '客户信息科主任确认本季度有立项计划',
  '已发送案例集，客户反馈需要内部评估',
  '客户关注数据安全，约下周技术交流',
  '采购流程需走招标，预计两周出结果',
  '客户法务要求修改违约条款',
  '财务对付款节点有异议，待内部审批',
  '决策人出差，会议改期',
];

export function demoEvents(now: Date): unknown[] {
  const rand = seededRandom(20261203);
  const events: unknown[] = [];
  let counter = 0;
  const id = () => `demo-evt-${++counter}`;
  const iso = (at: number) => new Date(at).toISOString();
  for (let index = 0; index < DEAL_COUNT; index++) {
    const team = TEAMS[index % TEAMS.length]!;
    const kind = INDUSTRIES[Math.floor(index / TEAMS.length) % INDUSTRIES.length]!;
    const owner = team.owners[Math.floor(rand() * team.owners.length)]!;
    const dealId = `demo-deal-${String(index + 1).padStart(3, '0')}`;
    const base = { dealId, owner, manager: team.manager, team: team.team, region: team.region, industry: kind.industry, productLine: kind.productLine };
    const stalled = index < STALLED_IN_REVIEW;
    // How far this deal has got: the stalled ones to 合同审核, the others anywhere.
    const last = stalled ? STAGE_KEYS.indexOf('contract_review') : Math.floor(rand() * STAGE_KEYS.length);
    const durations = STAGE_KEYS.slice(0, last).map((stage) => (0.5 + rand()) * BASE_DAYS * (stage === kind.slow ? SLOW_FACTOR : 1) * DAY_MS);
    // The current stage was entered recently (won deals any time in the window), the stalled ones about two weeks ago.
    const sinceLast = stalled ? (12 + index) * DAY_MS : STAGE_KEYS[last] === 'won' ? rand() * 60 * DAY_MS : rand() * 3 * DAY_MS;
    let at = now.getTime() - sinceLast - durations.reduce((sum, ms) => sum + ms, 0);
    if (at < now.getTime() - HISTORY_DAYS * DAY_MS) at = now.getTime() - HISTORY_DAYS * DAY_MS;
    const company = kind.company[index % kind.company.length]!;
    events.push({ id: id(), type: 'deal.field_updated', at: iso(at), ...base, fields: { company, budget: `${50 + Math.floor(rand() * 200)} 万` } });
    events.push({ id: id(), type: 'deal.contact_linked', at: iso(at), ...base, contact: { name: `${company}信息科`, role: '技术负责人' } });
    for (let step = 0; step <= last; step++) {
      const stage = STAGE_KEYS[step]!;
      events.push({ id: id(), type: 'deal.stage_changed', at: iso(at), ...base, ...(step > 0 ? { from: STAGE_KEYS[step - 1] } : {}), to: stage });
      const current = step === last;
      // Notes keep a deal out of the stall list; the stalled ones got their last note before entering review.
      if ((current && !stalled && stage !== 'won') || (!current && rand() < 0.5)) {
        const noteAt = current ? Math.min(now.getTime() - HOUR_MS, at + rand() * sinceLast) : at + 2 * HOUR_MS;
        events.push({ id: id(), type: 'deal.note_added', at: iso(noteAt), ...base, note: { text: NOTES[Math.floor(rand() * NOTES.length)]!, author: NAMES[owner] } });
      }
      if (stage === 'demo') events.push({ id: id(), type: 'deal.file_attached', at: iso(at + HOUR_MS), ...base, file: { kind: '定制化PPT', name: `${company}-方案.pptx` } });
      if (rand() < 0.6) {
        // Some customer messages arrive in the evening: the off-hours reply rate has something to measure.
        const customerAt = at + (rand() < 0.4 ? 11 : 3) * HOUR_MS;
        events.push({ id: id(), type: 'deal.message', at: iso(customerAt), ...base, message: { from: 'customer', channel: 'wechat' } });
        if (rand() < 0.7) events.push({ id: id(), type: 'deal.message', at: iso(customerAt + 40 * 60_000), ...base, message: { from: 'rep', channel: 'wechat' } });
      }
      if (stalled && stage === 'negotiation') {
        events.push({ id: id(), type: 'deal.note_added', at: iso(at + durations[step]! - DAY_MS), ...base, note: { text: '合同已提交客户法务，等待反馈', author: NAMES[owner] } });
      }
      if (!current) at += durations[step]!;
    }
  }
  return events.filter((event) => Date.parse((event as { at: string }).at) < now.getTime());
}

/** A gate-check request that meets every requirement of `gate`. */
function satisfying(gate: NonNullable<StageDefinition['gate']>): Omit<GateCheckRequest, 'dealId' | 'toStage'> {
  const roles = gate.contacts?.roles ?? [];
  const contacts = [...roles.map((role) => ({ role, name: role })), ...Array.from({ length: Math.max(0, (gate.contacts?.min ?? 0) - roles.length) }, (_, i) => ({ name: `联系人${i + 1}` }))];
  return {
    fields: Object.fromEntries((gate.requiredFields ?? []).map((field) => [typeof field === 'string' ? field : field.key, '已填写'])),
    files: (gate.requiredFiles ?? []).flatMap((file) => (typeof file === 'string' ? [file] : Array.from({ length: file.min ?? 1 }, () => file.kind))),
    contacts,
    checklist: gate.checklist?.items.slice(0, gate.checklist.minChecked).map((item) => item.key) ?? [],
  };
}

/** One gated entry in this many was moved without asking; one in REFUSED_EVERY was refused first, then let in. */
const UNCHECKED_EVERY = 7;
const REFUSED_EVERY = 4;
const CHECK_LEAD_MS = 5 * 60_000;

export async function seedPipelineDemo(ctx: AppContext, tenant: Tenant, now = new Date()): Promise<void> {
  await putStages(ctx, tenant.id, { stages: DEMO_STAGES });
  const events = demoEvents(now);
  const result = await ingestEvents(ctx, tenant.id, events, now);
  // The CRM asks the gate before most moves into a gated stage: the compliance rate and the blocking rate have something to show.
  const gates = new Map(DEMO_STAGES.filter((stage) => stage.gate).map((stage) => [stage.key, stage.gate!]));
  let entry = 0;
  for (const event of events as Array<{ type: string; dealId: string; to?: string; at: string }>) {
    const gate = event.type === 'deal.stage_changed' && event.to ? gates.get(event.to) : undefined;
    if (!gate) continue;
    entry++;
    if (entry % UNCHECKED_EVERY === 0) continue;
    const at = Date.parse(event.at);
    if (entry % REFUSED_EVERY === 0) await gateCheck(ctx, tenant.id, { dealId: event.dealId, toStage: event.to! }, new Date(at - 12 * CHECK_LEAD_MS));
    await gateCheck(ctx, tenant.id, { dealId: event.dealId, toStage: event.to!, ...satisfying(gate) }, new Date(at - CHECK_LEAD_MS));
  }
  const alerted = await detectStalled(ctx, tenant.id, now);
  ctx.logger.info({ deals: result.deals, events: result.accepted, stalled: alerted.length }, 'demo pipeline loaded');
}
