import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { emit } from '../platform/jobs/index.js';
import { startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';
import { testEngines } from '../testing/engines.js';
import { eventually, startReceiver, type Receiver } from './test-receiver.js';
import { initialOnly, maskRobotUrl, plain, renderCard } from './webhooks.robots.js';

const FAST = { HUASHU_JOBS_INTERVAL_MS: '20', HUASHU_WEBHOOK_ALLOW_PRIVATE: '1', HUASHU_WEBHOOK_RETRY_SCHEDULE_MS: '50' };

const PHONE = '+8613800138000';
const EMAIL = 'wang.zong@jinggong.example.cn';
const WECHAT = 'wangzong_wx';
const DUE_AT = '2026-12-03T08:00:00.000Z'; // 16:00 in Beijing

const breach = {
  lead: {
    id: 'lead_sla_1',
    name: '王总',
    phone: PHONE,
    email: EMAIL,
    wechat: WECHAT,
    company: '深圳精工制造有限公司',
    source: 'douyin',
    campaign: '2025Q4 智能制造获客',
    region: '广东',
    industry: '制造业',
    fields: { budget: '80万', notes: '私下说预算可以再加' },
    assignee: { id: 'rep-01', name: '王磊' },
    firstResponseDueAt: DUE_AT,
  },
  dueAt: DUE_AT,
  assignee: { id: 'rep-01', name: '王磊' },
};

const b64hmac = (key: string, message: string) => createHmac('sha256', key).update(message).digest('base64');

/** What must never reach a group chat. */
function expectNoContactDetails(text: string) {
  for (const secret of [PHONE, '13800138000', EMAIL, WECHAT, '王总', '私下说预算']) expect(text).not.toContain(secret);
}

describe.each(testEngines())('group robots on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;

  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db, FAST);
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });
  afterEach(async () => {
    await receiver?.close();
  });

  async function robot(kind: string, path: string, secret: string | undefined, answer: string) {
    receiver = await startReceiver(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body: answer }));
    tenant = await server.tenant();
    const res = await server.call('POST', '/v1/webhook-subscriptions', { key: tenant.secretKey, body: { url: `${receiver.url}${path}`, events: ['lead.sla_breached'], kind, ...(secret ? { secret } : {}) } });
    expect(res.status).toBe(201);
    expect(res.body.secret).toBeNull();
    await db.transaction((tx) => emit(tx, { tenantId: tenant.id, type: 'lead.sla_breached', data: breach }));
    const [request] = await receiver.waitFor((received) => received.length >= 1);
    return { request: request!, subscription: res.body.subscription };
  }

  it('DingTalk: a markdown card signed with timestamp + sign query parameters', async () => {
    const secret = 'SECb6d3a1f0e2c94a7d8e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7';
    const { request, subscription } = await robot('dingtalk', '/robot/send?access_token=dt_token_abcdef123456', secret, '{"errcode":0,"errmsg":"ok"}');
    const url = new URL(request.url, receiver.url);
    expect(url.pathname).toBe('/robot/send');
    expect(url.searchParams.get('access_token')).toBe('dt_token_abcdef123456');
    const timestamp = url.searchParams.get('timestamp')!;
    expect(Math.abs(Number(timestamp) - Date.now())).toBeLessThan(60_000);
    expect(url.searchParams.get('sign')).toBe(b64hmac(secret, `${timestamp}\n${secret}`));
    // URL-encoded on the wire: base64's + / = are escaped.
    expect(request.url).toContain(`sign=${encodeURIComponent(b64hmac(secret, `${timestamp}\n${secret}`))}`);
    const body = JSON.parse(request.body);
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toBe('线索超时未响应');
    for (const wanted of ['线索超时未响应', '深圳精工制造有限公司', '王*', 'douyin', '王磊', '2026-12-03 16:00', 'lead_sla_1']) expect(body.markdown.text).toContain(wanted);
    expectNoContactDetails(request.body);
    // The robot's token is masked wherever the subscription is shown.
    expect(subscription.url).not.toContain('dt_token_abcdef123456');
    expect(subscription.url).toContain('…3456');
    expect(subscription.signed).toBe(true);
  });

  it('Feishu: an interactive card with timestamp + sign in the body', async () => {
    const secret = 'feishu-signing-secret-0123456789';
    const { request } = await robot('feishu', '/open-apis/bot/v2/hook/6f1c-hook-token', secret, '{"code":0,"msg":"success","data":{}}');
    expect(request.url).toBe('/open-apis/bot/v2/hook/6f1c-hook-token');
    const body = JSON.parse(request.body);
    expect(Math.abs(Number(body.timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(body.sign).toBe(b64hmac(`${body.timestamp}\n${secret}`, ''));
    expect(body.msg_type).toBe('interactive');
    expect(body.card.header).toMatchObject({ template: 'red', title: { content: '线索超时未响应' } });
    const text = body.card.elements[0].text.content as string;
    for (const wanted of ['深圳精工制造有限公司', '王磊', '2026-12-03 16:00', '广东', '制造业']) expect(text).toContain(wanted);
    expectNoContactDetails(request.body);
  });

  it('WeCom: a markdown message, no signature (the key in the URL is the credential)', async () => {
    const { request, subscription } = await robot('wecom', '/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa', undefined, '{"errcode":0,"errmsg":"ok"}');
    expect(new URL(request.url, receiver.url).searchParams.get('key')).toBe('693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa');
    const body = JSON.parse(request.body);
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.content).toContain('<font color="warning">线索超时未响应</font>');
    for (const wanted of ['深圳精工制造有限公司', '王磊', '2026-12-03 16:00']) expect(body.markdown.content).toContain(wanted);
    expectNoContactDetails(request.body);
    expect(subscription.signed).toBe(false);
    expect(subscription.url).not.toContain('0ec2sifa5aaa');
  });

  it('counts a robot that answers 200 with an error code as a failed attempt, and retries', async () => {
    const { subscription } = await robot('dingtalk', '/robot/send?access_token=t', 'SECwrong', '{"errcode":310000,"errmsg":"sign not match"}');
    const [delivery] = await eventually(async () => {
      const list = (await server.call('GET', `/v1/webhook-subscriptions/${subscription.id}/deliveries`, { key: tenant.secretKey })).body.deliveries;
      return list[0]?.state === 'dead' ? list : undefined;
    });
    expect(delivery.log.map((attempt: { statusCode: number; error: string }) => [attempt.statusCode, attempt.error])).toEqual([
      [200, 'robot_error(310000)'],
      [200, 'robot_error(310000)'],
    ]);
  });
});

