import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTenant, issueKey } from '../platform/auth/key-store.js';
import { openDatabase } from '../platform/db/open.js';
import type { Database } from '../platform/db/types.js';
import { scratchDatabase, startServerChild, type ServerChild } from './child.js';
import { table } from './stats.js';

/**
 * Two server processes on one Postgres behind a round-robin "load balancer"
 * (the client picks the replica), under event and lead load; one replica is
 * killed with SIGKILL halfway. Clients retry the way the SDK does — the same
 * body (same messageIds, same idempotencyKey) again after a network error or
 * a 5xx/429, to the next replica — and a local receiver counts the webhook
 * deliveries of every lead.created.
 */

export const REPLICA_SECONDS = Number(process.env['BENCH_REPLICA_SECONDS'] ?? 8);
/** Clients sending at once (half events, half leads). */
const CLIENTS = 8;
const EVENTS_PER_BATCH = 20;
/** SDK-like: a short, growing pause between attempts, and a cap on attempts (never reached here). */
const RETRY_BASE_MS = 50;
const MAX_ATTEMPTS = 30;
/** Job poll interval of the replicas: deliveries show up quickly. */
const JOBS_INTERVAL_MS = 100;
/**
 * How long to wait for the last deliveries: a killed replica's claimed jobs
 * return once their lease (30 s) runs out, and failed attempts retry on the
 * 100 ms schedule below.
 */
const DRAIN_TIMEOUT_MS = 60_000;
const DRAIN_POLL_MS = 250;

export interface ReplicaReport {
  seconds: number;
  eventsSent: number;
  eventsStored: number;
  eventRows: number;
  leadsSent: number;
  leadsStored: number;
  deliveriesDistinct: number;
  deliveriesTotal: number;
  leadsDelivered: number;
  /** Attempts that failed and were retried (mostly requests in flight on the killed replica). */
  retried: number;
  /** 5xx answers from the replica that stayed up. */
  survivorServerErrors: number;
  /** Requests the survivor answered after the kill. */
  survivorServedAfterKill: number;
  deadJobs: number;
  jobsRunTwice: number;
  drainMs: number;
}

interface Receiver {
  url: string;
  ids: Map<string, number>;
  leadIds: Set<string>;
  server: Server;
}

async function startReceiver(): Promise<Receiver> {
  const ids = new Map<string, number>();
  const leadIds = new Set<string>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const id = String(req.headers['webhook-id'] ?? '');
      ids.set(id, (ids.get(id) ?? 0) + 1);
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: { lead?: { id?: string } } };
        if (body.data?.lead?.id) leadIds.add(body.data.lead.id);
      } catch {
        // Counted by id anyway; the body is the server's.
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, ids, leadIds, server };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Replica {
  child: ServerChild;
  alive: boolean;
  killedAt?: number;
  statuses: Map<number, number>;
  servedAfterKill: number;
}

