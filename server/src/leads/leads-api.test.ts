import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';

describe.each(testEngines())('lead intake and de-duplication on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db);
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  const post = (tenant: TestTenant, body: Record<string, unknown>, key = tenant.secretKey) => server.call('POST', '/v1/leads', { key, body });
  const detail = async (tenant: TestTenant, id: string) => (await server.call('GET', `/v1/leads/${id}`, { key: tenant.secretKey })).body.lead;
  const activeLeads = async (tenant: TestTenant) => (await server.call('GET', '/v1/leads?limit=200', { key: tenant.secretKey })).body.leads as { id: string }[];

  it('three phone formats and an email from a second channel make one lead with four touchpoints', async () => {
    const tenant = await server.tenant();
    const first = await post(tenant, { name: '王总', phone: '138 0013 8000', source: 'website', campaign: '官网-预约演示' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ created: true, merged: false, lead: { phone: '+8613800138000' } });
    const second = await post(tenant, { phone: '+86 138 0013 8000', source: 'website' });
    const third = await post(tenant, { phone: '+8613800138000', company: '深圳精工制造有限公司', source: 'douyin' });
    const fourth = await post(tenant, { phone: '0086 138-0013-8000', email: ' Wang@JingGong.example.cn ', source: 'trade_show', fields: { booth: 'B023' } });
    for (const res of [second, third, fourth]) {
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ created: false, merged: true, lead: { id: first.body.lead.id } });
    }
    const lead = await detail(tenant, first.body.lead.id);
    expect(lead.touchpoints).toHaveLength(4);
    expect(lead.touchpoints.map((t: { source: string }) => t.source)).toEqual(['website', 'website', 'douyin', 'trade_show']);
    expect(lead).toMatchObject({ name: '王总', phone: '+8613800138000', email: 'wang@jinggong.example.cn', company: '深圳精工制造有限公司', fields: { booth: 'B023' }, intent: null });
    // Provenance: who supplied each field.
    expect(lead.provenance.name).toMatchObject({ source: 'website', channel: 'api', mergeId: null });
    expect(lead.provenance.company).toMatchObject({ source: 'douyin', mergeId: expect.stringMatching(/^mrg_/) });
    expect(lead.provenance.email).toMatchObject({ source: 'trade_show' });
    expect(lead.identities).toEqual(expect.arrayContaining([{ kind: 'phone', value: '+8613800138000' }, { kind: 'email', value: 'wang@jinggong.example.cn' }]));
    // The email now finds the same person, from any channel.
    const byEmail = await post(tenant, { email: 'WANG@jinggong.example.cn', source: 'newsletter' });
    expect(byEmail.body.lead.id).toBe(first.body.lead.id);
    expect(await activeLeads(tenant)).toHaveLength(1);
  });

  it('20 concurrent submissions of one person, from two channels, end as one lead', async () => {
    const tenant = await server.tenant();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post(tenant, i % 2 === 0 ? { name: '李娜', phone: '139 1234 5678', source: 'website' } : { name: '李娜', phone: '+86 139-1234-5678', email: 'li.na@hospital.example.cn', source: 'douyin' }),
      ),
    );
    expect(results.every((res) => res.status === 200 || res.status === 201)).toBe(true);
    expect(results.filter((res) => res.body.created)).toHaveLength(1);
    expect(new Set(results.map((res) => res.body.lead.id)).size).toBe(1);
    const leads = await activeLeads(tenant);
    expect(leads).toHaveLength(1);
    expect((await detail(tenant, leads[0]!.id)).touchpoints).toHaveLength(20);
    const identities = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM lead_identities WHERE tenant_id = $1`, [tenant.id]);
    expect(identities.rows[0]!.n).toBe(2);
  });

  it('a submission matching two leads folds the newer into the older, and unmerge restores both', async () => {
    const tenant = await server.tenant();
    const a = await post(tenant, { name: '陈静', phone: '137 0000 1234', source: 'trade_show', company: '东方证券' });
    const b = await post(tenant, { email: 'chen.jing@dfzq.example.cn', source: 'website', fields: { interest: '私有化部署' } });
    expect(b.body.created).toBe(true);
    const both = await post(tenant, { phone: '13700001234', email: 'chen.jing@dfzq.example.cn', source: 'call_center' });
    expect(both.body).toMatchObject({ created: false, merged: true, lead: { id: a.body.lead.id } });
    expect((await activeLeads(tenant)).map((lead) => lead.id)).toEqual([a.body.lead.id]);
    const merged = await detail(tenant, a.body.lead.id);
    expect(merged.touchpoints).toHaveLength(3);
    expect(merged).toMatchObject({ email: 'chen.jing@dfzq.example.cn', fields: { interest: '私有化部署' } });
    expect(merged.merges.map((m: { kind: string }) => m.kind)).toEqual(['lead', 'submission']);
    const absorbed = await detail(tenant, b.body.lead.id);
    expect(absorbed.mergedInto).toBe(a.body.lead.id);

    // Undo the fold of B (by id): B is back with its own touchpoint, identity and fields.
    const leadMerge = merged.merges.find((m: { kind: string }) => m.kind === 'lead');
    const undo = await server.call('POST', `/v1/leads/${a.body.lead.id}/unmerge`, { key: tenant.secretKey, body: { mergeId: leadMerge.id } });
    expect(undo.status).toBe(200);
    expect(undo.body.restored).toMatchObject({ id: b.body.lead.id, mergedInto: null, email: 'chen.jing@dfzq.example.cn', fields: { interest: '私有化部署' } });
    expect(undo.body.restored.touchpoints.map((t: { source: string }) => t.source)).toEqual(['website']);
    expect(undo.body.restored.identities).toEqual([{ kind: 'email', value: 'chen.jing@dfzq.example.cn' }]);
    expect(undo.body.lead.touchpoints.map((t: { source: string }) => t.source)).toEqual(['trade_show', 'call_center']);
    expect(undo.body.lead.fields).toEqual({});
    expect(undo.body.lead.email).toBeNull();
    expect((await activeLeads(tenant)).map((lead) => lead.id).sort()).toEqual([a.body.lead.id, b.body.lead.id].sort());
    // And again for the submission that joined A: it becomes a lead of its own.
    const again = await server.call('POST', `/v1/leads/${a.body.lead.id}/unmerge`, { key: tenant.secretKey });
    expect(again.status).toBe(200);
    expect(again.body.merge.kind).toBe('submission');
    expect(again.body.restored.touchpoints.map((t: { source: string }) => t.source)).toEqual(['call_center']);
    expect(await activeLeads(tenant)).toHaveLength(3);
    const nothingLeft = await server.call('POST', `/v1/leads/${a.body.lead.id}/unmerge`, { key: tenant.secretKey });
    expect(nothingLeft.status).toBe(404);
  });

  it('gives a publishable key only the id on a replay or a merge, and still succeeds', async () => {
    const tenant = await server.tenant();
    const body = { idempotencyKey: randomUUID(), name: '赵强', phone: '135 5060 7788', email: 'zhao@retail.example.cn', source: 'website' };
    const first = await post(tenant, body, tenant.publishableKey);
    expect(first.status).toBe(201);
    const replay = await post(tenant, body, tenant.publishableKey);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ lead: { id: first.body.lead.id }, created: false, merged: false });
    const stranger = await post(tenant, { name: '冒名者', phone: '13550607788', source: 'website' }, tenant.publishableKey);
    expect(stranger.status).toBe(200);
    expect(stranger.body).toEqual({ lead: { id: first.body.lead.id }, created: false, merged: true });
    expect(JSON.stringify(stranger.body)).not.toContain('zhao@retail');
    // A secret key gets the lead.
    const secret = await post(tenant, { phone: '13550607788', source: 'crm' });
    expect(secret.body.lead).toMatchObject({ email: 'zhao@retail.example.cn', name: '赵强' });
  });

  it('understands landlines and 400 numbers, and names bad contacts', async () => {
    const tenant = await server.tenant();
    const landline = await post(tenant, { phone: '010-8888 6666', source: 'call_center' });
    expect(landline.body.lead.phone).toBe('+861088886666');
    const hotline = await post(tenant, { phone: '400-820-8820', source: 'call_center' });
    expect(hotline.body.lead.phone).toBe('+864008208820');
    const bad = await post(tenant, { phone: '12345', email: 'nope', source: 'web' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((issue: { path: string }) => issue.path)).toEqual(['phone', 'email']);
  });

  it('lets a rep token see only its own leads', async () => {
    const tenant = await server.tenant();
    await server.call('PUT', '/v1/assignment-rules', {
      key: tenant.secretKey,
      body: { rules: [{ id: 'all', match: {}, strategy: 'round_robin', reps: [{ id: 'rep-wang', name: '王磊' }, { id: 'rep-li', name: '李娜' }] }] },
    });
    const ids: string[] = [];
    for (const phone of ['13800000001', '13800000002', '13800000003', '13800000004']) ids.push((await post(tenant, { phone, source: 'web' })).body.lead.id);
    const wang = await repTokenFor(tenant.secretKey, { repId: 'rep-wang', name: '王磊' });
    const mine = await server.call('GET', '/v1/leads', { key: wang });
    expect(mine.status).toBe(200);
    expect(mine.body.leads).toHaveLength(2);
    expect(mine.body.leads.every((lead: { assignee: { id: string } }) => lead.assignee.id === 'rep-wang')).toBe(true);
    const spoof = await server.call('GET', '/v1/leads?assignee=rep-li', { key: wang });
    expect(spoof.body.leads.every((lead: { assignee: { id: string } }) => lead.assignee.id === 'rep-wang')).toBe(true);
    const notMine = ids.find((id) => !mine.body.leads.some((lead: { id: string }) => lead.id === id))!;
    expect((await server.call('GET', `/v1/leads/${notMine}`, { key: wang })).status).toBe(404);
    expect((await server.call('GET', `/v1/leads/${mine.body.leads[0].id}`, { key: wang })).status).toBe(200);
    expect((await server.call('GET', '/v1/leads', { key: tenant.publishableKey })).status).toBe(403);
  });

  it('pages through every lead exactly once, in a stable order, and filters', async () => {
    const tenant = await server.tenant();
    const created = new Set<string>();
    for (let i = 0; i < 23; i++) {
      const res = await post(tenant, { phone: `1390000${String(i).padStart(4, '0')}`, email: `p${i}@example.cn`, source: i % 3 === 0 ? 'douyin' : 'website' });
      created.add(res.body.lead.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { leads: { id: string }[]; nextCursor: string | null } } = await server.call('GET', `/v1/leads?limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { key: tenant.secretKey });
      seen.push(...res.body.leads.map((lead) => lead.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toHaveLength(23);
    expect(new Set(seen)).toEqual(created);
    const byPhone = await server.call('GET', `/v1/leads?phone=${encodeURIComponent('+86 139 0000 0007')}`, { key: tenant.secretKey });
    expect(byPhone.body.leads).toHaveLength(1);
    expect(byPhone.body.leads[0].phone).toBe('+8613900000007');
    const byEmail = await server.call('GET', '/v1/leads?email=P8%40EXAMPLE.CN', { key: tenant.secretKey });
    expect(byEmail.body.leads.map((lead: { email: string }) => lead.email)).toEqual(['p8@example.cn']);
    const bySource = await server.call('GET', '/v1/leads?source=douyin&limit=200', { key: tenant.secretKey });
    expect(bySource.body.leads).toHaveLength(8);
    const future = await server.call('GET', `/v1/leads?createdFrom=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, { key: tenant.secretKey });
    expect(future.body.leads).toEqual([]);
    const badCursor = await server.call('GET', '/v1/leads?cursor=nonsense', { key: tenant.secretKey });
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.details.issues[0].path).toBe('cursor');
    const badPhone = await server.call('GET', '/v1/leads?phone=123', { key: tenant.secretKey });
    expect(badPhone.status).toBe(400);
  });

  it('hides another tenant’s lead behind 404', async () => {
    const a = await server.tenant();
    const b = await server.tenant();
    const lead = await post(a, { phone: '13600001111', source: 'web' });
    expect((await server.call('GET', `/v1/leads/${lead.body.lead.id}`, { key: b.secretKey })).status).toBe(404);
    expect((await server.call('POST', `/v1/leads/${lead.body.lead.id}/unmerge`, { key: b.secretKey })).status).toBe(404);
    expect((await server.call('POST', `/v1/leads/${lead.body.lead.id}/first-response`, { key: b.secretKey })).status).toBe(404);
    // The same phone in tenant B is B's own lead.
    expect((await post(b, { phone: '13600001111', source: 'web' })).body.created).toBe(true);
  });
});
