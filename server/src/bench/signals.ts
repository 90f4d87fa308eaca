import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { SignalRuleSetInput, type SignalRuleSetInput as RuleSetInput } from '@huashu/core';
import { allModules } from '../modules.js';
import { loadConfig } from '../platform/config.js';
import type { Database } from '../platform/db/types.js';
import { createLogger } from '../platform/logger.js';
import { createTenant, issueKey } from '../platform/auth/key-store.js';
import { startServer } from '../server.js';
import { DEMO_RULES } from '../signals/signals.demo.js';
import { putRules } from '../signals/index.js';
import { freshPglite } from '../testing/engines.js';
import { table } from './stats.js';

/**
 * Events/s through `POST /v1/events/batch` with a realistic rule set (20
 * weights, 5 sequences, 2 silences) evaluated on ingest, beside the same
 * events into a tenant without rules, in the same run on the same server.
 * Target: the rules cost at most 30 % of the throughput.
 */

interface EngineHandle {
  name: 'pglite' | 'postgres';
  open(): Promise<{ db: Database; pglite?: PGlite; url?: string }>;
}

export interface SignalsBenchRow {
  engine: string;
  shape: Shape;
  events: number;
  withoutRules: number;
  withRules: number;
  signals: number;
  /** Batches whose evaluation failed on ingest (a deadlock, say) and went to the signals.evaluate job: should be 0. */
  deferred: number;
}

/**
 * Events per side, enough for several seconds a side on this machine: with 20,000 relay events
 * (about 2 s a side, 4 batches a slice) an A/A run — no rules on either side — measured the
 * second tenant 54 % faster than the first, garbage collection and JIT landing on whichever
 * slice they chose. The SDK shape is ~20× slower per event, so it needs fewer.
 */
const EVENTS: Record<'pglite' | 'postgres', Record<'relay' | 'sdk', number>> = {
  pglite: { relay: Number(process.env['BENCH_SIGNALS_PGLITE_RELAY'] ?? 150_000), sdk: Number(process.env['BENCH_SIGNALS_PGLITE'] ?? 20_000) },
  postgres: { relay: Number(process.env['BENCH_SIGNALS_POSTGRES_RELAY'] ?? 300_000), sdk: Number(process.env['BENCH_SIGNALS_POSTGRES'] ?? 50_000) },
};
/**
 * Two ways events reach the server. `relay`: a server-side forwarder posts 500
 * events of many visitors at once, 4 in flight — every batch shares visitors
 * with the others in flight, the worst case for the per-visitor locks
 * sequences take. `sdk`: browsers post their own queue, one visitor's next
 * ≤ 20 events (the SDK's flushAt), 16 browsers in flight.
 */
const SHAPES = {
  relay: { batch: 500, concurrency: Number(process.env['BENCH_SIGNALS_CONCURRENCY'] ?? 4) },
  sdk: { batch: 20, concurrency: 16 },
} as const;
type Shape = keyof typeof SHAPES;
/** Distinct visitors; a third of them are identified leads whose events carry the lead id. */
const VISITORS = Number(process.env["BENCH_SIGNALS_VISITORS"] ?? 5000);
const IDENTIFIED_EVERY = 3;
const WARM_UP_BATCHES = 4;
/** Alternating slices per side: more of them spread the machine's other load more evenly. */
const ROUNDS = 10;

/** DEMO_RULES plus three sequences and a second silence: 20 weights, 5 sequences, 2 silences. */
export const BENCH_RULES: RuleSetInput = {
  ...DEMO_RULES,
  sequences: [
    ...(DEMO_RULES.sequences ?? []),
    {
      id: 'docs_then_trial',
      steps: [{ event: 'page_dwell', where: [{ property: 'pageType', op: 'eq', value: 'docs' }, { property: 'activeSeconds', op: 'gte', value: 120 }] }, { event: 'trial_started' }],
      within: 'P3D',
      weight: 0.3,
      label: { zh: '读完接口文档后开通试用', en: 'Trial after the API docs' },
    },
    {
      id: 'case_then_demo',
      steps: [{ event: 'document_download', where: [{ property: 'documentId', op: 'in', value: ['case_hospital_east', 'case_hospital_his'] }] }, { event: 'demo_booked' }],
      within: 'P7D',
      weight: 0.4,
      label: { zh: '看完案例后预约演示', en: 'Demo after a case study' },
    },
    {
      id: 'pricing_contact_quote',
      steps: [
        { event: 'page_dwell', where: [{ property: 'pageType', op: 'eq', value: 'pricing' }, { property: 'activeSeconds', op: 'gte', value: 30 }] },
        { event: 'page', where: [{ property: 'pageType', op: 'eq', value: 'contact' }] },
        { event: 'quote_requested' },
      ],
      within: 'PT2H',
      weight: 0.5,
      label: { zh: '价格页 → 联系我们 → 索要报价', en: 'Pricing, contact, then a quote' },
    },
  ],
  silences: [
    ...(DEMO_RULES.silences ?? []),
    {
      id: 'quote_unanswered',
      after: { event: 'quote_requested' },
      expect: { event: 'contract_question' },
      within: 'P14D',
      weight: -0.2,
      label: { zh: '报价后两周无回应', en: 'No reply two weeks after the quote' },
    },
  ],
};

