/**
 * Property-based hostile-input suite: for every route the app mounts (taken
 * from the same list the server uses, so a new route is covered the day it is
 * added), requests are generated from the route's own zod schemas, then
 * mutated the way broken clients and attackers do, and sent with every kind of
 * credential. Properties: no response is a 5xx; a rejected request stores
 * nothing; a batch or import stores exactly the items it reports as taken.
 *
 * Deterministic: every route gets the same number of requests from its own
 * seed (HUASHU_FUZZ_SEED mixed with the route's name, so adding a route does
 * not change what the others get; HUASHU_FUZZ_RUNS sets the count per route).
 * fast-check prints the seed and the failing request on failure.
 */
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { KnowledgeEntryInput, MAX_JSON_DEPTH, RepRole, TrackingEvent } from '@huashu/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { allModules } from '../../modules.js';
import { DEMO_RULES } from '../../signals/signals.demo.js';
import { testEngines } from '../../testing/engines.js';
import { repTokenFor, startTestServer, type TestServer, type TestTenant } from '../../testing/test-server.js';
import type { Database } from '../db/types.js';
import { parseItem } from '../validation.js';
import { paramsSchemaOf, type RouteSpec } from './route.js';
import { apiRoutes } from './routes.js';

const SEED = Number(process.env['HUASHU_FUZZ_SEED'] ?? 20_261_203);
/** Requests per route and engine: about 400 in all, 20–30 s on PGlite. */
const RUNS_PER_ROUTE = Number(process.env['HUASHU_FUZZ_RUNS'] ?? 8);
/** Batches in the poisoned-batch property. */
const BATCH_RUNS = 40;
/** Longer than any schema's string limit and than the 1 MB default body limit, to reach both checks. */
const HUGE_STRING_LENGTHS = [5_000, 300_000, 1_200_000];
/** Node's own HTTP parser refuses request heads over 16 KB (431) before Express sees them. */
const HUGE_QUERY_LENGTHS = [4_000, 20_000];
const DEFAULT_TEST_TIMEOUT_MS = 60_000;
/** A generous ceiling per request (two row counts around it included) on PGlite. */
const WORST_REQUEST_MS = 150;
/** Node's default `maxHeaderSize`, and the status it answers a longer request head with. */
const NODE_MAX_HEADER_BYTES = 16 * 1024;
const REQUEST_HEADER_FIELDS_TOO_LARGE = 431;
/** Generated strings and arrays stay short: the point is shape, not volume. */
const MAX_GENERATED_STRING = 24;
const MAX_GENERATED_ITEMS = 3;

/**
 * Tables a request may write to even when it is refused, because they record
 * who called rather than what was asked: the points leaderboard remembers a
 * rep's display name from any verified rep token (a refused redemption still
 * proves who the rep is).
 */
const WRITTEN_BY_ANY_AUTHENTICATED_CALL = new Set(['points_reps']);

/**
 * Items of the two batch routes: their body schemas say `array of unknown`
 * (each item is validated on its own), so valid-ish items come from these.
 */
const ITEM_SCHEMAS: Record<string, z.ZodType> = {
  '/v1/events/batch': TrackingEvent,
  '/v1/knowledge/import': KnowledgeEntryInput,
};

// ---------------------------------------------------------------------------
// Values from a route's schemas: zod → JSON Schema → fast-check arbitrary.

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
}

const SAMPLE_TEXT = ['太贵了', '客户说我们价格比XX贵，怎么回应？', 'web', 'pricing', '李娜', 'hello world', '13800138000', '😀 emoji'];

