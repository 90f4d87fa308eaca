import { isoDurationMs, parseIsoDuration } from '../working-time.js';
import { matchesEvent, PAGE_EVENT, type LocalizedText, type Condition, type EventMatcher, type SignalEvent } from './conditions.js';
import { explainSequence, explainSilence, explainWeight } from './explain.js';
import { findSequenceMatches, silenceBroken, sortedByTime } from './sequences.js';

/** A rule set as `PUT /v1/signal-rules` takes it (validated by `SignalRuleSetInput`). */
export interface SignalRuleSetShape {
  halfLife: string;
  weights: { id: string; event: string; where?: Condition[]; weight: number; label: LocalizedText }[];
  sequences: { id: string; steps: EventMatcher[]; within: string; weight: number; label: LocalizedText }[];
  silences: { id: string; after: EventMatcher; expect: EventMatcher; within: string; weight: number; label: LocalizedText }[];
  thresholds: { score: number; event: string }[];
}

export type SignalKind = 'weight' | 'sequence' | 'silence';

export interface CompiledRules {
  version: number;
  halfLifeMs: number;
  weights: SignalRuleSetShape['weights'];
  sequences: (SignalRuleSetShape['sequences'][number] & { withinMs: number })[];
  silences: CompiledSilence[];
  /** Ascending by score. */
  thresholds: SignalRuleSetShape['thresholds'];
  /** Longest sequence window: how far back ingest looks for earlier steps. */
  maxSequenceMs: number;
  /**
   * Rules by the event name they look at (`page` for page views), so an event
   * is checked only against rules of its own name: weights with their
   * matchers, sequence steps, silences it anchors, silences it breaks.
   */
  weightsByEvent: ReadonlyMap<string, readonly { rule: SignalRuleSetShape['weights'][number]; matcher: EventMatcher }[]>;
  stepsByEvent: ReadonlyMap<string, readonly CompiledStep[]>;
  anchorsByEvent: ReadonlyMap<string, readonly CompiledSilence[]>;
  expectsByEvent: ReadonlyMap<string, readonly CompiledSilence[]>;
}

export type CompiledSilence = SignalRuleSetShape['silences'][number] & { withinMs: number };

/** How far back and forward from one event the other events of its possible matches lie. */
export interface StepReach {
  beforeMs: number;
  afterMs: number;
}

/**
 * A sequence step and its reach: a first step only looks forward (its match
 * ends within the window after it), a last step only back, a middle step both ways.
 */
export interface CompiledStep extends StepReach {
  matcher: EventMatcher;
}

/** A signal as evaluation produces it; storage adds the subject and an id. */
export interface FiredSignal {
  ruleId: string;
  kind: SignalKind;
  /** With ruleId, what makes the signal unique: the weighted event, the sequence's first event, the silence's anchor. */
  keyMessageId: string;
  weight: number;
  /** When it fired (epoch ms): the event, the sequence's last step, the end of the silent window. */
  at: number;
  messageIds: string[];
  label: LocalizedText;
  explanation: LocalizedText;
}

const durationMs = (text: string): number => {
  const parsed = parseIsoDuration(text);
  if (!parsed) throw new RangeError(`"${text}" is not an ISO 8601 duration`);
  return isoDurationMs(parsed);
};

