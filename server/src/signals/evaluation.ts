import {
  compileRules,
  crossedThresholds,
  decayFactor,
  explainSilence,
  matchesEvent,
  silencesAnchoredBy,
  silencesExpecting,
  roundScore,
  scoreOfSum,
  sequenceReach,
  sequenceSignals,
  silenceBroken,
  weightSignals,
  SHARE_LINK_OPENED,
  PAGE_EVENT,
  type CompiledRules,
  type CompiledSilence,
  type EventMatcher,
  type FiredSignal,
  type SignalEvent,
  type SignalRuleSet,
  type StepReach,
} from '@huashu/core';
import { eventsByMessageIds, listEvents, type EventKind, type EventRow, type StoredEvent } from '../events/index.js';
import type { Queryable } from '../platform/db/types.js';
import { emitMany, enqueue, type OutboxEventInput } from '../platform/jobs/index.js';
import * as store from './signals.store.js';
import type { NewSignal, SignalRow } from './signals.store.js';

/**
 * Rules evaluated as events arrive, in the transaction that stores them
 * (events' `onStored` hook): weights on each new event, sequences over the
 * subject's recent history, silences anchored and broken, scores and
 * threshold crossings, outbox events. Everything is idempotent (a signal is
 * unique per rule and key event), so a replayed batch changes nothing.
 */

export const SIGNAL_FIRED = 'signal.fired';
export const LEAD_GOING_SILENT = 'lead.going_silent';
/** Events of one subject a sequence evaluation reads at most (newest kept). */
const HISTORY_LIMIT = 5000;
/** How far back an identification re-evaluates the lead's combined history. */
export const BACKFILL_LOOKBACK_MS = 30 * 24 * 3600_000;
/** Compiled rule sets kept in memory (by tenant; the live version is checked on every batch). */
const MAX_CACHED_RULE_SETS = 1000;
const SECOND_MS = 1000;

export interface LiveRules extends CompiledRules {
  source: SignalRuleSet;
  createdAt: Date;
  /** Track event names any rule looks at, and whether any looks at page views. */
  names: Set<string>;
  pages: boolean;
  /** The events sequences and silences need from history, narrowed by their plain string conditions. */
  historyKinds: EventKind[];
}

const cache = new Map<string, LiveRules>();

function namesOf(matchers: readonly { event: string }[]): { names: Set<string>; pages: boolean } {
  const names = new Set<string>();
  let pages = false;
  for (const matcher of matchers) {
    if (matcher.event === PAGE_EVENT) pages = true;
    else names.add(matcher.event);
  }
  return { names, pages };
}

export function toLiveRules(source: SignalRuleSet, version: number, createdAt: Date): LiveRules {
  const compiled = compileRules(source, version);
  const all = namesOf([...source.weights, ...source.sequences.flatMap((rule) => rule.steps), ...source.silences.flatMap((rule) => [rule.after, rule.expect])]);
  const historyKinds = kindsOf([...source.sequences.flatMap((rule) => rule.steps), ...source.silences.map((rule) => rule.expect)]);
  return { ...compiled, source, createdAt, names: all.names, pages: all.pages, historyKinds };
}

const looksNumeric = (value: string) => value.trim() !== '' && Number.isFinite(Number(value));

/**
 * What history reads for these matchers: a superset of the events they match,
 * never less. Only `eq` / `in` on a top-level property with non-numeric
 * strings narrow it — there `matchesEvent` demands the very string, which SQL
 * can test; numbers, ranges and dotted paths have JS semantics SQL would only
 * approximate, so they are left to `matchesEvent`. A name one matcher reads
 * unnarrowed is read whole.
 */