function text(minLength = 0, maxLength = MAX_GENERATED_STRING): fc.Arbitrary<string> {
  const max = Math.max(minLength, Math.min(maxLength, MAX_GENERATED_STRING));
  return fc.oneof(
    fc.string({ unit: 'grapheme-ascii', minLength, maxLength: max }),
    fc.string({ unit: 'grapheme', minLength, maxLength: max }),
    fc.constantFrom(...SAMPLE_TEXT).filter((sample) => sample.length >= minLength && sample.length <= maxLength),
  );
}

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  switch (schema.format) {
    case 'date-time':
      return fc.date({ min: new Date('2025-01-01'), max: new Date('2027-01-01'), noInvalidDate: true }).map((date) => date.toISOString());
    case 'date':
      return fc.date({ min: new Date('2020-01-01'), max: new Date('2027-01-01'), noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10));
    case 'email':
      return fc.stringMatching(/^[a-z]{1,8}@[a-z]{1,8}\.(com|cn)$/);
    case 'uri':
    case 'url':
      return fc.constantFrom('https://example.com/case', 'http://example.cn/report.pdf', 'javascript:alert(1)');
    case 'uuid':
      return fc.uuid();
  }
  if (schema.pattern) {
    const max = schema.maxLength ?? MAX_GENERATED_STRING * 4;
    try {
      return fc.stringMatching(new RegExp(schema.pattern)).map((value) => value.slice(0, max));
    } catch {
      // A pattern fast-check cannot generate from (lookarounds): plain text is still valid-ish.
    }
  }
  return text(schema.minLength ?? 0, schema.maxLength);
}

function arbitraryFor(schema: JsonSchema | boolean | undefined, root: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (schema === undefined || schema === true || (typeof schema === 'object' && Object.keys(schema).length === 0)) {
    return fc.jsonValue({ maxDepth: 2 });
  }
  if (schema === false) return fc.constant(undefined);
  if (schema.$ref) {
    const name = schema.$ref.replace('#/$defs/', '');
    // Recursive schemas stop at a shallow depth.
    return depth > 3 ? fc.constant(null) : arbitraryFor(root.$defs?.[name], root, depth + 1);
  }
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((alternative) => arbitraryFor(alternative, root, depth + 1)));
  if (schema.allOf?.[0]) return arbitraryFor(schema.allOf[0], root, depth + 1);
  if (Array.isArray(schema.type)) return fc.oneof(...schema.type.map((type) => arbitraryFor({ ...schema, type }, root, depth)));
  switch (schema.type) {
    case 'string':
      return stringArbitrary(schema);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? (schema.exclusiveMinimum ?? -1001) + 1, max: schema.maximum ?? (schema.exclusiveMaximum ?? 1001) - 1 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = schema.minItems ?? 0;
      return fc.array(arbitraryFor(schema.items, root, depth + 1), {
        minLength,
        maxLength: Math.max(minLength, Math.min(schema.maxItems ?? MAX_GENERATED_ITEMS, MAX_GENERATED_ITEMS)),
      });
    }
    case 'object': {
      if (schema.properties) {
        const shape = Object.fromEntries(Object.entries(schema.properties).map(([key, value]) => [key, arbitraryFor(value, root, depth + 1)]));
        return fc.record(shape, { requiredKeys: schema.required ?? [] });
      }
      if (typeof schema.additionalProperties === 'object') {
        return fc.dictionary(text(1, 12), arbitraryFor(schema.additionalProperties, root, depth + 1), { maxKeys: MAX_GENERATED_ITEMS });
      }
      return fc.dictionary(text(1, 12), fc.jsonValue({ maxDepth: 1 }), { maxKeys: MAX_GENERATED_ITEMS });
    }
  }
  return fc.jsonValue({ maxDepth: 2 });
}

function fromZod(schema: z.ZodType): fc.Arbitrary<unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return arbitraryFor(json, json);
}

// ---------------------------------------------------------------------------
// Requests and their mutations.

const MUTATIONS = [
  'none',
  'nul',
  'lone-surrogate',
  'deep-nesting',
  'wrong-type',
  'missing-field',
  'extra-field',
  'huge-string',
  'huge-number',
  'non-object-body',
  'bad-path-id',
  'bad-encoding',
  'duplicate-query',
  'huge-query',
] as const;
type Mutation = (typeof MUTATIONS)[number];

/** Every kind of caller: none, each key, a rep token of each role, and broken credentials. */
const CREDENTIALS: readonly string[] = [
  'none',
  'publishable',
  'secret',
  ...RepRole.options.map((role) => `rep:${role}`),
  'publishable-in-query',
  'foreign-secret',
  'garbage',
  'malformed-header',
  'nul-kid-token',
];