/** Where a B2B site's traffic goes: mostly content pages; pricing, comparison and contact are the minority that matter. */
const PAGE_TYPES: [string, number][] = [
  ['blog', 30], ['product', 25], ['home', 15], ['docs', 8], ['pricing', 7], ['case_study', 6], ['competitor_comparison', 4], ['security', 2], ['contact', 2], ['careers', 1],
];
/** Other track events: interaction noise first, high-intent actions rare. */
const TRACKS: [string, number][] = [
  ['scroll_depth', 35], ['video_played', 20], ['click', 20], ['document_download', 10], ['feature_used', 5], ['webinar_attended', 2], ['roi_calculated', 2],
  ['trial_started', 2], ['demo_booked', 1.5], ['quote_requested', 1], ['poc_requested', 0.8], ['contract_question', 0.7],
];
const DOCUMENTS: [string, number][] = [['brochure', 40], ['price_list', 20], ['security_whitepaper', 15], ['case_hospital_east', 15], ['case_hospital_his', 10]];
const PAGE_VIEW_SHARE = 0.4;
const DWELL_SHARE = 0.4;
const MEAN_DWELL_SECONDS = 60;
const MAX_DWELL_SECONDS = 1800;

/** A website's traffic, deterministic: page views and dwell times (exponential, mean 60 s), interaction events, now and then a download or a POC request. */
export function makeEvents(count: number, tag: string) {
  const now = Date.now();
  let seed = 20_261_203;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  const pick = (items: readonly [string, number][]) => {
    let roll = random() * items.reduce((sum, [, weight]) => sum + weight, 0);
    for (const [item, weight] of items) if ((roll -= weight) < 0) return item;
    return items[items.length - 1]![0];
  };
  return Array.from({ length: count }, (_, index) => {
    const visitor = Math.floor(random() * VISITORS);
    const identity = { anonymousId: `anon-${tag}-${visitor}`, ...(visitor % IDENTIFIED_EVERY === 0 ? { leadId: `lead-${tag}-${visitor}` } : {}) };
    const timestamp = new Date(now - (count - index) * 50).toISOString();
    const roll = random();
    const pageType = pick(PAGE_TYPES);
    if (roll < PAGE_VIEW_SHARE) return { messageId: randomUUID(), type: 'page' as const, ...identity, properties: { path: `/${pageType}`, pageType, title: pageType }, timestamp };
    if (roll < PAGE_VIEW_SHARE + DWELL_SHARE) {
      const activeSeconds = Math.min(MAX_DWELL_SECONDS, Math.round(-MEAN_DWELL_SECONDS * Math.log(1 - random())));
      return { messageId: randomUUID(), type: 'track' as const, event: 'page_dwell', ...identity, properties: { path: `/${pageType}`, pageType, activeSeconds }, timestamp };
    }
    const event = pick(TRACKS);
    const properties = event === 'document_download' ? { documentId: pick(DOCUMENTS) } : event === 'roi_calculated' ? { beds: Math.floor(random() * 1500) } : { path: '/app' };
    return { messageId: randomUUID(), type: 'track' as const, event, ...identity, properties, timestamp };
  });
}