/** Durations resolved once; the input must already have passed `SignalRuleSetInput`. */
export function compileRules(set: SignalRuleSetShape, version: number): CompiledRules {
  const sequences = set.sequences.map((rule) => ({ ...rule, withinMs: durationMs(rule.within) }));
  const silences = set.silences.map((rule) => ({ ...rule, withinMs: durationMs(rule.within) }));
  return {
    version,
    halfLifeMs: durationMs(set.halfLife),
    weights: set.weights,
    sequences,
    silences,
    thresholds: [...set.thresholds].sort((a, b) => a.score - b.score),
    maxSequenceMs: Math.max(0, ...sequences.map((rule) => rule.withinMs)),
    weightsByEvent: groupBy(set.weights.map((rule) => ({ rule, matcher: { event: rule.event, where: rule.where } })), (entry) => entry.rule.event),
    stepsByEvent: groupBy(
      sequences.flatMap((rule) => rule.steps.map((matcher, index) => ({ matcher, beforeMs: index > 0 ? rule.withinMs : 0, afterMs: index < rule.steps.length - 1 ? rule.withinMs : 0 }))),
      (step) => step.matcher.event,
    ),
    anchorsByEvent: groupBy(silences, (rule) => rule.after.event),
    expectsByEvent: groupBy(silences, (rule) => rule.expect.event),
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}

/** The name rules know `event` by: `page` for page views, the track name, or null (identify). */
const nameOf = (event: SignalEvent): string | null => (event.type === 'page' ? PAGE_EVENT : event.type === 'track' ? event.event : null);
const NONE: readonly never[] = [];
const rulesOfName = <T>(byEvent: ReadonlyMap<string, readonly T[]>, event: SignalEvent): readonly T[] => {
  const name = nameOf(event);
  return (name !== null && byEvent.get(name)) || NONE;
};

const SECOND_MS = 1000;

/** The weight rules `event` fires. */
export function weightSignals(rules: CompiledRules, event: SignalEvent): FiredSignal[] {
  const fired: FiredSignal[] = [];
  for (const { rule, matcher } of rulesOfName(rules.weightsByEvent, event)) {
    if (!matchesEvent(matcher, event)) continue;
    fired.push({
      ruleId: rule.id,
      kind: 'weight',
      keyMessageId: event.messageId,
      weight: rule.weight,
      at: event.at,
      messageIds: [event.messageId],
      label: rule.label,
      explanation: explainWeight(rule.label, matcher, event),
    });
  }
  return fired;
}

/** The sequence signals among one subject's `events`; `involving` keeps those using a new event. */
export function sequenceSignals(rules: CompiledRules, events: readonly SignalEvent[], involving?: ReadonlySet<string>): FiredSignal[] {
  const fired: FiredSignal[] = [];
  const sorted = sortedByTime(events);
  // A rule none of the new events is a step of cannot produce a match that involves one.
  const fresh = involving ? sorted.filter((event) => involving.has(event.messageId)) : undefined;
  for (const rule of rules.sequences) {
    if (fresh && !fresh.some((event) => rule.steps.some((step) => matchesEvent(step, event)))) continue;
    for (const match of findSequenceMatches(rule.steps, sorted, rule.withinMs, involving, true)) {
      const last = match.events[match.events.length - 1]!;
      fired.push({
        ruleId: rule.id,
        kind: 'sequence',
        keyMessageId: match.events[0]!.messageId,
        weight: rule.weight,
        at: last.at,
        messageIds: match.events.map((event) => event.messageId),
        label: rule.label,
        explanation: explainSequence(rule.steps, match.events, rule.withinMs / SECOND_MS),
      });
    }
  }
  return fired;
}

/**
 * Whether any rule needs `event` as a sequence step, and if so the stretch of
 * the subject's history around it a match involving it can use (ingest reads
 * only that). Null: no step.
 */
export function sequenceReach(rules: CompiledRules, event: SignalEvent): StepReach | null {
  let matched = false;
  let beforeMs = 0;
  let afterMs = 0;
  for (const step of rulesOfName(rules.stepsByEvent, event)) {
    if (!matchesEvent(step.matcher, event)) continue;
    matched = true;
    beforeMs = Math.max(beforeMs, step.beforeMs);
    afterMs = Math.max(afterMs, step.afterMs);
  }
  return matched ? { beforeMs, afterMs } : null;
}

/** The silences `event` anchors (starts the window of). */
export function silencesAnchoredBy(rules: CompiledRules, event: SignalEvent): CompiledSilence[] {
  return rulesOfName(rules.anchorsByEvent, event).filter((rule) => matchesEvent(rule.after, event));
}

/** The silences `event` is the expected event of (breaks, when inside a window). */
export function silencesExpecting(rules: CompiledRules, event: SignalEvent): CompiledSilence[] {
  return rulesOfName(rules.expectsByEvent, event).filter((rule) => matchesEvent(rule.expect, event));
}

/** The silence signal `rule` fires for `anchor` when its window has closed without an expected event. */
export function silenceSignal(rule: CompiledRules['silences'][number], anchor: SignalEvent): FiredSignal {
  return {
    ruleId: rule.id,
    kind: 'silence',
    keyMessageId: anchor.messageId,
    weight: rule.weight,
    at: anchor.at + rule.withinMs,
    messageIds: [anchor.messageId],
    label: rule.label,
    explanation: explainSilence(rule.after, anchor, rule.expect, rule.withinMs / SECOND_MS),
  };
}

/**
 * Every signal `rules` fire over one subject's whole history as of `nowMs`:
 * the dry-run's evaluation, and the reference the live path must agree with.
 * A silence fires once its window has closed by `nowMs` with no expected event in it.
 */
export function evaluateHistory(rules: CompiledRules, events: readonly SignalEvent[], nowMs: number): FiredSignal[] {
  const fired: FiredSignal[] = [];
  for (const event of events) fired.push(...weightSignals(rules, event));
  fired.push(...sequenceSignals(rules, events));
  for (const rule of rules.silences) {
    for (const anchor of events) {
      if (!matchesEvent(rule.after, anchor) || anchor.at + rule.withinMs > nowMs) continue;
      if (!silenceBroken(anchor, rule.expect, events, rule.withinMs)) fired.push(silenceSignal(rule, anchor));
    }
  }
  return fired.sort((a, b) => a.at - b.at);
}
