import { FakeListChatModel } from '@langchain/core/utils/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../testing/test-server.js';

const NOTE = '客户王总确认下周三看工厂，要求带PLC通讯协议文档，预算范围80-120万';
const SUNDAY_MORNING = '2026-12-06T10:00:00+08:00';

describe.each(testEngines())('POST /v1/notes/extract on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let modelServer: TestServer;
  let tenant: TestTenant;
  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db, { HUASHU_JOBS: '0' });
    tenant = await server.tenant();
  });
  afterAll(async () => {
    await modelServer?.close();
    await server?.close();
    await db?.close();
  });

  it('reads the note offline by default, against `at` (a Sunday: 下周三 is three days on)', async () => {
    const res = await server.call('POST', '/v1/notes/extract', { key: tenant.secretKey, body: { text: NOTE, at: SUNDAY_MORNING } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      contacts: [{ surname: '王', title: '总' }],
      meeting: { date: '2026-12-09', purpose: '看工厂' },
      documentsRequested: ['PLC通讯协议文档'],
      budget: { min: 800000, max: 1200000, currency: 'CNY' },
      competitors: [],
      source: 'rules',
      savedEventId: null,
    });
  });

  it('saves the note with its fields as the deal’s deal.note_added when asked, and refuses save without a deal', async () => {
    const token = await repTokenFor(tenant.secretKey, { repId: 'rep-wang', name: '王磊' });
    const refused = await server.call('POST', '/v1/notes/extract', { key: token, body: { text: NOTE, at: SUNDAY_MORNING, save: true } });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body.error)).toContain('dealId');

    // A note is recorded at its `at`, which the pipeline refuses in the future.
    const future = await server.call('POST', '/v1/notes/extract', { key: token, body: { text: NOTE, at: '2099-01-01T00:00:00Z', save: true, dealId: 'D-NOTE-1' } });
    expect(future.status).toBe(400);
    expect(future.body.error.details.issues[0].path).toBe('at');
    const saved = await server.call('POST', '/v1/notes/extract', { key: token, body: { text: NOTE, at: '2026-11-29T10:00:00+08:00', save: true, dealId: 'D-NOTE-1' } });
    expect(saved.status).toBe(200);
    expect(saved.body.savedEventId).toMatch(/^note_/);
    const stored = await db.query<{ type: string; payload: { note: { text: string; author: string; fields: { budget: { max: number } } } } }>(
      `SELECT type, payload FROM pipeline_events WHERE tenant_id = $1 AND id = $2`,
      [tenant.id, saved.body.savedEventId],
    );
    expect(stored.rows[0]!.type).toBe('deal.note_added');
    expect(stored.rows[0]!.payload.note).toMatchObject({ text: NOTE, author: 'rep-wang', fields: { budget: { max: 1200000 } } });
  });

  it('refuses bad input naming the field', async () => {
    const res = await server.call('POST', '/v1/notes/extract', { key: tenant.secretKey, body: { text: '', at: 'yesterday' } });
    expect(res.status).toBe(400);
    const paths = (res.body.error.details.issues as Array<{ path: string }>).map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['text', 'at']));
  });

  it('with a chat model: validates its answer against the schema and drops what the note does not say', async () => {
    const answer = JSON.stringify({
      contacts: [{ surname: '王', title: '总' }, { surname: '赵', title: '总' }],
      meeting: { date: '2026-12-09', purpose: '看工厂' },
      documentsRequested: ['PLC通讯协议文档', '营业执照'],
      budget: { min: 800000, max: 1200000, currency: 'CNY' },
      competitors: ['西门子'],
      nextSteps: [],
    });
    modelServer = await startTestServer(db, { HUASHU_JOBS: '0' }, { chat: new FakeListChatModel({ responses: [answer, 'not json at all'] }) });
    const other = await modelServer.tenant();
    const first = await modelServer.call('POST', '/v1/notes/extract', { key: other.secretKey, body: { text: NOTE, at: SUNDAY_MORNING } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ source: 'model', contacts: [{ surname: '王', title: '总' }], documentsRequested: ['PLC通讯协议文档'], competitors: [] });
    // An answer that is not the schema: the rules answer instead.
    const second = await modelServer.call('POST', '/v1/notes/extract', { key: other.secretKey, body: { text: NOTE, at: SUNDAY_MORNING } });
    expect(second.status).toBe(200);
    expect(second.body.source).toBe('rules');
    expect(second.body.meeting).toEqual({ date: '2026-12-09', purpose: '看工厂' });
  });
});
