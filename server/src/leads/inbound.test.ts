import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';
import { PRESET_SAMPLES } from './mapping.js';

/** What a platform sends: Standard Webhooks headers over the exact body bytes. */
function signed(secret: string, payload: unknown, options: { id?: string; at?: Date; raw?: string } = {}) {
  const body = options.raw ?? JSON.stringify(payload);
  const id = options.id ?? `msg_${randomUUID()}`;
  const at = options.at ?? new Date();
  const signature = new Webhook(secret).sign(id, at, body);
  return { body, id, headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature, 'content-type': 'application/json' } };
}

describe.each(testEngines())('lead sources and inbound webhooks on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let tenant: TestTenant;
  const secrets = new Map<string, string>();
  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db);
    tenant = await server.tenant();
    for (const preset of ['web_form', 'ad_platform', 'call_center', 'trade_show_qr'] as const) {
      const res = await server.call('POST', '/v1/lead-sources', { key: tenant.secretKey, body: { slug: `${preset.replace(/_/g, '-')}-src`, preset } });
      expect(res.status).toBe(201);
      secrets.set(preset, res.body.secret);
    }
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  const slugOf = (preset: string) => `${preset.replace(/_/g, '-')}-src`;
  const deliver = (slug: string, delivery: { body: string; headers: Record<string, string> }) =>
    server.call('POST', `/v1/webhooks/inbound/${slug}`, { rawBody: delivery.body, headers: delivery.headers });
  const touchpointsWith = async (webhookId: string) =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM lead_touchpoints WHERE tenant_id = $1 AND webhook_id = $2`, [tenant.id, webhookId])).rows[0]!.n;

  it('issues a whsec_ secret once and never lists it', async () => {
    const secret = secrets.get('ad_platform')!;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64').length).toBeGreaterThanOrEqual(24);
    const list = await server.call('GET', '/v1/lead-sources', { key: tenant.secretKey });
    expect(list.body.sources.map((s: { slug: string }) => s.slug)).toEqual(expect.arrayContaining(['ad-platform-src', 'web-form-src']));
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
    expect(list.body.sources[0]).toMatchObject({ firstResponseSla: 'PT48H', inboundPath: expect.stringMatching(/^\/v1\/webhooks\/inbound\//) });
  });

  it('maps each preset’s sample payload', async () => {
    const expected = {
      web_form: { name: '王总', phone: '+8613800138000', email: 'wang@jinggong-mfg.example.cn', company: '深圳精工制造有限公司', industry: '制造业', region: '广东', campaign: '官网-预约演示' },
      ad_platform: { name: '李娜', phone: '+8613917682201', company: '华东某三甲医院', title: '信息科主任', industry: '医疗', region: '上海', campaign: '2025Q4 医疗信息化获客', fields: { clueId: '7301234567890123456', adId: '1790000000000001' } },
      call_center: { name: '赵强', phone: '+862162345678', company: '汇通零售连锁', industry: '零售', region: '上海', campaign: '400 售前热线', fields: { callId: 'CC20251203-000123', agentName: '客服小刘', durationSeconds: 186 } },
      trade_show_qr: { name: '陈静', phone: '+8613700001234', email: 'chen.jing@dfzq.example.cn', company: '东方证券信息技术部', title: '架构师', industry: '金融', campaign: '2025 中国国际工业博览会', fields: { booth: '5.1H-B023', scannedBy: '王磊' } },
    } as const;
    for (const [preset, lead] of Object.entries(expected)) {
      const delivery = signed(secrets.get(preset)!, PRESET_SAMPLES[preset as keyof typeof PRESET_SAMPLES]);
      const res = await deliver(slugOf(preset), delivery);
      expect(res.status, `${preset}: ${JSON.stringify(res.body)}`).toBe(201);
      expect(res.body).toMatchObject({ created: true, merged: false, duplicate: false });
      const stored = await server.call('GET', `/v1/leads/${res.body.lead.id}`, { key: tenant.secretKey });
      expect(stored.body.lead, preset).toMatchObject(lead);
      expect(stored.body.lead.touchpoints[0]).toMatchObject({ source: slugOf(preset), channel: preset, payloadRef: `webhook:${delivery.id}` });
    }
  });

  it('refuses bad, stale and missing signatures with 401 and stores nothing', async () => {
    const secret = secrets.get('ad_platform')!;
    const payload = { ...PRESET_SAMPLES.ad_platform, telephone: '13911110000' };
    const wrong = signed(`whsec_${Buffer.from('not the secret at all, 32 bytes!').toString('base64')}`, payload);
    const stale = signed(secret, payload, { at: new Date(Date.now() - 10 * 60_000) });
    const future = signed(secret, payload, { at: new Date(Date.now() + 10 * 60_000) });
    const good = signed(secret, payload);
    const tampered = { ...good, body: good.body.replace('13911110000', '13911110001') };
    const { 'webhook-signature': _dropped, ...unsigned } = good.headers;
    for (const [name, delivery] of Object.entries({ wrong, stale, future, tampered, missing: { body: good.body, headers: unsigned } })) {
      const res = await deliver('ad-platform-src', delivery);
      expect(res.status, name).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    }
    const rows = await db.query(`SELECT 1 FROM lead_identities WHERE tenant_id = $1 AND value IN ('+8613911110000', '+8613911110001')`, [tenant.id]);
    expect(rows.rows).toHaveLength(0);
    // An unknown slug looks exactly like a wrong signature.
    const unknown = await deliver('no-such-source', signed(secret, payload));
    const badSig = await deliver('ad-platform-src', wrong);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(badSig.body);
  });

  it('answers a replayed webhook-id with 200 and stores nothing twice', async () => {
    const delivery = signed(secrets.get('call_center')!, { ...PRESET_SAMPLES.call_center, caller_number: '13822223333' });
    const first = await deliver('call-center-src', delivery);
    expect(first.status).toBe(201);
    const again = await deliver('call-center-src', delivery);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ lead: { id: first.body.lead.id }, created: false, merged: false, duplicate: true });
    // Re-signed later with the same id (a platform's retry): still one.
    const retry = signed(secrets.get('call_center')!, { ...PRESET_SAMPLES.call_center, caller_number: '13822223333' }, { id: delivery.id });
    const concurrent = await Promise.all([deliver('call-center-src', retry), deliver('call-center-src', retry)]);
    expect(concurrent.map((res) => res.body.duplicate)).toEqual([true, true]);
    expect(await touchpointsWith(delivery.id)).toBe(1);
  });

  it('verifies with two secrets during a rotation, and only the new one after the grace period', async () => {
    const old = secrets.get('trade_show_qr')!;
    const rotated = await server.call('POST', '/v1/lead-sources/trade-show-qr-src/rotate-secret', { key: tenant.secretKey });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.secret as string;
    expect(fresh).not.toBe(old);
    expect(rotated.body.source.previousSecretValidUntil).not.toBeNull();
    const payload = (phone: string) => ({ ...PRESET_SAMPLES.trade_show_qr, badge: { ...PRESET_SAMPLES.trade_show_qr.badge, mobile: phone, email: undefined } });
    expect((await deliver('trade-show-qr-src', signed(old, payload('13633330001')))).status).toBe(201);
    expect((await deliver('trade-show-qr-src', signed(fresh, payload('13633330002')))).status).toBe(201);
    // One header may carry both signatures (what a sender does mid-rotation).
    const both = signed(old, payload('13633330003'));
    both.headers['webhook-signature'] = `${new Webhook(fresh).sign(both.id, new Date(Number(both.headers['webhook-timestamp']) * 1000), both.body)} ${both.headers['webhook-signature']}`;
    expect((await deliver('trade-show-qr-src', both)).status).toBe(201);
    await db.query(`UPDATE lead_sources SET previous_secret_expires_at = now() - interval '1 second' WHERE tenant_id = $1 AND slug = 'trade-show-qr-src'`, [tenant.id]);
    expect((await deliver('trade-show-qr-src', signed(old, payload('13633330004')))).status).toBe(401);
    expect((await deliver('trade-show-qr-src', signed(fresh, payload('13633330005')))).status).toBe(201);
  });

  it('answers a payload the mapping cannot read with 400 naming the field, never 500', async () => {
    const secret = secrets.get('ad_platform')!;
    const cases: [string, unknown, string, string?][] = [
      ['no phone', { clue_id: '1', name: '某人' }, 'telephone'],
      ['object phone', { ...PRESET_SAMPLES.ad_platform, telephone: { number: '138' } }, 'telephone'],
      ['bad phone', { ...PRESET_SAMPLES.ad_platform, telephone: '12345' }, 'telephone'],
      ['bad time', { ...PRESET_SAMPLES.ad_platform, create_time: 'yesterday-ish' }, 'create_time'],
      ['list body', [1, 2, 3], '(root)'],
      ['long name', { ...PRESET_SAMPLES.ad_platform, name: '长'.repeat(150) }, 'name'],
      ['NUL', { ...PRESET_SAMPLES.ad_platform, name: 'a\u0000b' }, 'name'],
    ];
    for (const [name, payload, path] of cases) {
      const res = await deliver('ad-platform-src', signed(secret, payload));
      expect(res.status, name).toBe(400);
      expect(res.body.error.details.issues.map((issue: { path: string }) => issue.path), name).toContain(path);
    }
    const notJson = await deliver('ad-platform-src', signed(secret, undefined, { raw: '{"clue_id": ' }));
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('invalid_json');
    const form = await deliver('web-form-src', signed(secrets.get('web_form')!, { name: '无联系方式', isAdmin: true }));
    expect(form.status).toBe(400);
    expect(form.body.error.details.issues.map((issue: { path: string }) => issue.path)).toContain('isAdmin');
    const call = await deliver('call-center-src', signed(secrets.get('call_center')!, { ...PRESET_SAMPLES.call_center, caller_number: ['1'] }));
    expect(call.status).toBe(400);
    expect(call.body.error.details.issues[0].path).toBe('caller_number');
  });

  it('validates mappings at creation and maps a custom payload', async () => {
    const bad = await server.call('POST', '/v1/lead-sources', {
      key: tenant.secretKey,
      body: { slug: 'crm-x', preset: 'custom', mapping: { phone: 'contact..mobile', nickname: 'name', 'fields.budget': { path: ['a[', 'b'] } } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((issue: { path: string }) => issue.path)).toEqual(['mapping.phone', 'mapping.nickname', 'mapping.fields.budget.path.0']);
    const none = await server.call('POST', '/v1/lead-sources', { key: tenant.secretKey, body: { slug: 'crm-y', preset: 'custom' } });
    expect(none.status).toBe(400);
    expect(none.body.error.details.issues[0].path).toBe('mapping');
    const sla = await server.call('POST', '/v1/lead-sources', { key: tenant.secretKey, body: { slug: 'crm-z', preset: 'web_form', firstResponseSla: 'P1M' } });
    expect(sla.status).toBe(400);
    expect(sla.body.error.details.issues[0].path).toBe('firstResponseSla');

    const created = await server.call('POST', '/v1/lead-sources', {
      key: tenant.secretKey,
      body: {
        slug: 'legacy-crm',
        preset: 'custom',
        firstResponseSla: 'PT2H',
        mapping: {
          name: { path: 'data.contact.fullName', transform: ['trim'] },
          phone: { path: ['data.contact.phones[type=mobile].number', 'data.contact.phones[0].number'], transform: ['digits', 'e164'] },
          email: { path: 'data.contact.email', transform: ['trim', 'lower'] },
          company: '$.data.account.name',
          campaign: { const: '老 CRM 迁移' },
          externalId: 'data.id',
          'fields.budget': 'data.deal["budget.cny"]',
        },
      },
    });
    expect(created.status).toBe(201);
    const payload = {
      data: {
        id: 'C-2041',
        contact: { fullName: ' 孙丽 ', email: ' Sun.Li@HuaXin.example.cn ', phones: [{ type: 'office', number: '020-3888 1234' }, { type: 'mobile', number: '(136) 0000-5566' }] },
        account: { name: '华信消费金融' },
        deal: { 'budget.cny': 800000 },
      },
    };
    const res = await deliver('legacy-crm', signed(created.body.secret, payload));
    expect(res.status).toBe(201);
    const lead = (await server.call('GET', `/v1/leads/${res.body.lead.id}`, { key: tenant.secretKey })).body.lead;
    expect(lead).toMatchObject({ name: '孙丽', phone: '+8613600005566', email: 'sun.li@huaxin.example.cn', company: '华信消费金融', campaign: '老 CRM 迁移', fields: { budget: 800000 } });
    const due = new Date(lead.firstResponseDueAt).getTime() - new Date(lead.createdAt).getTime();
    expect(due).toBe(2 * 3600_000);
    const missing = await deliver('legacy-crm', signed(created.body.secret, { data: { contact: { fullName: '无电话' } } }));
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.issues[0].path).toBe('data.contact.phones[type=mobile].number');
  });

  it('refuses a second source with the same slug in one tenant, and lets another tenant use it', async () => {
    const again = await server.call('POST', '/v1/lead-sources', { key: tenant.secretKey, body: { slug: 'ad-platform-src', preset: 'ad_platform' } });
    expect(again.status).toBe(409);
    const other = await server.tenant();
    const theirs = await server.call('POST', '/v1/lead-sources', { key: other.secretKey, body: { slug: 'ad-platform-src', preset: 'ad_platform' } });
    expect(theirs.status).toBe(201);
    // The signature decides whose source a delivery is for.
    const res = await deliver('ad-platform-src', signed(theirs.body.secret, { ...PRESET_SAMPLES.ad_platform, telephone: '13944445555' }));
    expect(res.status).toBe(201);
    expect((await server.call('GET', `/v1/leads/${res.body.lead.id}`, { key: other.secretKey })).status).toBe(200);
    expect((await server.call('GET', `/v1/leads/${res.body.lead.id}`, { key: tenant.secretKey })).status).toBe(404);
  });
});