describe('robot cards', () => {
  it('renders every lead event in Chinese without contact details', () => {
    for (const type of ['lead.created', 'lead.assigned', 'lead.merged', 'lead.sla_breached', 'lead.unmerged']) {
      const card = renderCard(type, { ...breach, reason: { zh: '按规则「制造业」轮询分配' } }, '2026-12-03T01:00:00.000Z');
      expect(card.title).toMatch(/[\u4e00-\u9fff]/);
      const text = card.lines.join('\n');
      expect(text).toContain('深圳精工制造有限公司');
      expect(text).toContain('2026-12-03 09:00');
      expectNoContactDetails(text);
    }
    expect(renderCard('lead.assigned', { ...breach, reason: { zh: '按规则「制造业」轮询分配' } }, DUE_AT).lines.join('\n')).toContain('按规则「制造业」轮询分配');
    expect(renderCard('deal.stalled', { deal: { id: 'deal_9', stage: 'poc' } }, DUE_AT).lines.join('\n')).toContain('deal_9');
  });

  it('renders a stalled deal as an urgent card with its stage, working days and owner', () => {
    const card = renderCard('deal.stalled', { deal: { id: 'deal_9', stage: 'poc', owner: '王磊', region: '华南' }, workingDays: 7.6 }, DUE_AT);
    expect(card.title).toBe('商机停滞提醒');
    expect(card.urgent).toBe(true);
    const text = card.lines.join('\n');
    for (const part of ['deal_9', 'poc', '7 个工作日', '王磊', '华南']) expect(text).toContain(part);
  });

  it('keeps lead text from turning into markup or mentions', () => {
    expect(plain('**[点我](http://evil.example)** @all\n<at>')).toBe('点我http://evil.example all at');
    expect(plain('x'.repeat(500)).length).toBe(80);
    expect(initialOnly('王总')).toBe('王*');
    expect(initialOnly('Alice Smith')).toBe('A*');
    expect(initialOnly(null)).toBe('');
  });

  it('masks robot tokens in URLs', () => {
    expect(maskRobotUrl('dingtalk', 'https://oapi.dingtalk.com/robot/send?access_token=abcdef123456')).toBe('https://oapi.dingtalk.com/robot/send?access_token=…3456');
    expect(maskRobotUrl('feishu', 'https://open.feishu.cn/open-apis/bot/v2/hook/0123-4567-89ab')).toBe('https://open.feishu.cn/open-apis/bot/v2/hook/…89ab');
  });
});