interface Parts {
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
}

interface Choice {
  /** `METHOD /path`: a key, so a failure prints the request rather than the route's whole spec. */
  route: string;
  credential: string;
  mutation: Mutation;
  parts: Parts;
  /** Picks the leaf, variant or size a mutation uses, so the whole request comes from the seed. */
  pick: number;
  depth: number;
}

interface HttpRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

type Leaf = { holder: Record<string, unknown> | unknown[]; key: string | number; value: unknown };

/** Every value inside `root` with the object or array that holds it (the root itself is held by a wrapper). */
function leaves(root: unknown): Leaf[] {
  const found: Leaf[] = [];
  const visit = (holder: Record<string, unknown> | unknown[], key: string | number, value: unknown) => {
    found.push({ holder, key, value });
    if (Array.isArray(value)) value.forEach((item, index) => visit(value, index, item));
    else if (value && typeof value === 'object') for (const [child, item] of Object.entries(value)) visit(value as Record<string, unknown>, child, item);
  };
  if (Array.isArray(root)) root.forEach((item, index) => visit(root, index, item));
  else if (root && typeof root === 'object') for (const [key, item] of Object.entries(root)) visit(root as Record<string, unknown>, key, item);
  return found;
}

function setLeaf(leaf: Leaf, value: unknown): void {
  (leaf.holder as Record<string | number, unknown>)[leaf.key] = value;
}

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level++) value = level % 2 ? [value] : { a: value };
  return value;
}

const HUGE_NUMBER_MARKER = '__fuzz_huge_number__';
const NON_OBJECT_BODIES = ['[]', '"x"', 'null', '1e999', '{', '', '{"a":1}{"b":2}', '[[[[', '\u0000'];
const BAD_PATH_IDS = ['%ff', '%zz', '%', '%00', 'a%00b', '%ED%A0%BD', '%C0%AF', 'x'.repeat(300), '%2e%2e', '..', '%20', '00000000-0000-0000-0000-000000000000', 'not-a-uuid', '1e309', '%E2%80%AE'];
const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'isAdmin', 'tenantId', ''];
/** Value mutations that also make sense on a query string (a GET route's only input). */
const QUERY_MUTATIONS: readonly Mutation[] = ['nul', 'lone-surrogate', 'wrong-type', 'huge-number', 'huge-string', 'extra-field', 'missing-field', 'deep-nesting'];

/** A copy of `value` with `mutation` applied; string leaves are preferred where the mutation is about text. */
function mutateValue(value: unknown, mutation: Mutation, pick: number, depth: number): unknown {
  const wrapper: { root: unknown } = { root: structuredClone(value) ?? {} };
  const all = leaves(wrapper);
  const strings = all.filter((leaf) => typeof leaf.value === 'string');
  const objects = [wrapper.root, ...all.map((leaf) => leaf.value)].filter((item): item is Record<string, unknown> => !!item && typeof item === 'object' && !Array.isArray(item));
  const pickFrom = <T>(list: T[]) => list[pick % list.length];
  const target = pickFrom(strings) ?? pickFrom(all);
  const addField = (item: unknown) => {
    const holder = pickFrom(objects);
    if (holder) holder['fuzz'] = item;
    else wrapper.root = item;
  };
  switch (mutation) {
    case 'nul':
      if (target && typeof target.value === 'string') setLeaf(target, `${target.value.slice(0, 2)}\u0000${target.value.slice(2)}`);
      else addField('a\u0000b');
      break;
    case 'lone-surrogate': {
      // What cutting "价格😀" one code unit short leaves behind.
      const cut = '价格😀'.slice(0, -1);
      if (target && typeof target.value === 'string') setLeaf(target, `${target.value}${cut}`);
      else addField(cut);
      break;
    }
    case 'deep-nesting':
      if (target) setLeaf(target, nested(depth));
      else addField(nested(depth));
      break;
    case 'wrong-type': {
      const leaf = pickFrom(all);
      if (!leaf) wrapper.root = 42;
      else setLeaf(leaf, typeof leaf.value === 'string' ? pick : typeof leaf.value === 'number' ? String(leaf.value) : Array.isArray(leaf.value) ? { 0: 'x' } : typeof leaf.value === 'object' ? ['x'] : 'yes');
      break;
    }
    case 'missing-field': {
      const holder = pickFrom(objects);
      const key = holder ? pickFrom(Object.keys(holder)) : undefined;
      if (holder && key !== undefined) delete holder[key];
      break;
    }
    case 'extra-field': {
      const holder = pickFrom(objects) ?? {};
      // defineProperty: an own "__proto__" key, as JSON.parse makes one.
      Object.defineProperty(holder, pickFrom(EXTRA_KEYS)!, { value: { polluted: true }, enumerable: true, writable: true, configurable: true });
      if (!objects.length) wrapper.root = holder;
      break;
    }
    case 'huge-string':
      if (target) setLeaf(target, 'x'.repeat(pickFrom(HUGE_STRING_LENGTHS)!));
      else addField('x'.repeat(pickFrom(HUGE_STRING_LENGTHS)!));
      break;
    case 'huge-number': {
      const number = all.find((leaf) => typeof leaf.value === 'number') ?? target;
      if (number) setLeaf(number, HUGE_NUMBER_MARKER);
      else addField(HUGE_NUMBER_MARKER);
      break;
    }
  }
  return wrapper.root;
}

