import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { MAX_JSON_DEPTH, MAX_PATH_PARAM_LENGTH, type ErrorBody } from '@huashu/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createContext } from '../../server.js';
import { testEngines } from '../../testing/engines.js';
import { startTestServer, type TestServer, type TestTenant } from '../../testing/test-server.js';
import { loadConfig } from '../config.js';
import type { Database } from '../db/types.js';
import { createLogger } from '../logger.js';
import { createApp } from './app.js';
import { redactMessage } from './errors.js';
import { defineRoute } from './route.js';

/** What cutting "价格😀" one UTF-16 code unit short leaves: a lone high surrogate. */
const CUT_EMOJI = '价格😀'.slice(0, -1);

/** `{"a":{"a":…"bottom"}}` with `levels` objects. */
function nested(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < levels; level++) value = { a: value };
  return value;
}

const entry = (overrides: Record<string, unknown> = {}) => ({
  question: '你们比竞品贵',
  answer: '按三年总成本比较，我们更省',
  evidence: [{ kind: 'case', title: '某三甲医院案例' }],
  ...overrides,
});

const errorOf = async (res: Response) => ((await res.json()) as ErrorBody).error;
const issuePaths = (body: { error: { details?: { issues?: Array<{ path: string }> } } }) => body.error.details?.issues?.map((issue) => issue.path) ?? [];

