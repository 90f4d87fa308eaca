import type { AssignmentReason, Lead, RepRef } from '@huashu/core';
import type { Queryable } from '../platform/db/types.js';
import { emit } from '../platform/jobs/index.js';

/**
 * The domain events of leads, written to the transactional outbox in the
 * transaction of the change (so an event exists exactly when its change
 * committed). Outbound webhooks, alerts and the signals domain consume them.
 * Every payload carries `lead` (its `id` first) as the lead is after the change.
 */
export type LeadEvent =
  | { type: 'lead.created'; data: { lead: Lead; touchpoint: { id: string; source: string; channel: string } } }
  | {
      type: 'lead.merged';
      data: { lead: Lead; mergeId: string; kind: 'submission' | 'lead'; absorbedLeadId: string; matchedOn: { kind: string; value: string }[] };
    }
  | { type: 'lead.assigned'; data: { lead: Lead; assignee: RepRef; rule: { id: string | null; name: string | null }; reason: AssignmentReason } }
  | { type: 'lead.sla_breached'; data: { lead: Lead; dueAt: string; assignee: RepRef | null } }
  | { type: 'lead.unmerged'; data: { lead: Lead; restoredLeadId: string; mergeId: string } };

export const LEAD_EVENT_TYPES = ['lead.created', 'lead.merged', 'lead.assigned', 'lead.sla_breached', 'lead.unmerged'] as const;

export async function emitLeadEvent(tx: Queryable, tenantId: string, event: LeadEvent): Promise<void> {
  await emit(tx, { tenantId, type: event.type, data: event.data });
}