/** Runs the scenario on a scratch database of the Postgres at `serverUrl`. */
export async function runReplicaScenario(serverUrl: string, options: { seconds?: number; progress?: (message: string) => void } = {}): Promise<ReplicaReport> {
  const seconds = options.seconds ?? REPLICA_SECONDS;
  const progress = options.progress ?? (() => undefined);
  const scratch = await scratchDatabase(serverUrl);
  const receiver = await startReceiver();
  let db: Database | undefined;
  const replicas: Replica[] = [];
  try {
    db = await openDatabase({ databaseUrl: scratch.url });
    const tenant = await createTenant(db, { name: 'replicas', slug: 'replicas' });
    const secret = await issueKey(db, tenant.id, 'secret');
    const publishable = await issueKey(db, tenant.id, 'publishable');
    const env = {
      BENCH_CHILD_DATABASE_URL: scratch.url,
      BENCH_CHILD_TENANT_ID: tenant.id,
      BENCH_CHILD_SECRET_KEY: secret.key,
      HUASHU_WEBHOOK_ALLOW_PRIVATE: '1',
      HUASHU_JOBS_INTERVAL_MS: String(JOBS_INTERVAL_MS),
      HUASHU_WEBHOOK_RETRY_SCHEDULE_MS: '100,100,100,100,100',
    };
    progress('replicas: starting two server processes on one Postgres');
    for (const child of await Promise.all([startServerChild(env), startServerChild(env)])) replicas.push({ child, alive: true, statuses: new Map(), servedAfterKill: 0 });
    const subscribed = await fetch(`${replicas[0]!.child.ready.url}/v1/webhook-subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: receiver.url, events: ['lead.created'] }),
    });
    if (!subscribed.ok) throw new Error(`subscription refused: ${subscribed.status} ${await subscribed.text()}`);

    let turn = 0;
    let retried = 0;
    let killed = false;
    /** Sends one body until a replica takes it, moving to the next replica after each failure. */
    const deliver = async (path: string, body: unknown) => {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const replica = replicas[turn++ % replicas.length]!;
        try {
          const res = await fetch(`${replica.child.ready.url}${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${publishable.key}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          await res.arrayBuffer();
          replica.statuses.set(res.status, (replica.statuses.get(res.status) ?? 0) + 1);
          if (killed && replica.alive) replica.servedAfterKill++;
          if (res.ok) return;
          if (res.status < 500 && res.status !== 429) throw new Error(`${path} refused with ${res.status}`);
        } catch (error) {
          if (error instanceof Error && error.message.includes('refused with')) throw error;
          // A network error: the replica is gone or the connection dropped mid-request.
        }
        retried++;
        await pause(RETRY_BASE_MS * Math.min(attempt, 10));
      }
      throw new Error(`${path}: no replica took the request after ${MAX_ATTEMPTS} attempts`);
    };

    let eventsSent = 0;
    let leadsSent = 0;
    const stopAt = performance.now() + seconds * 1000;
    const killAt = performance.now() + (seconds * 1000) / 2;
    const clients = Array.from({ length: CLIENTS }, async (_, client) => {
      for (let n = 0; performance.now() < stopAt; n++) {
        if (client % 2 === 0) {
          const now = new Date().toISOString();
          const batch = Array.from({ length: EVENTS_PER_BATCH }, (_, i) => ({
            messageId: `replica-${client}-${n}-${i}`,
            type: 'track',
            event: 'page_dwell',
            anonymousId: `visitor-${client}-${n % 50}`,
            properties: { pageType: 'pricing', activeSeconds: 20 },
            timestamp: now,
          }));
          eventsSent += batch.length;
          await deliver('/v1/events/batch', { sentAt: now, batch });
        } else {
          const seq = client * 1_000_000 + n;
          leadsSent++;
          await deliver('/v1/leads', { idempotencyKey: `replica-lead-${seq}`, name: `客户${seq}`, phone: `139${String(50_000_000 + seq).slice(-8)}`, source: 'website' });
        }
      }
    });
    const killer = (async () => {
      await pause(Math.max(0, killAt - performance.now()));
      progress('replicas: kill -9 of the first server process mid-load');
      replicas[0]!.alive = false;
      killed = true;
      await replicas[0]!.child.kill();
    })();
    await Promise.all([...clients, killer]);

    progress('replicas: waiting for the outbox to deliver every lead.created');
    const countLeads = async () => (await db!.query<{ n: number }>(`SELECT count(*)::int AS n FROM leads WHERE tenant_id = $1`, [tenant.id])).rows[0]!.n;
    const leadsStored = await countLeads();
    const drainStarted = performance.now();
    while (receiver.leadIds.size < leadsStored && performance.now() - drainStarted < DRAIN_TIMEOUT_MS) await pause(DRAIN_POLL_MS);
    const drainMs = performance.now() - drainStarted;
    // Anything still in flight has had its chance to arrive twice.
    await pause(JOBS_INTERVAL_MS * 5);

    const events = await db.query<{ rows: number; ids: number }>(`SELECT count(*)::int AS rows, count(DISTINCT message_id)::int AS ids FROM events WHERE tenant_id = $1`, [tenant.id]);
    const jobs = await db.query<{ dead: number; twice: number }>(
      `SELECT count(*) FILTER (WHERE state = 'dead')::int AS dead, count(*) FILTER (WHERE attempts > 1)::int AS twice FROM jobs WHERE tenant_id = $1 OR tenant_id IS NULL`,
      [tenant.id],
    );
    const survivor = replicas[1]!;
    return {
      seconds,
      eventsSent,
      eventsStored: events.rows[0]!.ids,
      eventRows: events.rows[0]!.rows,
      leadsSent,
      leadsStored,
      deliveriesDistinct: receiver.ids.size,
      deliveriesTotal: [...receiver.ids.values()].reduce((sum, n) => sum + n, 0),
      leadsDelivered: receiver.leadIds.size,
      retried,
      survivorServerErrors: [...survivor.statuses].reduce((sum, [status, n]) => (status >= 500 ? sum + n : sum), 0),
      survivorServedAfterKill: survivor.servedAfterKill,
      deadJobs: jobs.rows[0]!.dead,
      jobsRunTwice: jobs.rows[0]!.twice,
      drainMs,
    };
  } finally {
    for (const replica of replicas) await replica.child.stop();
    await db?.close();
    await new Promise((resolve) => receiver.server.close(resolve));
    await scratch.drop();
  }
}

export async function runReplicasBench(serverUrl: string, progress: (message: string) => void): Promise<ReplicaReport> {
  const report = await runReplicaScenario(serverUrl, { progress });
  process.stdout.write(`\n## Two replicas on one Postgres — ${CLIENTS} SDK-style clients for ${report.seconds} s, replica 1 killed with -9 halfway\n\n`);
  process.stdout.write(
    table(
      ['what', 'sent', 'stored / delivered', 'exactly once?'],
      [
        ['events (by messageId)', String(report.eventsSent), `${report.eventsStored} ids in ${report.eventRows} rows`, report.eventsStored === report.eventsSent && report.eventRows === report.eventsSent ? 'yes' : 'NO'],
        ['leads (by idempotencyKey)', String(report.leadsSent), String(report.leadsStored), report.leadsStored === report.leadsSent ? 'yes' : 'NO'],
        [
          'lead.created webhooks',
          String(report.leadsStored),
          `${report.leadsDelivered} leads, ${report.deliveriesDistinct} webhook-ids, ${report.deliveriesTotal} POSTs`,
          report.leadsDelivered === report.leadsStored && report.deliveriesTotal === report.deliveriesDistinct ? 'yes' : report.leadsDelivered === report.leadsStored ? `all delivered, ${report.deliveriesTotal - report.deliveriesDistinct} redelivered` : 'NO',
        ],
      ],
    ),
  );
  process.stdout.write(
    `\n\nClient attempts retried: ${report.retried}; survivor answered ${report.survivorServedAfterKill} requests after the kill with ${report.survivorServerErrors} 5xx; dead jobs ${report.deadJobs}, jobs that ran more than once ${report.jobsRunTwice}; last delivery ${(report.drainMs / 1000).toFixed(1)} s after the load stopped.\n`,
  );
  return report;
}