describe.each(testEngines())('hostile input on $name', (engine) => {
  let db: Database;
  let server: TestServer;
  let a: TestTenant;
  let b: TestTenant;

  const count = async (table: 'knowledge_entries' | 'events', tenantId = a.id) =>
    (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [tenantId])).rows[0]!.n;

  beforeAll(async () => {
    db = await engine.open();
    server = await startTestServer(db, { HUASHU_RATE_LIMIT_PER_KEY: '0', HUASHU_RATE_LIMIT_PER_IP: '0', HUASHU_JOBS: '0' });
    a = await server.tenant();
    b = await server.tenant();
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  describe('text the database cannot store', () => {
    it('answers 400 naming the field for a NUL character anywhere in a body, and stores nothing', async () => {
      const before = await count('knowledge_entries');
      const top = await server.call('POST', '/v1/knowledge', { key: a.secretKey, body: entry({ question: '价格\u0000太贵' }) });
      expect(top.status).toBe(400);
      expect(top.body.error.code).toBe('validation_failed');
      expect(issuePaths(top.body)).toEqual(['question']);
      expect(top.body.error.message).toMatch(/question: contains a NUL character/);
      const deep = await server.call('POST', '/v1/knowledge', { key: a.secretKey, body: entry({ evidence: [{ kind: 'case', title: 'ok' }, { kind: 'case', title: 'x\u0000' }] }) });
      expect(issuePaths(deep.body)).toEqual(['evidence.1.title']);
      expect(await count('knowledge_entries')).toBe(before);
    });

    it('answers 400 naming the field for a lone surrogate, and accepts whole emoji', async () => {
      const cut = await server.call('POST', '/v1/knowledge', { key: a.secretKey, body: entry({ tags: ['价格', CUT_EMOJI] }) });
      expect(cut.status).toBe(400);
      expect(issuePaths(cut.body)).toEqual(['tags.1']);
      expect(cut.body.error.message).toMatch(/unpaired UTF-16 surrogate/);
      const ask = await server.call('POST', '/v1/assistant/ask', { key: a.secretKey, body: { question: `太贵了${CUT_EMOJI}` } });
      expect(ask.status).toBe(400);
      expect(issuePaths(ask.body)).toEqual(['question']);
      const whole = await server.call('POST', '/v1/knowledge', { key: a.secretKey, body: entry({ question: '太贵了😀', tags: ['👍🏽'] }) });
      expect(whole.status).toBe(201);
      expect(whole.body.question).toBe('太贵了😀');
    });

    it('checks field names too, and never echoes the bad character back', async () => {
      const res = await server.call('POST', '/v1/events/batch', {
        key: a.publishableKey,
        rawBody: JSON.stringify({ sentAt: new Date().toISOString(), batch: [], ['x\u0000y']: 1 }),
      });
      expect(res.status).toBe(400);
      expect(issuePaths(res.body)).toEqual(['x\uFFFDy']);
      expect(JSON.stringify(res.body)).not.toContain('\\u0000');
    });

    it('answers 400 for NUL in a query string or a path parameter', async () => {
      const query = await server.call('GET', '/v1/knowledge?status=draft%00', { key: a.secretKey });
      expect(query.status).toBe(400);
      expect(query.body.error.message).toMatch(/^invalid query: status: contains a NUL/);
      const path = await server.call('GET', '/v1/knowledge/abc%00def', { key: a.secretKey });
      expect(path.status).toBe(400);
      expect(path.body.error.message).toMatch(/^invalid params: id:/);
    });
  });

  describe('shape and size', () => {
    it(`accepts JSON nested ${MAX_JSON_DEPTH} levels deep and rejects one level more, naming the limit`, async () => {
      // The body (1) → evidence array (2) → evidence (3) → title replaced by nested objects.
      const limitAt = MAX_JSON_DEPTH - 3;
      const atLimit = await server.call('POST', '/v1/knowledge', { key: a.secretKey, body: entry({ evidence: [{ kind: 'case', title: nested(limitAt) }] }) });
      expect(atLimit.status).toBe(400);
      expect(atLimit.body.error.message).not.toMatch(/nested deeper/);
      const over = await server.call('POST', '/v1/knowledge', { key: a.secretKey, body: entry({ evidence: [{ kind: 'case', title: nested(limitAt + 1) }] }) });
      expect(over.status).toBe(400);
      expect(over.body.error.message).toContain(`nested deeper than ${MAX_JSON_DEPTH} levels`);
      expect(issuePaths(over.body)[0]).toMatch(/^evidence\.0\.title(\.a)+$/);
    });

    it('survives nesting far past any stack (100,000 levels) with a 400', async () => {
      const levels = 100_000;
      const res = await server.call('POST', '/v1/assistant/ask', { key: a.secretKey, rawBody: `{"question":${'['.repeat(levels)}${']'.repeat(levels)}}` });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(`${MAX_JSON_DEPTH} levels`);
    });

    it('answers 400 for JSON that is not an object, and for numbers JSON cannot carry back', async () => {
      for (const rawBody of ['"x"', 'null', '1e999', '{', '']) {
        const res = await server.call('POST', '/v1/knowledge', { key: a.secretKey, rawBody });
        expect(res.status, rawBody).toBe(400);
        expect(['invalid_json', 'validation_failed'], rawBody).toContain(res.body.error.code);
      }
      const array = await server.call('POST', '/v1/knowledge', { key: a.secretKey, rawBody: '[]' });
      expect(array.status).toBe(400);
      expect(issuePaths(array.body)).toEqual(['(root)']);
      const huge = await server.call('POST', '/v1/assistant/ask', { key: a.secretKey, rawBody: '{"question":"太贵了","limit":1e309}' });
      expect(huge.status).toBe(400);
      expect(huge.body.error.message).toBe('invalid body: limit: is out of range (not a finite number)');
    });

    it('refuses __proto__ as a field name and keeps constructor a plain, unknown field', async () => {
      const proto = await server.call('POST', '/v1/assistant/ask', { key: a.secretKey, rawBody: '{"question":"太贵了","__proto__":{"limit":50}}' });
      expect(proto.status).toBe(400);
      expect(issuePaths(proto.body)).toEqual(['__proto__']);
      const constructor = await server.call('POST', '/v1/assistant/ask', { key: a.secretKey, rawBody: '{"question":"太贵了","constructor":{"name":"x"}}' });
      expect(constructor.status).toBe(400);
      expect(constructor.body.error.details.issues).toContainEqual({ path: 'constructor', message: 'unknown field' });
      const query = await server.call('GET', '/v1/knowledge?constructor=x&toString=y', { key: a.secretKey });
      expect(query.status).toBe(400);
      expect(issuePaths(query.body)).toEqual(['constructor', 'toString']);
    });

    it('answers 400 for a repeated query parameter and 413 for a string past the body limit', async () => {
      const repeated = await server.call('GET', '/v1/knowledge?status=approved&status=draft', { key: a.secretKey });
      expect(repeated.status).toBe(400);
      expect(issuePaths(repeated.body)).toEqual(['status']);
      const long = await server.call('POST', '/v1/assistant/ask', { key: a.secretKey, body: { question: '贵'.repeat(2_000_000) } });
      expect(long.status).toBe(413);
      expect(long.body.error.code).toBe('payload_too_large');
    });

    it('answers a query string too long for a request head with 431 in the usual error shape', async () => {
      const res = await server.call('GET', `/v1/knowledge?status=${'x'.repeat(20_000)}`, { key: a.secretKey });
      expect(res.status).toBe(431);
      expect(res.body.error.code).toBe('headers_too_large');
    });

    it('answers a request that is not HTTP with 400 in the usual error shape', async () => {
      const { port } = new URL(server.url);
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Without Colon\r\n\r\n'));
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(raw.startsWith('HTTP/1.1 400')).toBe(true);
      expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).error.code).toBe('bad_request');
    });
  });

  describe('bodies that do not decode', () => {
    it('answers 400 for a gzip body that is not gzip, 415 for an unknown encoding or charset, and reads real gzip', async () => {
      const json = JSON.stringify({ question: '太贵了' });
      const garbage = Buffer.concat([gzipSync(json).subarray(0, 10), Buffer.from('not deflate data')]);
      const send = (body: Uint8Array | string, headers: Record<string, string>) =>
        fetch(`${server.url}/v1/assistant/ask`, { method: 'POST', headers: { authorization: `Bearer ${a.secretKey}`, ...headers }, body });
      const broken = await send(garbage, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      expect(broken.status).toBe(400);
      expect((await errorOf(broken)).message).toMatch(/does not decode as its Content-Encoding/);
      const unknown = await send(json, { 'content-type': 'application/json', 'content-encoding': 'compress' });
      expect(unknown.status).toBe(415);
      const charset = await send(json, { 'content-type': 'application/json; charset=latin1' });
      expect(charset.status).toBe(415);
      const xml = await send('<q/>', { 'content-type': 'text/xml' });
      expect(xml.status).toBe(415);
      const real = await send(gzipSync(json), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      expect(real.status).toBe(200);
    });
  });

  describe('path parameters', () => {
    it('answers 400 naming the path for malformed percent-encoding', async () => {
      for (const id of ['%ff', '%zz', '%', '%ED%A0%BD']) {
        const res = await server.call('GET', `/v1/knowledge/${id}`, { key: a.secretKey });
        expect(res.status, id).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        expect(res.body.error.message).toMatch(/^invalid params: .*percent-encoded/);
      }
    });

    it(`answers 400 naming the parameter for ids over ${MAX_PATH_PARAM_LENGTH} characters or with control characters`, async () => {
      const long = await server.call('GET', `/v1/knowledge/${'x'.repeat(MAX_PATH_PARAM_LENGTH + 1)}`, { key: a.secretKey });
      expect(long.status).toBe(400);
      expect(issuePaths(long.body)).toEqual(['id']);
      const control = await server.call('POST', '/v1/knowledge/a%0Ab/review', { key: a.secretKey, body: { decision: 'approve' } });
      expect(control.status).toBe(400);
      expect(control.body.error.message).toMatch(/^invalid params: id: must be printable/);
    });

    it('answers 404 alike for a well-formed unknown id and another tenant’s id', async () => {
      const foreign = await server.call('POST', '/v1/knowledge', { key: b.secretKey, body: entry() });
      expect(foreign.status).toBe(201);
      const theirs = await server.call('GET', `/v1/knowledge/${foreign.body.id}`, { key: a.secretKey });
      const unknown = await server.call('GET', '/v1/knowledge/00000000-0000-0000-0000-000000000000', { key: a.secretKey });
      const notUuid = await server.call('GET', '/v1/knowledge/not-an-id', { key: a.secretKey });
      for (const res of [theirs, unknown, notUuid]) {
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
    });

    it('documents every path parameter with its limits in the OpenAPI document', async () => {
      const doc = await server.call('GET', '/openapi.json');
      const parameters = doc.body.paths['/v1/knowledge/{id}'].get.parameters;
      expect(parameters).toContainEqual({ name: 'id', in: 'path', required: true, schema: expect.objectContaining({ type: 'string', maxLength: MAX_PATH_PARAM_LENGTH }) });
      expect(doc.body.info.description).toContain(`${MAX_JSON_DEPTH} levels`);
    });
  });

  describe('batches: one bad item is rejected alone', () => {
    it('stores every other event when some carry NUL, lone surrogates, bad keys or deep properties', async () => {
      const before = await count('events');
      const now = new Date().toISOString();
      const event = (messageId: string, extra: Record<string, unknown> = {}) => ({ messageId, type: 'track', event: 'page_dwell', timestamp: now, ...extra });
      const batch = [
        event('hostile-ok-1', { properties: { pageType: 'pricing', constructor: 'plain data' } }),
        event('hostile-nul', { properties: { note: 'a\u0000b' } }),
        event('hostile-cut', { event: `dwell${CUT_EMOJI}` }),
        event('hostile-key', { properties: { ['bad\u0000key']: 1 } }),
        event('hostile-deep', { properties: { nest: nested(MAX_JSON_DEPTH) } }),
        event('hostile-proto', { properties: JSON.parse('{"__proto__":{"polluted":true}}') }),
        event('hostile-ok-2'),
      ];
      const res = await server.call('POST', '/v1/events/batch', { key: a.publishableKey, rawBody: JSON.stringify({ sentAt: now, batch }) });
      expect(res.status).toBe(200);
      expect(res.body.accepted).toBe(2);
      expect(res.body.rejected.map((row: { index: number }) => row.index)).toEqual([1, 2, 3, 4, 5]);
      expect(res.body.rejected[0].error).toMatch(/^properties\.note: contains a NUL/);
      expect(res.body.rejected[1].error).toMatch(/^event: contains an unpaired UTF-16 surrogate/);
      expect(res.body.rejected[3].error).toContain(`nested deeper than ${MAX_JSON_DEPTH} levels`);
      expect(await count('events')).toBe(before + 2);
      const stored = await db.query<{ message_id: string; properties: Record<string, unknown> }>(
        `SELECT message_id, properties FROM events WHERE tenant_id = $1 AND message_id LIKE 'hostile-%' ORDER BY message_id`,
        [a.id],
      );
      expect(stored.rows.map((row) => row.message_id)).toEqual(['hostile-ok-1', 'hostile-ok-2']);
      // `constructor` is only a word: stored as the data it is.
      expect(stored.rows[0]!.properties).toEqual({ pageType: 'pricing', constructor: 'plain data' });
    });

    it('imports every other knowledge row and reports the poisoned ones by index', async () => {
      const before = await count('knowledge_entries');
      const res = await server.call('POST', '/v1/knowledge/import', {
        key: a.secretKey,
        body: { entries: [entry({ externalId: 'h-1' }), entry({ externalId: 'h-2', answer: 'x\u0000' }), entry({ externalId: 'h-3', evidence: [{ kind: 'case', title: CUT_EMOJI }] }), entry({ externalId: 'h-4' })] },
      });
      expect(res.status).toBe(200);
      expect(res.body.imported).toBe(2);
      expect(res.body.rejected.map((row: { index: number; reason: string }) => [row.index, row.reason.split(':')[0]])).toEqual([
        [1, 'answer'],
        [2, 'evidence.0.title'],
      ]);
      expect(await count('knowledge_entries')).toBe(before + 2);
    });
  });
});

describe('the platform rules for routes with their own params and for database refusals', () => {
  let db: Database;
  let server: Server;
  let url: string;
  let lines = '';
  const MARKER = 'lead-13800138000-do-not-log';

  beforeAll(async () => {
    db = await testEngines()[0]!.open();
    const logger = createLogger('info', { write: (line: string) => void (lines += line) });
    const config = loadConfig({ PORT: '0', HUASHU_RATE_LIMIT_PER_KEY: '0', HUASHU_RATE_LIMIT_PER_IP: '0', HUASHU_JOBS: '0' });
    const ctx = await createContext(config, db, logger);
    const routes = [
      defineRoute({
        method: 'get',
        path: '/probe/uuid/:id',
        summary: 'A uuid-keyed lookup',
        tag: 'test',
        auth: 'public',
        params: z.object({ id: z.uuid() }).strict(),
        handler: ({ params }) => ({ id: params.id }),
      }),
      defineRoute({
        method: 'post',
        path: '/probe/cast',
        summary: 'A cast validation forgot to guard',
        tag: 'test',
        auth: 'public',
        // The value travels in the body: request logs carry the path, and the point is what the error log carries.
        body: z.object({ value: z.string() }),
        handler: async ({ body, ctx: context }) => (await context.db.query('SELECT $1::uuid AS id', [body.value])).rows[0],
      }),
      defineRoute({
        method: 'get',
        path: '/probe/fault',
        summary: 'A genuine fault whose error carries row values',
        tag: 'test',
        auth: 'public',
        async handler({ ctx: context }) {
          const insert = `INSERT INTO tenants (id, name, slug) VALUES ($1, $2, $3)`;
          await context.db.query(insert, [MARKER, MARKER, MARKER]);
          await context.db.query(insert, [MARKER, MARKER, MARKER]);
        },
      }),
    ];
    const app = createApp(ctx, { routes });
    server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await db?.close();
  });

  it('validates a declared params schema: a malformed uuid is a 400 naming the parameter', async () => {
    const bad = await fetch(`${url}/probe/uuid/not-a-uuid`);
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).details?.issues).toEqual([{ path: 'id', message: expect.stringMatching(/UUID/i) }]);
    const good = await fetch(`${url}/probe/uuid/3f1c2a4e-8b7d-4c1e-9a2b-6d5e4f3a2b1c`);
    expect(good.status).toBe(200);
  });

  it('turns a value the database refuses into a 400, logged by code without the value', async () => {
    const res = await fetch(`${url}/probe/cast`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: MARKER }) });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('validation_failed');
    expect(lines).toContain('"code":"22P02"');
    expect(lines).not.toContain(MARKER);
  });

  it('logs a genuine 500 with its code and a redacted message, never the row values or parameters', async () => {
    const res = await fetch(`${url}/probe/fault`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 'internal', message: 'internal server error' } });
    expect(lines).toContain('"code":"23505"');
    expect(lines).toContain('unhandled error');
    expect(lines).not.toContain(MARKER);
  });

  it('redacts quoted values but keeps the names of schema objects', () => {
    expect(redactMessage('invalid input syntax for type uuid: "13800138000"')).toBe('invalid input syntax for type uuid: "…"');
    expect(redactMessage('duplicate key value violates unique constraint "tenants_pkey"')).toBe('duplicate key value violates unique constraint "tenants_pkey"');
    expect(redactMessage('Unexpected token \'l\', "李娜 13800138000" is not valid JSON')).toBe('Unexpected token \'l\', "…" is not valid JSON');
  });
});
