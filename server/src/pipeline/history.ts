import type { WorkSchedule } from '@huashu/core';
import type { DealRow, GroupColumns, StayRow, StoredEvent } from './pipeline.store.js';
import { workingMinutesAt } from './working-days.js';

/**
 * A deal's history from its events alone, replayed in `at` order (arrival
 * order breaks ties): its stays in each stage, and the deal as the last event
 * left it. Pure, so the same events always give the same history, whatever
 * order they arrived in.
 */

const GROUP_KEYS = ['owner', 'team', 'region', 'industry', 'productLine'] as const satisfies ReadonlyArray<keyof GroupColumns>;

interface StoredPayload {
  owner?: string;
  manager?: string;
  team?: string;
  region?: string;
  industry?: string;
  productLine?: string;
  leadId?: string;
  from?: string;
  to?: string;
  file?: { kind: string; name?: string };
  fields?: Record<string, unknown>;
  contact?: { id?: string; name: string; role?: string };
}

export function rebuildDeal(dealId: string, events: readonly StoredEvent[], schedule: WorkSchedule): { deal: DealRow; stays: StayRow[] } {
  const deal: DealRow = {
    id: dealId,
    stage: null,
    stageEnteredAt: null,
    firstEnteredAt: null,
    owner: null,
    manager: null,
    team: null,
    region: null,
    industry: null,
    productLine: null,
    leadId: null,
    fields: {},
    files: [],
    contacts: [],
    lastNoteAt: null,
  };
  const stays: StayRow[] = [];
  let current: StayRow | undefined;
  for (const event of events) {
    const payload = event.payload as StoredPayload;
    const at = new Date(event.at).toISOString();
    for (const key of GROUP_KEYS) if (payload[key] !== undefined) deal[key] = payload[key];
    if (payload.manager !== undefined) deal.manager = payload.manager;
    if (payload.leadId !== undefined) deal.leadId = payload.leadId;
    switch (event.type) {
      case 'deal.stage_changed': {
        const to = payload.to!;
        // A repeated report of the stage the deal is already in changes nothing.
        if (current?.stage === to) break;
        const clock = workingMinutesAt(new Date(event.at), schedule);
        if (current) {
          current.exitedAt = at;
          current.exitedWm = clock;
          current.toStage = to;
        }
        current = {
          dealId,
          seq: stays.length,
          stage: to,
          fromStage: current?.stage ?? payload.from ?? null,
          toStage: null,
          enteredAt: at,
          exitedAt: null,
          enteredWm: clock,
          exitedWm: null,
          prevEnteredAt: [...stays].reverse().find((stay) => stay.stage === to)?.enteredAt ?? null,
          owner: deal.owner,
          team: deal.team,
          region: deal.region,
          industry: deal.industry,
          productLine: deal.productLine,
        };
        stays.push(current);
        break;
      }
      case 'deal.note_added':
        deal.lastNoteAt = at;
        break;
      case 'deal.file_attached':
        deal.files.push({ kind: payload.file!.kind, name: payload.file!.name ?? null, at });
        break;
      case 'deal.field_updated':
        for (const [key, value] of Object.entries(payload.fields ?? {})) {
          if (value === null) delete deal.fields[key];
          else deal.fields[key] = value;
        }
        break;
      case 'deal.contact_linked': {
        const contact = { id: payload.contact!.id ?? null, name: payload.contact!.name, role: payload.contact!.role ?? null };
        const same = deal.contacts.findIndex((known) => (contact.id !== null ? known.id === contact.id : known.id === null && known.name === contact.name));
        if (same >= 0) deal.contacts[same] = contact;
        else deal.contacts.push(contact);
        break;
      }
      default:
        // deal.message feeds the health metrics straight from the event table.
        break;
    }
  }
  // A deal's region or industry reported only later is still the best answer for its earlier stays.
  for (const stay of stays) for (const key of GROUP_KEYS) stay[key] ??= deal[key];
  deal.stage = current?.stage ?? null;
  deal.stageEnteredAt = current?.enteredAt ?? null;
  deal.firstEnteredAt = stays[0]?.enteredAt ?? null;
  return { deal, stays };
}