function queryString(query: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined) search.append(key, typeof item === 'string' ? item : JSON.stringify(item));
    }
  }
  const text = search.toString().replaceAll(encodeURIComponent(`"${HUGE_NUMBER_MARKER}"`), '1e309').replaceAll(HUGE_NUMBER_MARKER, '1e309');
  return text ? `?${text}` : '';
}

interface Credentials {
  a: TestTenant;
  b: TestTenant;
  repTokens: Record<string, string>;
}

/** Routes without a body schema but a method that carries one (raw webhook bodies) get bodies too. */
function hasBody(route: RouteSpec): boolean {
  return route.body !== undefined || route.method !== 'get';
}

/** FNV-1a: a route's own seed from its name. */
function seedFor(name: string): number {
  let hash = 0x811c9dc5;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return (SEED ^ hash) >>> 0;
}

function buildRequest(choice: Choice, route: RouteSpec, credentials: Credentials): HttpRequest {
  const { mutation, pick, depth } = choice;
  const parts: Parts = structuredClone(choice.parts);
  const headers: Record<string, string> = {};
  const query: Record<string, unknown> = route.query ? { ...parts.query } : {};
  let body: string | Uint8Array | undefined;

  const bodyValue = hasBody(route) ? (['none', 'bad-path-id', 'duplicate-query', 'huge-query', 'bad-encoding', 'non-object-body'].includes(mutation) ? parts.body : mutateValue(parts.body, mutation, pick, depth)) : undefined;
  if (hasBody(route) || mutation === 'bad-encoding' || mutation === 'non-object-body') {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(bodyValue ?? {}).replaceAll(`"${HUGE_NUMBER_MARKER}"`, '1e309');
  }
  if (mutation === 'non-object-body') body = NON_OBJECT_BODIES[pick % NON_OBJECT_BODIES.length];
  if (mutation === 'bad-encoding') {
    const variants: Array<() => void> = [
      () => {
        headers['content-encoding'] = 'gzip';
        body = Buffer.concat([gzipSync(body ?? '{}').subarray(0, 10), Buffer.from('not deflate data')]);
      },
      () => {
        headers['content-encoding'] = 'compress';
      },
      () => {
        // A correctly compressed body is fine.
        headers['content-encoding'] = 'gzip';
        body = gzipSync(body ?? '{}');
      },
      () => {
        headers['content-encoding'] = 'br';
        body = 'plain text, not brotli';
      },
      () => {
        headers['content-type'] = 'text/xml';
      },
      () => {
        headers['content-type'] = 'application/json; charset=latin1';
      },
      () => {
        headers['content-type'] = 'application/json; charset=utf-16';
      },
      () => {
        delete headers['content-type'];
      },
      () => {
        headers['content-type'] = 'multipart/form-data; boundary=x';
        body = '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--';
      },
    ];
    variants[pick % variants.length]!();
  }

  if (QUERY_MUTATIONS.includes(mutation) && route.query && !route.body) {
    Object.assign(query, mutateValue(query, mutation, pick, depth));
  }
  if (mutation === 'duplicate-query') {
    const key = Object.keys(query)[0] ?? 'status';
    query[key] = ['a', 'b'];
  }
  if (mutation === 'huge-query') query['q'] = 'x'.repeat(HUGE_QUERY_LENGTHS[pick % HUGE_QUERY_LENGTHS.length]!);
  if (['nul', 'lone-surrogate'].includes(mutation) && !route.body && !route.query) query['q'] = mutation === 'nul' ? 'a\u0000' : '\ud83d';

  let path = route.path;
  for (const [name, value] of Object.entries(parts.params)) path = path.replace(`:${name}`, encodeURIComponent(value));
  if (mutation === 'bad-path-id') {
    const bad = BAD_PATH_IDS[pick % BAD_PATH_IDS.length]!;
    const names = Object.keys(parts.params);
    if (names.length) {
      path = route.path;
      for (const name of names) path = path.replace(`:${name}`, bad);
    } else {
      path = `${path}/${bad}`;
    }
  }

  switch (choice.credential) {
    case 'none':
      break;
    case 'publishable':
      headers['authorization'] = `Bearer ${credentials.a.publishableKey}`;
      break;
    case 'secret':
      headers['authorization'] = `Bearer ${credentials.a.secretKey}`;
      break;
    case 'publishable-in-query':
      query['key'] = credentials.a.publishableKey;
      break;
    case 'foreign-secret':
      headers['authorization'] = `Bearer ${credentials.b.secretKey}`;
      break;
    case 'garbage':
      headers['authorization'] = 'Bearer x.y.z';
      break;
    case 'malformed-header':
      headers['authorization'] = 'Basic dXNlcjpwYXNz';
      break;
    case 'nul-kid-token': {
      const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid: 'a\u0000b' })).toString('base64url');
      headers['authorization'] = `Bearer ${header}.${Buffer.from('{}').toString('base64url')}.c2ln`;
      break;
    }
    default:
      headers['authorization'] = `Bearer ${credentials.repTokens[choice.credential]}`;
  }
  return { method: route.method.toUpperCase(), path: `${path}${queryString(query)}`, headers, body };
}

