import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchesEvent, type Condition, type EventMatcher } from '@huashu/core';
import { ingestBatch, listEvents } from '../events/index.js';
import { createTenant } from '../platform/auth/key-store.js';
import type { Database } from '../platform/db/types.js';
import { testEngines } from '../testing/engines.js';
import { kindsOf } from './evaluation.js';

/**
 * Ingest reads a subject's history narrowed in SQL by the rules' plain string
 * conditions (kindsOf). The narrowing may keep too much, never too little:
 * every stored event a matcher accepts must come back, whatever the property
 * holds — the same text as a number, a numeric string, a nested object, a
 * key with a dot in it, nothing at all.
 */

const VALUES: unknown[] = ['pricing', 'docs', 'Pricing', '180', 180, 180.5, '180.0', ' 180', '', true, 'true', null, { pricing: 1 }, ['pricing'], 'pricing ', '定价页'];
const PROPERTIES = ['pageType', 'page.type', 'documentId'];
const NAMES = ['page', 'page_dwell', 'document_download'];

const scalar = fc.constantFrom<string | number | boolean>('pricing', 'docs', '180', 180, '', 'true', true, '定价页', '180.0');
const condition: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({ property: fc.constantFrom(...PROPERTIES), op: fc.constant('eq' as const), value: scalar }),
  fc.record({ property: fc.constantFrom(...PROPERTIES), op: fc.constant('in' as const), value: fc.array(scalar, { minLength: 1, maxLength: 3 }) }),
  fc.record({ property: fc.constantFrom(...PROPERTIES), op: fc.constantFrom('gte' as const, 'lte' as const), value: fc.constantFrom(60, 180) }),
  fc.record({ property: fc.constantFrom(...PROPERTIES), op: fc.constant('exists' as const) }),
);
const matcher: fc.Arbitrary<EventMatcher> = fc.record({ event: fc.constantFrom(...NAMES), where: fc.array(condition, { maxLength: 3 }) });

describe.each(testEngines())('history narrowed by rule conditions on $name', (engine) => {
  let db: Database;
  let tenantId: string;
  const at = new Date('2026-12-03T08:00:00Z');
  const from = new Date(at.getTime() - 3600_000);
  const to = new Date(at.getTime() + 3600_000);

  beforeAll(async () => {
    db = await engine.open();
    tenantId = (await createTenant(db, { name: 'history', slug: 'history-kinds' })).id;
    // Every name × property × value, for one lead: the universe the matchers are checked against.
    const batch = NAMES.flatMap((name) =>
      PROPERTIES.flatMap((property) =>
        VALUES.map((value, index) => ({
          messageId: `${name}-${property}-${index}`,
          ...(name === 'page' ? { type: 'page' as const } : { type: 'track' as const, event: name }),
          leadId: 'lead-h',
          properties: value === null ? {} : property === 'page.type' && index % 2 === 0 ? { page: { type: value } } : { [property]: value },
          timestamp: at.toISOString(),
        })),
      ),
    );
    const result = await ingestBatch(db, tenantId, { sentAt: at.toISOString(), batch }, at);
    expect(result.accepted).toBe(batch.length);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('returns every event any of the matchers accepts, and fewer than all when a plain string narrows', async () => {
    const everything = await listEvents(db, tenantId, { leadIds: ['lead-h'], from, to, limit: 10_000 });
    expect(everything.length).toBe(NAMES.length * PROPERTIES.length * VALUES.length);
    await fc.assert(
      fc.asyncProperty(fc.array(matcher, { minLength: 1, maxLength: 4 }), async (matchers) => {
        const read = await listEvents(db, tenantId, { leadIds: ['lead-h'], kinds: kindsOf(matchers), from, to, limit: 10_000 });
        const readIds = new Set(read.map((event) => event.messageId));
        for (const event of everything) {
          const signalEvent = { messageId: event.messageId, type: event.type, event: event.event, properties: event.properties, at: event.occurredAt.getTime() };
          if (matchers.some((m) => matchesEvent(m, signalEvent))) expect(readIds.has(event.messageId), `${event.messageId} ${JSON.stringify(event.properties)} for ${JSON.stringify(matchers)}`).toBe(true);
        }
      }),
      { numRuns: 60, seed: 20261203 },
    );
    const narrowed = await listEvents(db, tenantId, { leadIds: ['lead-h'], kinds: kindsOf([{ event: 'page', where: [{ property: 'pageType', op: 'eq', value: 'pricing' }] }]), from, to, limit: 10_000 });
    expect(narrowed.map((event) => event.messageId).sort()).toEqual(['page-pageType-0']);
  });
});