export function kindsOf(matchers: readonly EventMatcher[]): EventKind[] {
  const byName = new Map<string, EventKind[] | 'all'>();
  for (const matcher of matchers) {
    const equals: { property: string; anyOf: string[] }[] = [];
    for (const condition of matcher.where ?? []) {
      const values = condition.op === 'eq' ? [condition.value] : condition.op === 'in' && Array.isArray(condition.value) ? condition.value : [];
      if (values.length > 0 && !condition.property.includes('.') && values.every((value) => typeof value === 'string' && !looksNumeric(value))) {
        equals.push({ property: condition.property, anyOf: values as string[] });
      }
    }
    const kind: EventKind = matcher.event === PAGE_EVENT ? { type: 'page' } : { type: 'track', event: matcher.event };
    const known = byName.get(matcher.event);
    if (known === 'all') continue;
    if (equals.length === 0) byName.set(matcher.event, 'all');
    else if (!known?.some((other) => JSON.stringify(other.equals) === JSON.stringify(equals))) byName.set(matcher.event, [...(known ?? []), { ...kind, equals }]);
  }
  return [...byName].flatMap(([name, kinds]) => (kinds === 'all' ? [name === PAGE_EVENT ? { type: 'page' as const } : { type: 'track' as const, event: name }] : kinds));
}

/**
 * How long this process trusts the live rule version it last read. A PUT on
 * this process applies at once (`forgetRules`); on another replica within this.
 */
export const RULES_RECHECK_MS = 1000;
const checked = new Map<string, { version: number; at: number }>();

/** Drops what this process knows of a tenant's rules (after a PUT commits). */
export function forgetRules(tenantId: string): void {
  checked.delete(tenantId);
  cache.delete(tenantId);
}

/** The tenant's live rules, compiled once per version; undefined before the first PUT. */
export async function liveRules(q: Queryable, tenantId: string): Promise<LiveRules | undefined> {
  const seen = checked.get(tenantId);
  const fresh = seen && Date.now() - seen.at < RULES_RECHECK_MS;
  const version = fresh ? seen.version : await store.liveRuleVersion(q, tenantId);
  if (!fresh) {
    checked.delete(tenantId);
    if (checked.size >= MAX_CACHED_RULE_SETS) checked.delete(checked.keys().next().value!);
    checked.set(tenantId, { version, at: Date.now() });
  }
  if (version === 0) return undefined;
  const cached = cache.get(tenantId);
  if (cached?.version === version) return cached;
  const row = await store.ruleSet(q, tenantId, version);
  if (!row) return undefined;
  const rules = toLiveRules(row.rules, row.version, new Date(row.created_at));
  cache.delete(tenantId);
  if (cache.size >= MAX_CACHED_RULE_SETS) cache.delete(cache.keys().next().value!);
  cache.set(tenantId, rules);
  return rules;
}

/**
 * Visitors this process knows to be linked to a lead. A link, once made, is
 * never removed (a merge only moves it to the survivor), so a stale entry
 * cannot be wrong about *being* linked; it only decides what to lock early.
 */
const linkedVisitors = new Set<string>();
const MAX_LINKED_VISITORS = 200_000;
function rememberLinked(tenantId: string, anonymousId: string): void {
  const key = `${tenantId}\n${anonymousId}`;
  if (linkedVisitors.has(key)) return;
  if (linkedVisitors.size >= MAX_LINKED_VISITORS) linkedVisitors.delete(linkedVisitors.values().next().value!);
  linkedVisitors.add(key);
}

export const subjectKey = (leadId: string | null, anonymousId: string | null) => (leadId ? `lead:${leadId}` : `anon:${anonymousId}`);

/** What the rules make of one new event, worked out once per batch. */
interface Classified {
  /** The weights it fires (they depend on the event alone). */
  weights: readonly FiredSignal[];
  /** A step of some sequence: its subject's history around it is read. */
  step: StepReach | null;
  /** Silences it anchors (their windows start) and breaks. */
  anchors: readonly CompiledSilence[];
  expects: readonly CompiledSilence[];
}

interface Evaluated extends SignalEvent, Classified {
  leadId: string | null;
  anonymousId: string | null;
  subject: string;
}

const toSignalEvent = (event: StoredEvent): SignalEvent => ({ messageId: event.messageId, type: event.type, event: event.event, properties: event.properties, at: event.occurredAt.getTime() });