/**
 * One request over node:http rather than fetch: fetch refuses a GET with a
 * body and normalises paths (`/a/../b`, `%2e%2e`) before they leave.
 */
function send(baseUrl: string, request: HttpRequest): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    // An explicit length: node:http sends a GET's body unframed otherwise, and the server reads it as a second, broken request.
    const headers = request.body === undefined ? request.headers : { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) };
    const outgoing = http.request({ hostname, port, path: request.path, method: request.method, headers }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      incoming.on('error', reject);
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      // Node refuses a request head over its limit and closes the socket while a long one is still being written.
      if (error.code === 'ECONNRESET' && request.path.length > NODE_MAX_HEADER_BYTES) resolve({ status: REQUEST_HEADER_FIELDS_TOO_LARGE, text: '' });
      else reject(error);
    });
    outgoing.end(request.body);
  });
}

const EVENT_POISONS = ['nul-in-property', 'lone-surrogate-in-name', 'nul-in-key', 'deep-properties', 'proto-key', 'huge-number', 'wrong-type'] as const;
type EventPoison = (typeof EVENT_POISONS)[number];

/** One event made unstorable or invalid in one way; the rest of it stays valid. */
function poisonEvent(event: Record<string, unknown>, poison: EventPoison): Record<string, unknown> {
  const properties = { ...((event['properties'] as Record<string, unknown> | undefined) ?? {}) };
  switch (poison) {
    case 'nul-in-property':
      return { ...event, properties: { ...properties, note: 'a\u0000b' } };
    case 'lone-surrogate-in-name':
      return { ...event, event: `dwell${'😀'.slice(0, 1)}` };
    case 'nul-in-key':
      return { ...event, properties: { ...properties, ['k\u0000']: 1 } };
    case 'deep-properties':
      return { ...event, properties: { ...properties, deep: nested(MAX_JSON_DEPTH) } };
    case 'proto-key':
      return { ...event, properties: Object.defineProperty(properties, '__proto__', { value: { admin: true }, enumerable: true }) };
    case 'huge-number':
      return { ...event, properties: { ...properties, amount: HUGE_NUMBER_MARKER } };
    case 'wrong-type':
      return { ...event, timestamp: 12_345 };
  }
}

