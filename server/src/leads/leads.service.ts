import { HuashuError, type Lead, type LeadInput } from '@huashu/core';
import type { Database } from '../platform/db/types.js';
import { describeIssues } from '../platform/validation.js';
import { normaliseContact } from './contact.js';
import * as store from './leads.store.js';

/**
 * Stores a lead with its first touchpoint. The same idempotency key returns the
 * lead stored the first time, so SDK retries never create a second lead.
 */
export async function captureLead(db: Database, tenantId: string, input: LeadInput): Promise<{ lead: Lead; created: boolean }> {
  const { contact, issues } = normaliseContact(input);
  if (issues.length > 0) throw new HuashuError('validation_failed', `invalid body: ${describeIssues(issues)}`, { issues });
  return db.transaction(async (tx) => {
    if (input.idempotencyKey) {
      const existing = await store.findByIdempotencyKey(tx, tenantId, input.idempotencyKey);
      if (existing) return { lead: existing, created: false };
    }
    const lead = await store.insertLead(tx, tenantId, input, contact);
    if (!lead) {
      // A concurrent request with the same key won the insert.
      const winner = await store.findByIdempotencyKey(tx, tenantId, input.idempotencyKey!);
      return { lead: winner!, created: false };
    }
    await store.insertTouchpoint(tx, tenantId, lead.id, input);
    return { lead, created: true };
  });
}

export const getLead = store.getLead;