async function post(url: string, key: string, batches: readonly unknown[][], concurrency: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        const res = await fetch(`${url}/v1/events/batch`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ sentAt: new Date().toISOString(), batch }),
        });
        const body = (await res.json()) as { accepted: number };
        if (body.accepted !== batch.length) throw new Error(`batch not fully accepted: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      }
    }),
  );
  return performance.now() - started;
}

const chunks = <T>(items: readonly T[], size: number) => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/** The events as `shape` posts them: in arrival order, or each visitor's next ≤ 20 in turn, batches ordered by their first event. */
function inBatches<T extends { anonymousId: string; timestamp: string }>(events: readonly T[], shape: Shape): T[][] {
  if (shape === 'relay') return chunks(events, SHAPES.relay.batch);
  const byVisitor = new Map<string, T[]>();
  for (const event of events) byVisitor.set(event.anonymousId, [...(byVisitor.get(event.anonymousId) ?? []), event]);
  return [...byVisitor.values()].flatMap((stream) => chunks(stream, SHAPES.sdk.batch)).sort((a, b) => a[0]!.timestamp.localeCompare(b[0]!.timestamp));
}

async function benchEngine(engine: EngineHandle, shape: Shape, progress: (message: string) => void): Promise<SignalsBenchRow> {
  // PGlite as `npm start` runs it, on a data directory: in memory, its file system copies a
  // growing table file into a bigger buffer now and then, a cost the product never pays.
  const dataDir = engine.name === 'pglite' ? await mkdtemp(join(tmpdir(), 'huashu-bench-signals-')) : undefined;
  const { db } = dataDir ? await freshPglite(dataDir) : await engine.open();
  const { concurrency } = SHAPES[shape];
  try {
    const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', HUASHU_EMBEDDER: 'local', HUASHU_RATE_LIMIT_PER_KEY: '0', HUASHU_RATE_LIMIT_PER_IP: '0', HUASHU_JOBS: '0' });
    const running = await startServer({ config, db, logger: createLogger('silent'), modules: allModules });
    const plain = await createTenant(db, { name: 'no rules', slug: `signals-off-${Date.now() % 1_000_000}` });
    const ruled = await createTenant(db, { name: 'rules', slug: `signals-on-${Date.now() % 1_000_000}` });
    const plainKey = (await issueKey(db, plain.id, 'publishable')).key;
    const ruledKey = (await issueKey(db, ruled.id, 'publishable')).key;
    await putRules(db, ruled.id, SignalRuleSetInput.parse(BENCH_RULES), 'bench');
    const count = EVENTS[engine.name][shape];
    const warmUp = WARM_UP_BATCHES * SHAPES.relay.batch;
    await post(running.url, plainKey, inBatches(makeEvents(warmUp, 'warm-off'), shape), concurrency);
    await post(running.url, ruledKey, inBatches(makeEvents(warmUp, 'warm-on'), shape), concurrency);
    // The same traffic for both tenants (ids differ only by tenant tag), measured in alternating
    // slices (off-on, on-off, …) so that other load on the machine hits both sides alike.
    const off = makeEvents(count, 'x');
    const on = off.map((event) => ({ ...event, messageId: randomUUID() }));
    const slice = Math.ceil(count / ROUNDS);
    progress(`${engine.name}, ${shape}: ${count} events without rules and ${count} with 20 weights, 5 sequences, 2 silences, in ${ROUNDS} alternating slices`);
    let offMs = 0;
    let onMs = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const part = (events: typeof off) => inBatches(events.slice(round * slice, (round + 1) * slice), shape);
      const sides = [async () => (offMs += await post(running.url, plainKey, part(off), concurrency)), async () => (onMs += await post(running.url, ruledKey, part(on), concurrency))];
      for (const side of round % 2 === 0 ? sides : sides.reverse()) await side();
    }
    await running.close();
    const signals = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM signals WHERE tenant_id = $1`, [ruled.id]);
    const deferred = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE tenant_id = ANY($1::text[]) AND type = 'signals.evaluate'`, [[plain.id, ruled.id]]);
    return { engine: engine.name, shape, events: count, withoutRules: count / (offMs / 1000), withRules: count / (onMs / 1000), signals: signals.rows[0]!.n, deferred: deferred.rows[0]!.n };
  } finally {
    await db.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
}

export async function runSignalsBench(engines: readonly EngineHandle[], progress: (message: string) => void): Promise<void> {
  const rows: SignalsBenchRow[] = [];
  for (const engine of engines) for (const shape of Object.keys(SHAPES) as Shape[]) rows.push(await benchEngine(engine, shape, progress));
  process.stdout.write('\n\n## Intent signals — events/s through POST /v1/events/batch with 20 weights, 5 sequences and 2 silences evaluated on ingest, beside the same events without rules\n\n');
  process.stdout.write(
    table(
      ['engine', 'traffic', 'events', 'without rules events/s', 'with rules events/s', 'cost of the rules', 'signals fired', 'batches deferred to a job'],
      rows.map((row) => [row.engine, row.shape === 'relay' ? `relay: ${SHAPES.relay.batch} mixed visitors a batch, ${SHAPES.relay.concurrency} in flight` : `SDK: one visitor's ≤ ${SHAPES.sdk.batch} a batch, ${SHAPES.sdk.concurrency} in flight`, row.events, row.withoutRules, row.withRules, `${(100 * (1 - row.withRules / row.withoutRules)).toFixed(0)} %`, row.signals, row.deferred]),
    ),
  );
  process.stdout.write('\n\nTarget: the rules cost at most 30 % of the throughput (a third of the visitors identified; the same events on both sides, in alternating slices).\n');
}
