import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../platform/auth/authenticate.js';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';
import { change, comment, createTask, putTemplate, review, submitDeliverable, taskProfiles } from './tasks.service.js';

const FEASIBILITY = {
  title: '技术可行性评估报告',
  sections: [
    { key: 'topology', title: '客户环境拓扑图', required: true },
    { key: 'compatibility', title: '兼容性测试结果', required: true },
    { key: 'effort', title: '定制开发工时预估', required: true },
    { key: 'risks', title: '风险与假设', required: false },
  ],
};
const FULL = { topology: '三层网络', compatibility: 'OPC UA 通过', effort: '12 人日' };

describe.each(testEngines())('tasks on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;
  let repToken: string;
  let presalesToken: string;
  let leadId: string;
  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db, { HUASHU_JOBS: '0' });
    tenant = await server.tenant();
    repToken = await repTokenFor(tenant.secretKey, { repId: 'rep-wang', name: '王磊' });
    presalesToken = await repTokenFor(tenant.secretKey, { repId: 'ps-zhao', name: '赵倩' });
    const lead = await server.call('POST', '/v1/leads', { key: tenant.secretKey, body: { name: '王建国', phone: '13800138000', company: '深圳精工制造', source: 'website', fields: { industry: '制造业' } } });
    leadId = lead.body.lead.id;
    const events = [
      { id: 'e1', type: 'deal.stage_changed', dealId: 'D-1', at: '2026-11-20T02:00:00Z', to: 'demo', owner: 'rep-wang', team: '华东一组', industry: '制造业', leadId },
      { id: 'e2', type: 'deal.field_updated', dealId: 'D-1', at: '2026-11-21T02:00:00Z', fields: { budget: '80-120万', 付款方式: '分三期' } },
      { id: 'e3', type: 'deal.note_added', dealId: 'D-1', at: '2026-11-22T02:00:00Z', note: { text: '客户要看PLC协议', author: '王磊' } },
      { id: 'e4', type: 'deal.contact_linked', dealId: 'D-1', at: '2026-11-22T03:00:00Z', contact: { name: '王总', role: '决策人' } },
    ];
    expect((await server.call('POST', '/v1/pipeline/events', { key: tenant.secretKey, body: { events } })).body.accepted).toBe(4);
    expect((await server.call('PUT', '/v1/task-templates/presales_support', { key: tenant.secretKey, body: FEASIBILITY })).status).toBe(200);
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  const create = (key: string, body: unknown) => server.call('POST', '/v1/tasks', { key, body });

  it('creates a card that carries the deal’s facts, last notes, the meeting summary and key terms, and emits task.created in the same transaction', async () => {
    const res = await create(repToken, {
      type: 'presales_support',
      dealId: 'D-1',
      assigneeRole: 'presales',
      due: '2026-12-20T10:00:00+08:00',
      summary: '王总确认下周三看工厂',
      keyTerms: { 付款方式: '分三期：首付50%，二期30%，尾款20%' },
      promisedDate: '2026-12-18',
      role: 'sales',
      department: '华东一组',
    });
    expect(res.body.error).toBeUndefined();
    expect(res.status).toBe(201);
    const task = res.body.task;
    expect(task).toMatchObject({
      type: 'presales_support',
      title: '技术可行性评估报告',
      status: 'open',
      dealId: 'D-1',
      leadId,
      assigneeRole: 'presales',
      requester: { id: 'rep-wang', name: '王磊', role: 'sales', department: '华东一组' },
      context: {
        lead: { id: leadId, name: '王建国', company: '深圳精工制造' },
        deal: { id: 'D-1', stage: 'demo', owner: 'rep-wang', contacts: [{ name: '王总', role: '决策人' }] },
        lastNotes: [{ text: '客户要看PLC协议', author: '王磊' }],
        meetingSummary: '王总确认下周三看工厂',
        // The rep's stated terms win over the CRM's field, so finance reads "首付50%，二期30%，尾款20%", not a paraphrase.
        keyTerms: { budget: '80-120万', 付款方式: '分三期：首付50%，二期30%，尾款20%' },
        promisedDate: '2026-12-18',
      },
    });
    const outbox = await db.query<{ type: string; data: { task: { id: string; context: { keyTerms: Record<string, string> } } } }>(
      `SELECT type, data FROM outbox_events WHERE tenant_id = $1 AND type = 'task.created'`,
      [tenant.id],
    );
    expect(outbox.rows.map((row) => row.data.task.id)).toContain(task.id);
    expect(outbox.rows.find((row) => row.data.task.id === task.id)!.data.task.context.keyTerms['付款方式']).toBe('分三期：首付50%，二期30%，尾款20%');
  });

  it('refuses a card with no one to go to, an unknown lead, and another tenant’s task (404)', async () => {
    const nobody = await create(repToken, { type: 'presales_support', dealId: 'D-1' });
    expect(nobody.status).toBe(400);
    expect(nobody.body.error.details.issues[0].path).toBe('assigneeRole');
    expect((await create(repToken, { type: 'x', leadId: 'lead_missing', assigneeRole: 'presales' })).status).toBe(404);
    const mine = await create(repToken, { type: 'presales_support', leadId, assigneeRole: 'presales' });
    const other = await server.tenant();
    expect((await server.call('GET', `/v1/tasks/${mine.body.task.id}`, { key: other.secretKey })).status).toBe(404);
    expect((await server.call('GET', `/v1/tasks/${mine.body.task.id}/timeline`, { key: other.secretKey })).status).toBe(404);
    expect((await server.call('POST', `/v1/tasks/${mine.body.task.id}/deliverable`, { key: other.secretKey, body: { sections: FULL } })).status).toBe(404);
  });

  it('refuses a deliverable naming each missing required section, then takes it whole; approval shows the context', async () => {
    const { task } = (await create(repToken, { type: 'presales_support', dealId: 'D-1', assigneeRole: 'presales', promisedDate: '2026-12-18' })).body;
    const refused = await server.call('POST', `/v1/tasks/${task.id}/deliverable`, { key: presalesToken, body: { sections: { topology: '三层网络', effort: '   ' } } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.issues).toEqual([
      { path: 'sections.compatibility', message: 'required section "兼容性测试结果" is missing' },
      { path: 'sections.effort', message: 'required section "定制开发工时预估" is missing' },
    ]);
    expect(refused.body.error.message).toContain('兼容性测试结果');
    await server.call('POST', `/v1/tasks/${task.id}/comments`, { key: presalesToken, body: { text: '仅支持OPC UA接入', kind: 'constraint', role: 'presales', department: '售前技术部' } });
    const accepted = await server.call('POST', `/v1/tasks/${task.id}/deliverable`, { key: presalesToken, body: { sections: FULL, role: 'presales', department: '售前技术部' } });
    expect(accepted.status).toBe(200);
    expect(accepted.body.task).toMatchObject({ status: 'submitted', assignee: 'ps-zhao', deliverable: { version: 1, sections: FULL } });
    const approval = await server.call('GET', `/v1/tasks/${task.id}/approval`, { key: tenant.secretKey });
    expect(approval.body.missing).toEqual([]);
    expect(approval.body.task.context).toMatchObject({ keyTerms: { 付款方式: '分三期' }, promisedDate: '2026-12-18', constraints: ['仅支持OPC UA接入'] });
    const noReason = await server.call('POST', `/v1/tasks/${task.id}/review`, { key: repToken, body: { decision: 'request_changes' } });
    expect(noReason.status).toBe(400);
    const approved = await server.call('POST', `/v1/tasks/${task.id}/review`, { key: repToken, body: { decision: 'approve', role: 'sales' } });
    expect(approved.body.task.status).toBe('approved');
    expect((await server.call('POST', `/v1/tasks/${task.id}/review`, { key: repToken, body: { decision: 'approve' } })).status).toBe(409);
  });

  it('keeps an append-only timeline: every step with actor, role, department and time, and no way to rewrite it', async () => {
    const { task } = (await create(repToken, { type: 'presales_support', dealId: 'D-1', assigneeRole: 'presales', role: 'sales', department: '华东一组' })).body;
    await server.call('PUT', `/v1/tasks/${task.id}`, { key: presalesToken, body: { status: 'accepted', role: 'presales', department: '售前技术部' } });
    await server.call('POST', `/v1/tasks/${task.id}/comments`, { key: presalesToken, body: { text: '明天去现场', attachments: [{ name: '拓扑.png', url: 'https://files.example.cn/t.png' }], role: 'presales', department: '售前技术部' } });
    await server.call('POST', `/v1/tasks/${task.id}/deliverable`, { key: presalesToken, body: { sections: FULL, role: 'presales', department: '售前技术部' } });
    await server.call('POST', `/v1/tasks/${task.id}/review`, { key: repToken, body: { decision: 'request_changes', comment: '补测Modbus', role: 'sales', department: '华东一组' } });
    const { events } = (await server.call('GET', `/v1/tasks/${task.id}/timeline`, { key: repToken })).body;
    expect(events.map((event: { kind: string }) => event.kind)).toEqual(['created', 'change', 'comment', 'attachment', 'deliverable', 'decision']);
    expect(events.map((event: { actor: string; role: string; department: string }) => [event.actor, event.role, event.department])).toEqual([
      ['rep-wang', 'sales', '华东一组'],
      ['ps-zhao', 'presales', '售前技术部'],
      ['ps-zhao', 'presales', '售前技术部'],
      ['ps-zhao', 'presales', '售前技术部'],
      ['ps-zhao', 'presales', '售前技术部'],
      ['rep-wang', 'sales', '华东一组'],
    ]);
    const seqs = events.map((event: { seq: number }) => event.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    for (const event of events) expect(Date.parse(event.at)).not.toBeNaN();

    await expect(db.query(`UPDATE task_events SET summary = 'rewritten' WHERE tenant_id = $1 AND task_id = $2`, [tenant.id, task.id])).rejects.toThrow(/append-only/);
    await expect(db.query(`DELETE FROM task_events WHERE tenant_id = $1 AND task_id = $2`, [tenant.id, task.id])).rejects.toThrow(/append-only/);
    expect((await server.call('GET', `/v1/tasks/${task.id}/timeline`, { key: repToken })).body.events).toHaveLength(6);
    // The store has no statement that changes or removes a timeline row.
    const source = readFileSync(fileURLToPath(new URL('./tasks.store.ts', import.meta.url)), 'utf8');
    expect(source).not.toMatch(/(UPDATE|DELETE FROM)\s+task_events/i);
  });

  it('computes role profiles equal to the hand-computed values', async () => {
    const ctx = server.running.ctx;
    const own = await server.tenant();
    const secret: Principal = { kind: 'secret', tenantId: own.id, keyId: 'test' };
    const rep = { id: 'rep-1', name: '王磊', role: 'sales' };
    const zhao = { id: 'ps-zhao', role: 'presales' };
    const qian = { id: 'ps-qian', role: 'presales' };
    const t0 = Date.parse('2026-12-01T01:00:00Z');
    const at = (minutes: number) => new Date(t0 + minutes * 60_000);
    await putTemplate(ctx, own.id, 'presales_support', FEASIBILITY);
    const make = async (minutes: number) => (await createTask(ctx, secret, { type: 'presales_support', assigneeRole: 'presales', actor: rep }, at(minutes))).task.id;
    // 赵: task A accepted after 30 min, approved first time; task B delivered after 90 min, changes requested, then approved.
    const a = await make(0);
    await change(ctx, secret, a, { status: 'accepted', actor: zhao }, at(30));
    await submitDeliverable(ctx, secret, a, { sections: FULL, actor: zhao }, at(100));
    await review(ctx, secret, a, { decision: 'approve', actor: rep }, at(120));
    const b = await make(0);
    await submitDeliverable(ctx, secret, b, { sections: FULL, actor: zhao }, at(90));
    await review(ctx, secret, b, { decision: 'request_changes', comment: '补测', actor: rep }, at(100));
    await submitDeliverable(ctx, secret, b, { sections: FULL, actor: zhao }, at(200));
    await review(ctx, secret, b, { decision: 'approve', actor: rep }, at(210));
    // 钱: task C commented after 10 min (her first action), still open; the requester's own comment before does not count.
    const c = await make(0);
    await change(ctx, secret, c, { assignee: 'ps-qian', actor: rep }, at(1));
    await comment(ctx, secret, c, { text: '我先看看', actor: rep }, at(2));
    await comment(ctx, secret, c, { text: '收到，今天回复', actor: qian }, at(10));
    // Another role's task is not in the presales profile.
    await createTask(ctx, secret, { type: 'payment_terms', assignee: 'fin-1', assigneeRole: 'finance', actor: rep }, at(0));

    const { profiles } = await taskProfiles(ctx, own.id, 'presales');
    expect(profiles).toEqual([
      { assignee: 'ps-qian', role: 'presales', tasks: 1, resolved: 0, avgResponseMinutes: 10, firstPassApprovalRate: null },
      // (30 + 90) / 2 = 60 minutes; A approved at first review, B not: 1/2.
      { assignee: 'ps-zhao', role: 'presales', tasks: 2, resolved: 2, avgResponseMinutes: 60, firstPassApprovalRate: 0.5 },
    ]);
    const http = await server.call('GET', '/v1/tasks/profiles?role=presales', { key: own.secretKey });
    expect(http.body.profiles).toEqual(profiles);
  });
});
