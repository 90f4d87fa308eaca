import type { Principal } from '../platform/auth/authenticate.js';
import type { Tenant } from '../platform/auth/key-store.js';
import type { AppContext } from '../platform/context.js';
import { listLeads } from '../leads/leads.service.js';
import { change, comment, createTask, putTemplate, review, submitDeliverable } from './tasks.service.js';

const HOUR_MS = 3_600_000;
/** The rep the demo page's token is minted for (leads/index.ts). */
const DEMO_REP = { id: 'demo-rep-01', name: '王磊', role: '销售', department: '华东一组' };
const PRESALES = { id: 'demo-presales-01', name: '赵倩', role: 'presales', department: '售前技术部' };
const FINANCE = { id: 'demo-finance-01', name: '钱敏', role: 'finance', department: '财务部' };
const MANAGER = { id: 'demo-mgr-east', name: '孙涛', role: 'manager', department: '华东一组' };

/**
 * Three task cards of the demo rep: presales support with the 技术可行性评估报告
 * template (one delivered and approved after a round of changes, one open),
 * and a payment-terms check with finance that is overdue.
 */
export async function seedTasksDemo(ctx: AppContext, tenant: Tenant): Promise<void> {
  const principal: Principal = { kind: 'secret', tenantId: tenant.id, keyId: 'demo-seed' };
  const now = Date.now();
  const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR_MS);
  await putTemplate(ctx, tenant.id, 'presales_support', {
    title: '技术可行性评估报告',
    sections: [
      { key: 'topology', title: '客户环境拓扑图', required: true },
      { key: 'compatibility', title: '兼容性测试结果', required: true },
      { key: 'effort', title: '定制开发工时预估', required: true },
      { key: 'risks', title: '风险与假设', required: false },
    ],
  });
  await putTemplate(ctx, tenant.id, 'payment_terms', { title: '付款条款确认', sections: [{ key: 'schedule', title: '分期安排', required: true }, { key: 'invoice', title: '开票要求', required: true }] });
  const lead = (await listLeads(ctx.db, tenant.id, { limit: 1 }, { repId: DEMO_REP.id })).leads[0];

  const done = await createTask(
    ctx,
    principal,
    {
      type: 'presales_support',
      dealId: 'demo-deal-001',
      assigneeRole: 'presales',
      due: at(-24).toISOString(),
      summary: '客户王总确认下周三看工厂，要求带PLC通讯协议文档，预算范围80-120万',
      keyTerms: { 付款方式: '分三期：首付50%，到货验收30%，终验20%', 交付周期: '合同签订后90天' },
      promisedDate: at(-120).toISOString().slice(0, 10),
      actor: DEMO_REP,
    },
    at(70),
  );
  await change(ctx, principal, done.task.id, { status: 'accepted', actor: PRESALES }, at(68));
  await comment(ctx, principal, done.task.id, { text: '现场PLC为西门子S7-1500，仅支持OPC UA接入', kind: 'constraint', actor: PRESALES }, at(60));
  await submitDeliverable(
    ctx,
    principal,
    done.task.id,
    { sections: { topology: '三层网络：车间OT网 / DMZ / 办公网', compatibility: 'OPC UA 读写通过；Modbus TCP 未测', effort: '定制接口 12 人日' }, actor: PRESALES },
    at(48),
  );
  await review(ctx, principal, done.task.id, { decision: 'request_changes', comment: '补测 Modbus TCP，客户二期要接老设备', actor: MANAGER }, at(40));
  await submitDeliverable(
    ctx,
    principal,
    done.task.id,
    { sections: { topology: '三层网络：车间OT网 / DMZ / 办公网', compatibility: 'OPC UA、Modbus TCP 读写均通过', effort: '定制接口 14 人日', risks: '老设备固件版本未知' }, actor: PRESALES },
    at(30),
  );
  await review(ctx, principal, done.task.id, { decision: 'approve', actor: MANAGER }, at(26));

  await createTask(
    ctx,
    principal,
    {
      type: 'presales_support',
      ...(lead ? { leadId: lead.id } : { dealId: 'demo-deal-002' }),
      assigneeRole: 'presales',
      due: at(-48).toISOString(),
      summary: '电话沟通：客户关注私有化部署与信创适配，希望下周看演示',
      actor: DEMO_REP,
    },
    // After the newest demo lead arrived (an hour or more ago).
    new Date(now - HOUR_MS / 2),
  );
  await createTask(
    ctx,
    principal,
    {
      type: 'payment_terms',
      dealId: 'demo-deal-003',
      assignee: FINANCE.id,
      assigneeRole: 'finance',
      due: at(6).toISOString(),
      summary: '客户接受分三期付款',
      keyTerms: { 付款方式: '分三期：首付50%，二期30%，尾款20%' },
      actor: DEMO_REP,
    },
    at(30),
  );
  ctx.logger.info({ tasks: 3 }, 'demo tasks loaded');
}