function withoutCallerRecords(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([table]) => !WRITTEN_BY_ANY_AUTHENTICATED_CALL.has(table)));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function describeRequest(request: HttpRequest, choice: Choice): string {
  const body = request.body === undefined ? '' : typeof request.body === 'string' ? request.body : `<${request.body.length} bytes>`;
  return `${request.method} ${request.path.slice(0, 200)} [${choice.credential}, ${choice.mutation}] ${JSON.stringify(request.headers)} ${body.slice(0, 300)}`;
}

// ---------------------------------------------------------------------------

describe.each(testEngines())('hostile input across every route on $name', (engine) => {
  const byKey = new Map(apiRoutes(allModules).map((route) => [`${route.method.toUpperCase()} ${route.path}`, route]));
  let db: Database;
  let server: TestServer;
  let credentials: Credentials;
  let knownIds: string[] = [];
  let tenantTables: string[] = [];

  /** Rows per tenant table for both tenants, keyed `table`. */
  async function rowCounts(): Promise<Record<string, number>> {
    const sql = tenantTables.map((table) => `SELECT '${table}' AS name, count(*)::int AS n FROM ${table} WHERE tenant_id = ANY($1::text[])`).join(' UNION ALL ');
    const result = await db.query<{ name: string; n: number }>(sql, [[credentials.a.id, credentials.b.id]]);
    return Object.fromEntries(result.rows.map((row) => [row.name, row.n]));
  }

  beforeAll(async () => {
    db = await engine.open();
    // Rate limits and the job poller are other suites' business: here they would only add noise.
    server = await startTestServer(
      db,
      { HUASHU_RATE_LIMIT_PER_KEY: '0', HUASHU_RATE_LIMIT_PER_IP: '0', HUASHU_JOBS: '0' },
      { chat: new FakeListChatModel({ responses: ['按三年总成本来比，我们更省 [1]。'] }) },
    );
    const a = await server.tenant();
    const b = await server.tenant();
    const repTokens: Record<string, string> = {};
    for (const role of RepRole.options) repTokens[`rep:${role}`] = await repTokenFor(a.secretKey, { repId: `fuzz-${role}`, name: '李娜', role });
    credentials = { a, b, repTokens };
    // Ids that exist (in tenant A and, for the 404 rule, in B), so id routes get past "not found" too.
    const entry = { question: '价格太贵', answer: '按三年总成本比较', evidence: [{ kind: 'case', title: '某医院案例' }] };
    const ownEntry = await server.call('POST', '/v1/knowledge', { key: a.secretKey, body: entry });
    const foreignEntry = await server.call('POST', '/v1/knowledge', { key: b.secretKey, body: entry });
    const lead = await server.call('POST', '/v1/leads', { key: a.secretKey, body: { source: 'web', phone: '13800138000' } });
    // Live intent rules for A, so every fuzzed event batch is evaluated by them too; a share link, so /s/:id and its engagement get past 404.
    expect((await server.call('PUT', '/v1/signal-rules', { key: a.secretKey, body: DEMO_RULES })).status).toBe(200);
    const link = await server.call('POST', '/v1/share-links', { key: a.secretKey, body: { leadId: lead.body?.lead?.id, url: 'https://docs.example.com/proposal', title: '智慧医院建设方案' } });
    knownIds = [ownEntry.body?.id, foreignEntry.body?.id, lead.body?.lead?.id, link.body?.link?.id].filter((id): id is string => typeof id === 'string');
    expect(knownIds.length, JSON.stringify([ownEntry.body, foreignEntry.body, lead.body])).toBeGreaterThan(0);
    const tables = await db.query<{ table_name: string }>(
      `SELECT DISTINCT table_name FROM information_schema.columns WHERE column_name = 'tenant_id' AND table_schema = current_schema() ORDER BY table_name`,
    );
    tenantTables = tables.rows.map((row) => row.table_name);
    expect(tenantTables).toEqual(expect.arrayContaining(['leads', 'events', 'knowledge_entries']));
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  /** Mostly a credential the route accepts, so requests reach validation; sometimes any other. */
  function credentialFor(route: RouteSpec): fc.Arbitrary<string> {
    const accepted: string[] = [];
    if (route.auth === 'public') accepted.push('none');
    else {
      if (route.auth.includes('secret')) accepted.push('secret');
      if (route.auth.includes('publishable')) accepted.push(route.keyInQuery ? 'publishable-in-query' : 'publishable', 'publishable');
      if (route.auth.includes('rep')) accepted.push(...RepRole.options.map((role) => `rep:${role}`));
    }
    return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...accepted) }, { weight: 1, arbitrary: fc.constantFrom(...CREDENTIALS) });
  }

  function partsFor(route: RouteSpec): fc.Arbitrary<Parts> {
    const paramsSchema = paramsSchemaOf(route);
    const params = paramsSchema
      ? fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...knownIds).map((id) => Object.fromEntries(Object.keys(z.toJSONSchema(paramsSchema).properties ?? {}).map((name) => [name, id]))) },
          { weight: 1, arbitrary: fromZod(paramsSchema) as fc.Arbitrary<Record<string, string>> },
        )
      : fc.constant({});
    const itemSchema = ITEM_SCHEMAS[route.path];
    let body: fc.Arbitrary<unknown> = route.body ? fromZod(route.body) : hasBody(route) ? fc.dictionary(text(1, 12), fc.jsonValue({ maxDepth: 2 }), { maxKeys: MAX_GENERATED_ITEMS }) : fc.constant(undefined);
    if (itemSchema && route.itemsField) {
      const field = route.itemsField;
      body = fc.tuple(body, fc.array(fromZod(itemSchema), { minLength: 1, maxLength: 4 })).map(([value, items]) => ({ ...(value as object), [field]: items }));
    }
    const query = route.query ? (fromZod(route.query) as fc.Arbitrary<Record<string, unknown>>) : fc.constant({});
    return fc.record({ params: params as fc.Arbitrary<Record<string, string>>, query, body });
  }

  // The timeout grows with HUASHU_FUZZ_RUNS, for bug-hunting runs.
  it(`answers no hostile request with a 5xx and stores nothing it rejects (seed ${SEED}, ${RUNS_PER_ROUTE} requests per route)`, async () => {
    const statuses = new Map<number, number>();
    for (const [key, spec] of [...byKey].sort(([left], [right]) => left.localeCompare(right))) {
      const choices = fc
        .record({
          route: fc.constant(key),
          mutation: fc.constantFrom(...MUTATIONS),
          pick: fc.nat(),
          depth: fc.integer({ min: MAX_JSON_DEPTH + 1, max: 200 }),
          credential: credentialFor(spec),
          parts: partsFor(spec),
        })
        .map((choice) => choice as Choice);
      await fc.assert(fc.asyncProperty(choices, check), { seed: seedFor(key), numRuns: RUNS_PER_ROUTE, endOnFailure: true });
    }
    // Meaningful only if requests also got past validation.
    expect([...statuses.keys()].some((status) => status < 300)).toBe(true);

    async function check(choice: Choice): Promise<void> {
      const route = byKey.get(choice.route)!;
      const request = buildRequest(choice, route, credentials);
      const before = await rowCounts();
      const response = await send(server.url, request);
      const text = response.text;
      const after = await rowCounts();
      const label = describeRequest(request, choice);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);

      expect(response.status, `${label}\n→ ${text.slice(0, 500)}`).toBeLessThan(500);
      // An oversized request head is answered 431 by the parser hook (platform/http/client-errors.ts), before any route.
      if (response.status >= 400 && response.status !== REQUEST_HEADER_FIELDS_TOO_LARGE) {
        expect(parseJson(text), `${label}\n→ ${response.status} ${text.slice(0, 300)}`).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
      }
      if (response.status >= 400) expect(withoutCallerRecords(after), `a rejected request stored rows: ${label}`).toEqual(withoutCallerRecords(before));
      const delta = (table: string) => (after[table] ?? 0) - (before[table] ?? 0);
      if (response.status === 200 && route.path === '/v1/events/batch') {
        const result = JSON.parse(text) as { accepted: number; duplicates: number; rejected: unknown[] };
        const sent = JSON.parse(typeof request.body === 'string' ? request.body : '{}') as { batch?: unknown[] };
        if (!request.headers['content-encoding']) expect(result.accepted + result.duplicates + result.rejected.length, label).toBe(sent.batch?.length);
        expect(delta('events'), label).toBe(result.accepted);
      }
      if (response.status === 200 && route.path === '/v1/knowledge/import') {
        const result = JSON.parse(text) as { imported: number; updated: number; rejected: unknown[] };
        expect(delta('knowledge_entries'), label).toBe(result.imported);
      }
    }
  }, Math.max(DEFAULT_TEST_TIMEOUT_MS, RUNS_PER_ROUTE * byKey.size * WORST_REQUEST_MS));

  it(`stores exactly the events of a batch it does not reject, whatever poisons the others (seed ${SEED})`, async () => {
    // A counter rather than random ids: unique within the run and the same on every run of a seed.
    let nextMessage = 0;
    const events = fc.array(
      fromZod(TrackingEvent)
        .map((raw): Record<string, unknown> => ({ ...(raw as Record<string, unknown>), messageId: `batch-${SEED}-${(nextMessage += 1)}` }))
        .filter((event) => parseItem(TrackingEvent, event).success && (event['type'] !== 'track' || typeof event['event'] === 'string')),
      { minLength: 1, maxLength: 8 },
    );
    const poisons = fc.array(fc.tuple(fc.nat(), fc.constantFrom(...EVENT_POISONS)), { minLength: 1, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(events, poisons, async (batch, chosen) => {
        const poisoned = new Map(chosen.map(([at, poison]) => [at % batch.length, poison]));
        const sent = batch.map((event, index) => (poisoned.has(index) ? poisonEvent(event, poisoned.get(index)!) : event));
        const body = JSON.stringify({ sentAt: new Date().toISOString(), batch: sent }).replaceAll(`"${HUGE_NUMBER_MARKER}"`, '1e309');
        const before = await rowCounts();
        const response = await send(server.url, {
          method: 'POST',
          path: '/v1/events/batch',
          headers: { authorization: `Bearer ${credentials.a.publishableKey}`, 'content-type': 'application/json' },
          body,
        });
        const after = await rowCounts();
        const label = `${[...poisoned].map(([index, poison]) => `${index}:${poison}`).join(', ')} of ${batch.length} → ${response.text.slice(0, 400)}`;
        expect(response.status, label).toBe(200);
        const result = JSON.parse(response.text) as { accepted: number; rejected: Array<{ index: number }> };
        expect(result.rejected.map((row) => row.index), label).toEqual([...poisoned.keys()].sort((left, right) => left - right));
        const kept = batch.filter((_, index) => !poisoned.has(index)).map((event) => event['messageId'] as string);
        expect(result.accepted, label).toBe(kept.length);
        expect(after['events']! - before['events']!, label).toBe(kept.length);
        const stored = await db.query<{ message_id: string }>(`SELECT message_id FROM events WHERE tenant_id = $1 AND message_id = ANY($2::text[])`, [
          credentials.a.id,
          batch.map((event) => event['messageId']),
        ]);
        expect(stored.rows.map((row) => row.message_id).sort(), label).toEqual(kept.sort());
      }),
      { seed: SEED, numRuns: BATCH_RUNS, endOnFailure: true },
    );
  });

});