function parseProperties(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const MAX_LINK_ID_LENGTH = 64;
const linkIdOf = (properties: Record<string, unknown>): string | undefined => {
  const id = properties['linkId'];
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_LINK_ID_LENGTH ? id : undefined;
};

/** The job that evaluates a batch again when evaluating it on ingest failed. */
export const EVALUATE_JOB = 'signals.evaluate';
const SAVEPOINT = 'signals_evaluation';

/**
 * The events hook, always inside the transaction that stores the batch.
 * Evaluation runs under a savepoint: should it fail, only its own writes are
 * rolled back, the events are stored all the same, and a job evaluates them
 * again (with retries) — a fault in rule evaluation never loses an event.
 */
export async function onEventsStored(tx: Queryable, tenantId: string, rows: readonly EventRow[], receivedAt: Date): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(`SAVEPOINT ${SAVEPOINT}`);
  try {
    // Not released: it ends with the transaction, one round trip fewer per batch.
    await evaluateStored(tx, tenantId, rows, receivedAt);
  } catch {
    await tx.query(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
    await enqueue(tx, { type: EVALUATE_JOB, tenantId, payload: { messageIds: rows.map((row) => row.messageId), receivedAt: receivedAt.toISOString() } });
  }
}

/** The job's side: the batch read back and evaluated in a transaction of its own (a throw retries the job). */
export async function evaluateAgain(tx: Queryable, tenantId: string, messageIds: readonly string[], receivedAt: Date): Promise<void> {
  const stored = await eventsByMessageIds(tx, tenantId, messageIds);
  const rows: EventRow[] = stored.map((event) => ({
    messageId: event.messageId,
    type: event.type,
    event: event.event,
    anonymousId: event.anonymousId,
    leadId: event.leadId,
    properties: JSON.stringify(event.properties),
    occurredAt: event.occurredAt.toISOString(),
  }));
  await evaluateStored(tx, tenantId, rows, receivedAt);
}

/**
 * Links visitors to leads (identify, events carrying both
 * ids, share-link events), records share-link views, evaluates the live rules,
 * and back-fills the history of every newly identified visitor.
 */
async function evaluateStored(tx: Queryable, tenantId: string, rows: readonly EventRow[], receivedAt: Date): Promise<void> {
  const now = receivedAt;
  const rules = await liveRules(tx, tenantId);
  const links = new Map<string, string>();
  for (const row of rows) if (row.anonymousId && row.leadId && !links.has(row.anonymousId)) links.set(row.anonymousId, row.leadId);

  const parsed = new Map<string, Record<string, unknown>>();
  const propertiesOf = (row: EventRow) => {
    if (row.parsedProperties) return row.parsedProperties;
    let properties = parsed.get(row.messageId);
    if (!properties) parsed.set(row.messageId, (properties = parseProperties(row.properties)));
    return properties;
  };
  // Share links: an event carrying a link id of this tenant belongs to that link's lead.
  const linkRows = rows.filter((row) => row.properties.includes('"linkId"') && linkIdOf(propertiesOf(row)));
  const linkLead = new Map<string, string>();
  if (linkRows.length > 0) {
    const found = await store.shareLinksByIds(tx, tenantId, [...new Set(linkRows.map((row) => linkIdOf(propertiesOf(row))!))]);
    const views: store.NewView[] = [];
    for (const row of linkRows) {
      const properties = propertiesOf(row);
      const link = found.get(linkIdOf(properties)!);
      if (!link) continue;
      linkLead.set(row.messageId, link.lead_id);
      // Opening a link sent to a lead identifies the visitor, as a tracked e-mail click does.
      if (row.anonymousId && !row.leadId && !links.has(row.anonymousId)) links.set(row.anonymousId, link.lead_id);
      const view = viewOf(row, properties, link.id);
      if (view) views.push(view);
    }
    await store.insertViews(tx, tenantId, views);
  }

  const relevant = rules ? rows.filter((row) => (row.type === 'page' ? rules.pages : row.type === 'track' && row.event !== null && rules.names.has(row.event))) : [];
  // An event no rule makes anything of (a blog page view, say) is dropped here, so its
  // visitor is not looked up: most of a site's traffic costs no query at all.
  const events = relevant.flatMap((row) => {
    const event: SignalEvent = { messageId: row.messageId, type: row.type, event: row.event, properties: propertiesOf(row), at: Date.parse(row.occurredAt) };
    const classified: Classified = { weights: weightSignals(rules!, event), step: sequenceReach(rules!, event), anchors: silencesAnchoredBy(rules!, event), expects: silencesExpecting(rules!, event) };
    const inert = classified.weights.length === 0 && !classified.step && classified.anchors.length === 0 && classified.expects.length === 0;
    return inert ? [] : [{ row, event, classified }];
  });
  // One look at the visitor table answers three questions: which links are new, who the
  // anonymous events belong to, and which other visitors the batch's leads have been.
  // The same query takes the subject locks of events that will read history (see
  // store.lockSubjects), keyed by what the event itself says; a subject only the
  // visitor table reveals is locked afterwards.
  const anonymousIds = new Set<string>();
  const historyLeads = new Set<string>();
  const locked = new Set<string>();
  // A visitor this process has not seen linked may be identified by this batch: whether it is
  // new is looked up, and its lead's history is re-evaluated (back-fill), so its lead is locked
  // up front too. One already linked needs neither (links are never removed).
  const unlinked = [...links].filter(([anonymousId]) => !linkedVisitors.has(`${tenantId}\n${anonymousId}`));
  for (const [anonymousId, leadId] of unlinked) {
    anonymousIds.add(anonymousId);
    locked.add(subjectKey(leadId, null));
  }
  for (const { row, classified } of events) {
    const leadId = row.leadId ?? linkLead.get(row.messageId) ?? null;
    if (!leadId && row.anonymousId) anonymousIds.add(row.anonymousId);
    if (!(classified.step || classified.anchors.length > 0) || (!leadId && !row.anonymousId)) continue;
    if (leadId) historyLeads.add(leadId);
    locked.add(subjectKey(leadId, row.anonymousId));
  }
  // The leads of visitors this batch may identify come back with their other visitors too: a
  // back-fill reads their history, and need not look the visitors up again.
  const identifyingLeads = new Set(unlinked.map(([, leadId]) => leadId));
  const known = await store.visitorLinks(tx, tenantId, [...anonymousIds], [...new Set([...historyLeads, ...identifyingLeads])], [...locked]);
  const leadOfVisitor = new Map(known.map((link) => [link.anonymousId, link.leadId]));
  for (const link of known) rememberLinked(tenantId, link.anonymousId);
  const fresh = unlinked.filter(([anonymousId]) => !leadOfVisitor.has(anonymousId)).map(([anonymousId, leadId]) => ({ anonymousId, leadId }));
  const newLinks = await store.insertVisitorLinks(tx, tenantId, fresh);
  for (const link of newLinks) leadOfVisitor.set(link.anonymousId, link.leadId);
  if (newLinks.length > 0) tx.afterCommit?.(() => newLinks.forEach((link) => rememberLinked(tenantId, link.anonymousId)));
  if (!rules) return;

  const evaluated: Evaluated[] = [];
  for (const { row, event, classified } of events) {
    const leadId = row.leadId ?? linkLead.get(row.messageId) ?? (row.anonymousId ? leadOfVisitor.get(row.anonymousId) : undefined) ?? null;
    if (!leadId && !row.anonymousId) continue;
    const { messageId, type, properties, at } = event;
    const { weights, step, anchors, expects } = classified;
    evaluated.push({ messageId, type, event: event.event, properties, at, weights, step, anchors, expects, leadId, anonymousId: row.anonymousId, subject: subjectKey(leadId, row.anonymousId) });
  }
  const visitorsOf = new Map<string, string[]>();
  for (const leadId of [...historyLeads, ...identifyingLeads]) visitorsOf.set(leadId, []);
  for (const link of [...known, ...newLinks]) visitorsOf.get(link.leadId)?.push(link.anonymousId);
  await evaluateRows(tx, tenantId, rules, evaluated, visitorsOf, newLinks, locked, now);
}

function viewOf(row: EventRow, properties: Record<string, unknown>, linkId: string): store.NewView | null {
  const text = (key: string, max: number) => {
    const value = properties[key];
    return typeof value === 'string' && value.trim() ? value.trim().slice(0, max) : null;
  };
  const seconds = properties['activeSeconds'];
  const MAX_SECTION = 200;
  const MAX_HOST = 255;
  if (row.type === 'track' && row.event === SHARE_LINK_OPENED) {
    return { messageId: row.messageId, linkId, kind: 'open', section: null, activeSeconds: 0, device: text('device', 20), referrerHost: text('referrerHost', MAX_HOST), occurredAt: new Date(row.occurredAt) };
  }
  if (row.type === 'track' && row.event === 'page_dwell' && typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) {
    return { messageId: row.messageId, linkId, kind: 'dwell', section: text('section', MAX_SECTION), activeSeconds: seconds, device: null, referrerHost: null, occurredAt: new Date(row.occurredAt) };
  }
  return null;
}

async function evaluateRows(
  tx: Queryable,
  tenantId: string,
  rules: LiveRules,
  events: readonly Evaluated[],
  visitorsOf: Map<string, string[]>,
  newLinks: readonly { anonymousId: string; leadId: string }[],
  locked: ReadonlySet<string>,
  now: Date,
): Promise<void> {
  if (events.length === 0 && newLinks.length === 0) return;
  const fired: NewSignal[] = [];
  const toNew = (signal: FiredSignal, subject: { leadId: string | null; anonymousId: string | null }): NewSignal => ({ ...fromFired(signal, rules.version), leadId: subject.leadId, anonymousId: subject.anonymousId });
  for (const event of events) for (const signal of event.weights) fired.push(toNew(signal, event));

  const stepEvents = events.filter((event) => event.step);
  const anchors = events.flatMap((event) => event.anchors.map((rule) => ({ rule, event })));
  // Each subject's history is read only where its new events' matches can lie: after a
  // first step, before a last one, after an anchor. In-order traffic (the usual) mostly
  // has nothing stored after its newest events, so the read returns little.
  const historySubjects = new Map<string, HistorySubject>();
  const reach = (event: Evaluated, from: number, to: number) => widen(historySubjects, event.subject, { leadId: event.leadId, anonymousId: event.anonymousId, from, to });
  for (const event of stepEvents) reach(event, event.at - event.step!.beforeMs, event.at + event.step!.afterMs);
  for (const { rule, event } of anchors) reach(event, event.at, event.at + rule.withinMs);
  const backfillLeads = [...new Set(newLinks.map((link) => link.leadId))];
  // Rarely needed (an anonymous event of an identified visitor, a first identification). Taken
  // after the first set, so two batches could deadlock here: the loser's evaluation rolls back
  // to its savepoint and is redone by the signals.evaluate job.
  await store.lockSubjects(tx, tenantId, [...historySubjects.keys(), ...backfillLeads.map((leadId) => subjectKey(leadId, null))].filter((key) => !locked.has(key)));

  const silences: store.NewSilence[] = [];
  // A lead being back-filled has its whole recent history read and every sequence in it
  // evaluated; its new events are judged on that same read (one read, not two).
  const backfilling = backfillLeads.length > 0 && (rules.sequences.length > 0 || rules.silences.length > 0);
  const backfillKeys = new Set(backfilling ? backfillLeads.map((leadId) => subjectKey(leadId, null)) : []);
  const history = new Map<string, HistoryEvent[]>();
  const narrow = [...historySubjects].filter(([key]) => !backfillKeys.has(key)).map(([, subject]) => subject);
  if (narrow.length > 0) for (const [key, events] of await historyOf(tx, tenantId, rules, narrow, visitorsOf)) history.set(key, events);
  if (backfilling) {
    const times = [...stepEvents, ...anchors.map((anchor) => anchor.event)].map((event) => event.at);
    const since = Math.min(now.getTime() - BACKFILL_LOOKBACK_MS, now.getTime() - rules.maxSequenceMs, ...times.map((at) => at - rules.maxSequenceMs));
    const to = Math.max(now.getTime(), ...times) + rules.maxSequenceMs;
    for (const [key, events] of await historyOf(tx, tenantId, rules, backfillLeads.map((leadId) => ({ leadId, anonymousId: null, from: since, to })), visitorsOf)) history.set(key, events);
  }
  if (historySubjects.size > 0) {
    const newIds = new Map<string, Set<string>>();
    for (const event of stepEvents) if (!backfillKeys.has(event.subject)) newIds.set(event.subject, (newIds.get(event.subject) ?? new Set()).add(event.messageId));
    for (const [subject, involving] of newIds) {
      const owner = historySubjects.get(subject)!;
      for (const signal of sequenceSignals(rules, history.get(subject) ?? [], involving)) fired.push(toNew(signal, signalSubject(owner, signal, history.get(subject) ?? [])));
    }
    for (const { rule, event } of anchors) {
      silences.push({
        ruleId: rule.id,
        anchorMessageId: event.messageId,
        rulesVersion: rules.version,
        leadId: event.leadId,
        anonymousId: event.anonymousId,
        anchoredAt: new Date(event.at),
        dueAt: new Date(event.at + rule.withinMs),
        satisfied: silenceBroken(event, rule.expect, history.get(event.subject) ?? [], rule.withinMs),
        weight: rule.weight,
        label: rule.label,
        explanation: silenceSignalText(rule, event),
      });
    }
  }
  const expected = events.flatMap((event) => event.expects.map((rule) => ({ ruleId: rule.id, leadId: event.leadId, anonymousId: event.anonymousId, at: new Date(event.at) })));

  const moved = await backfillVisitors(tx, tenantId, rules, newLinks, history, fired);
  await recordSignals(tx, tenantId, rules, fired, now, moved, silences, expected);
}

/** A signal's anonymous id: that of its key event (sequences may span a visitor and the lead). */
function signalSubject(owner: { leadId: string | null; anonymousId: string | null }, signal: FiredSignal, history: readonly (SignalEvent & { anonymousId?: string | null })[]) {
  const key = history.find((event) => event.messageId === signal.keyMessageId);
  return { leadId: owner.leadId, anonymousId: key?.anonymousId ?? owner.anonymousId };
}

/** What a silence will say when its window closes, fixed when its anchor arrives. */
const silenceSignalText = (rule: LiveRules['silences'][number], anchor: SignalEvent) => explainSilence(rule.after, anchor, rule.expect, rule.withinMs / SECOND_MS);

type HistoryEvent = SignalEvent & { anonymousId: string | null };
/** Epoch ms, both ends included. */
interface Range {
  from: number;
  to: number;
}

/** A subject whose history is read, over its range. */
type HistorySubject = { leadId: string | null; anonymousId: string | null } & Range;

/** Grows `key`'s range in `ranges` to cover `range` too (the first value given for a key keeps its other fields). */
function widen<T extends Range>(ranges: Map<string, T>, key: string, range: T): void {
  const known = ranges.get(key);
  ranges.set(key, known ? { ...known, from: Math.min(known.from, range.from), to: Math.max(known.to, range.to) } : range);
}

/** Each subject's events in its own [from, to] of the names sequences and silences look at, keyed by subject. */
async function historyOf(
  tx: Queryable,
  tenantId: string,
  rules: LiveRules,
  subjects: readonly HistorySubject[],
  knownVisitors: ReadonlyMap<string, readonly string[]> = new Map(),
): Promise<Map<string, HistoryEvent[]>> {
  const leadRanges = new Map<string, Range>();
  const visitorRanges = new Map<string, Range>();
  for (const subject of subjects) {
    if (subject.leadId) widen(leadRanges, subject.leadId, subject);
    else if (subject.anonymousId) widen(visitorRanges, subject.anonymousId, subject);
  }
  const leadIds = [...leadRanges.keys()];
  const unknown = leadIds.filter((leadId) => !knownVisitors.has(leadId));
  const visitorLinks = [...[...knownVisitors].flatMap(([leadId, anonymousIds]) => anonymousIds.map((anonymousId) => ({ anonymousId, leadId }))), ...(await store.visitorsOfLeads(tx, tenantId, unknown))];
  const visitorLead = new Map(visitorLinks.map((link) => [link.anonymousId, link.leadId]));
  // A lead's visitors are read over the lead's range.
  for (const link of visitorLinks) {
    const range = leadRanges.get(link.leadId);
    if (range) widen(visitorRanges, link.anonymousId, range);
  }
  const toDates = (ranges: Map<string, Range>) => new Map([...ranges].map(([id, range]) => [id, { from: new Date(range.from), to: new Date(range.to) }]));
  const all = [...leadRanges.values(), ...visitorRanges.values()];
  if (all.length === 0) return new Map();
  const from = new Date(Math.min(...all.map((range) => range.from)));
  const to = new Date(Math.max(...all.map((range) => range.to)));
  const stored = await listEvents(tx, tenantId, {
    leadIds,
    anonymousIds: [...visitorRanges.keys()],
    within: { leads: toDates(leadRanges), visitors: toDates(visitorRanges) },
    kinds: rules.historyKinds,
    from,
    to,
    limit: HISTORY_LIMIT,
    newestFirst: true,
    prepare: true,
  });
  const bySubject = new Map<string, HistoryEvent[]>();
  for (const event of stored) {
    const leadId = event.leadId ?? (event.anonymousId ? visitorLead.get(event.anonymousId) : undefined) ?? null;
    const key = subjectKey(leadId, event.anonymousId);
    const list = bySubject.get(key) ?? [];
    list.push({ ...toSignalEvent(event), anonymousId: event.anonymousId });
    bySubject.set(key, list);
  }
  return bySubject;
}

/**
 * Visitors were just identified as leads: their anonymous signals and
 * silences join the leads, and sequences and silences are re-evaluated over
 * each lead's combined history of the last BACKFILL_LOOKBACK_MS, read by the caller (a sequence
 * begun anonymously and finished as the lead fires now). Pushes new signals
 * into `fired`; returns the signals that moved. Set-based: a few statements
 * however many visitors a batch identifies.
 */
async function backfillVisitors(
  tx: Queryable,
  tenantId: string,
  rules: LiveRules,
  links: readonly { anonymousId: string; leadId: string }[],
  histories: ReadonlyMap<string, readonly HistoryEvent[]>,
  fired: NewSignal[],
): Promise<SignalRow[]> {
  if (links.length === 0) return [];
  const { moved, pending } = await store.assignVisitors(tx, tenantId, links);
  if (rules.sequences.length === 0 && rules.silences.length === 0) return moved;
  const leadIds = [...new Set(links.map((link) => link.leadId))];
  for (const leadId of leadIds) {
    const history = histories.get(subjectKey(leadId, null)) ?? [];
    for (const signal of sequenceSignals(rules, history)) fired.push({ ...fromFired(signal, rules.version), ...signalSubject({ leadId, anonymousId: null }, signal, history) });
  }
  const broken: { ruleId: string; anchorMessageId: string }[] = [];
  for (const silence of pending) {
    const rule = rules.silences.find((candidate) => candidate.id === silence.rule_id);
    if (!rule || !silence.lead_id) continue;
    const anchor: SignalEvent = { messageId: silence.anchor_message_id, type: 'track', event: rule.after.event, properties: {}, at: new Date(silence.anchored_at).getTime() };
    if (silenceBroken(anchor, rule.expect, histories.get(subjectKey(silence.lead_id, null)) ?? [], new Date(silence.due_at).getTime() - anchor.at)) {
      broken.push({ ruleId: silence.rule_id, anchorMessageId: silence.anchor_message_id });
    }
  }
  await store.settleSilences(tx, tenantId, broken);
  return moved;
}

const fromFired = (signal: FiredSignal, rulesVersion: number): Omit<NewSignal, 'leadId' | 'anonymousId'> => ({
  ruleId: signal.ruleId,
  keyMessageId: signal.keyMessageId,
  kind: signal.kind,
  rulesVersion,
  weight: signal.weight,
  firedAt: new Date(signal.at),
  messageIds: signal.messageIds,
  label: signal.label,
  explanation: signal.explanation,
});

export interface SignalView {
  id: string;
  ruleId: string;
  kind: SignalRow['kind'];
  label: SignalRow['label'];
  weight: number;
  at: string;
  explanation: SignalRow['explanation'];
  messageIds: string[];
  rulesVersion: number;
}

export const signalView = (row: SignalRow): SignalView => ({
  id: row.id,
  ruleId: row.rule_id,
  kind: row.kind,
  label: row.label,
  weight: Number(row.weight),
  at: new Date(row.fired_at).toISOString(),
  explanation: row.explanation,
  messageIds: row.message_ids,
  rulesVersion: row.rules_version,
});

/**
 * Stores new signals, adds them (and `moved` ones, newly the lead's) to the
 * leads' running sums, and writes the outbox events: `signal.fired` for each,
 * `lead.going_silent` for silences, and each threshold crossed upwards
 * (`lead.hot`) once per crossing. Outbox ids derive from the signal, so a
 * retried evaluation cannot emit twice.
 */
export async function recordSignals(
  tx: Queryable,
  tenantId: string,
  rules: LiveRules | CompiledRules,
  signals: readonly NewSignal[],
  now: Date,
  moved: readonly SignalRow[] = [],
  silences: readonly store.NewSilence[] = [],
  expected: readonly store.ExpectedEvent[] = [],
): Promise<SignalRow[]> {
  const movedDeltas = new Map<string, number>();
  for (const row of moved) {
    if (!row.lead_id) continue;
    movedDeltas.set(row.lead_id, (movedDeltas.get(row.lead_id) ?? 0) + Number(row.weight) * decayFactor(now.getTime() - new Date(row.fired_at).getTime(), rules.halfLifeMs));
  }
  // A new lead signal's signal.fired is written by the insert itself (one round trip fewer on every batch that fires).
  const announced = signals.map((signal): NewSignal => {
    const id = signal.id ?? store.newSignalId();
    if (!signal.leadId) return { ...signal, id };
    const view = signalView(store.signalRow(signal, id));
    return { ...signal, id, announce: { id: `${SIGNAL_FIRED}:${id}`, type: SIGNAL_FIRED, data: { lead: { id: signal.leadId }, signal: view, backfilled: false } } };
  });
  const { inserted, sums } = await store.insertSignalsAndScore(tx, tenantId, announced, [...movedDeltas].map(([leadId, delta]) => ({ leadId, delta })), now, rules.halfLifeMs, silences, expected);
  const byLead = new Map<string, { entries: { row: SignalRow; backfilled: boolean }[] }>();
  for (const entry of [...inserted.map((row) => ({ row, backfilled: false })), ...moved.map((row) => ({ row, backfilled: true }))]) {
    if (!entry.row.lead_id) continue;
    const lead = byLead.get(entry.row.lead_id) ?? { entries: [] };
    lead.entries.push(entry);
    byLead.set(entry.row.lead_id, lead);
  }
  const events: OutboxEventInput[] = [];
  for (const [leadId, lead] of byLead) {
    const { sum, delta } = sums.get(leadId) ?? { sum: 0, delta: 0 };
    const score = roundScore(scoreOfSum(sum));
    for (const { row, backfilled } of lead.entries) {
      const signal = signalView(row);
      if (backfilled) events.push({ tenantId, type: SIGNAL_FIRED, id: `${SIGNAL_FIRED}:${row.id}`, data: { lead: { id: leadId }, signal, score, backfilled } });
      if (row.kind === 'silence') events.push({ tenantId, type: LEAD_GOING_SILENT, id: `${LEAD_GOING_SILENT}:${row.id}`, data: { lead: { id: leadId }, signal, score } });
    }
    const first = lead.entries[0]!.row;
    for (const threshold of crossedThresholds(rules.thresholds, scoreOfSum(sum - delta), scoreOfSum(sum))) {
      events.push({
        tenantId,
        type: threshold.event,
        id: `${threshold.event}:${first.id}`,
        data: { lead: { id: leadId }, score, threshold: threshold.score, signals: lead.entries.map((entry) => signalView(entry.row)) },
      });
    }
  }
  await emitMany(tx, events);
  return inserted;
}
