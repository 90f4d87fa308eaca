import { randomUUID } from 'node:crypto';
import { allModules } from '../modules.js';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { AppContext } from '../platform/context.js';
import { startServer } from '../server.js';
import { createTenant, issueKey } from '../platform/auth/key-store.js';

export interface EventsBenchRow {
  engine: string;
  events: number;
  apiPerSecond: number;
  copyPerSecond: number;
}

const BATCH = 500;
const CONCURRENCY = 4;

function makeEvents(count: number, tenantTag: string) {
  const now = Date.now();
  return Array.from({ length: count }, (_, index) => ({
    messageId: randomUUID(),
    type: 'track' as const,
    event: index % 5 === 0 ? 'page_dwell' : 'document_download',
    anonymousId: `anon-${tenantTag}-${index % 997}`,
    properties: { path: `/compare/vendor-${index % 13}`, pageType: 'competitor_comparison', activeSeconds: index % 300 },
    timestamp: new Date(now - (count - index) * 10).toISOString(),
  }));
}

const csvField = (value: string) => `"${value.replace(/"/g, '""')}"`;

/**
 * Events/s through `POST /v1/events/batch` (HTTP, validation, de-duplication,
 * clock correction) against a raw COPY of equivalent rows into the same table
 * in the same run — the ceiling for that engine on this machine.
 */
export async function benchEvents(
  ctx: AppContext,
  engine: string,
  count: number,
  copy: { pglite?: PGlite; url?: string },
  progress: (message: string) => void,
): Promise<EventsBenchRow> {
  const tenant = await createTenant(ctx.db, { name: 'events bench', slug: `events-${Date.now() % 1_000_000}` });
  const key = await issueKey(ctx.db, tenant.id, 'publishable');
  const running = await startServer({ config: { ...ctx.config, PORT: 0 }, db: ctx.db, logger: ctx.logger, modules: allModules });
  const events = makeEvents(count, 'api');
  const batches: (typeof events)[] = [];
  for (let start = 0; start < events.length; start += BATCH) batches.push(events.slice(start, start + BATCH));
  progress(`${engine}: ${count} events through the API`);
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        const res = await fetch(`${running.url}/v1/events/batch`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ sentAt: new Date().toISOString(), batch }),
        });
        const body = (await res.json()) as { accepted: number };
        if (body.accepted !== batch.length) throw new Error(`batch not fully accepted: ${JSON.stringify(body).slice(0, 200)}`);
      }
    }),
  );
  const apiPerSecond = count / ((performance.now() - started) / 1000);
  await running.close();

  progress(`${engine}: COPY of ${count} rows`);
  const copyTenant = await createTenant(ctx.db, { name: 'copy bench', slug: `copy-${Date.now() % 1_000_000}` });
  const csv = makeEvents(count, 'copy')
    .map((e) => [copyTenant.id, e.messageId, e.type, e.event, e.anonymousId, JSON.stringify(e.properties), e.timestamp].map(csvField).join(','))
    .join('\n');
  const columns = '(tenant_id, message_id, type, event, anonymous_id, properties, occurred_at)';
  const copyStarted = performance.now();
  if (copy.pglite) {
    await copy.pglite.query(`COPY events ${columns} FROM '/dev/blob' WITH (FORMAT csv)`, [], { blob: new Blob([csv]) });
  } else if (copy.url) {
    const client = new pg.Client({ connectionString: copy.url });
    await client.connect();
    const stream = client.query(copyFrom(`COPY events ${columns} FROM STDIN WITH (FORMAT csv)`));
    await new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
      stream.end(csv);
    });
    await client.end();
  }
  const copyPerSecond = count / ((performance.now() - copyStarted) / 1000);
  return { engine, events: count, apiPerSecond, copyPerSecond };
}
