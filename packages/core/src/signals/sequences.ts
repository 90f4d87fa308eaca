import { matchesEvent, type EventMatcher, type SignalEvent } from './conditions.js';

/**
 * "A then B (then C …) within T", in order. A match is one event per step,
 * each strictly later than the one before (B at the very instant of A is not
 * "after" it), the last at most `withinMs` after the first. Every event that
 * completes the last step looks back for the latest qualifying event of each
 * earlier step; a first-step event starts at most one match (the earliest
 * completed), so A A B fires once, and A B A B twice. The result depends only
 * on the events, never on the order they arrived in.
 */
export interface SequenceMatch {
  /** One event per step, in step order. */
  events: SignalEvent[];
}

const byTime = (a: SignalEvent, b: SignalEvent) => a.at - b.at || (a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0);

/** A copy of `events` in the order sequences read them (time, then message id). */
export const sortedByTime = (events: readonly SignalEvent[]): SignalEvent[] => [...events].sort(byTime);

/** Index of the last event in `sorted` (ascending by time) strictly before `bound`, or -1. */
function lastBefore(sorted: readonly SignalEvent[], bound: number): number {
  let low = 0;
  let high = sorted.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]!.at < bound) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}

/**
 * The matches of `steps` among `events` (any order, any subject mix is the
 * caller's business: pass one subject's events). With `involving`, only
 * matches that use at least one of those message ids are returned (ingest
 * passes the batch's new events). `presorted`: `events` already come from `sortedByTime`.
 */
export function findSequenceMatches(steps: readonly EventMatcher[], events: readonly SignalEvent[], withinMs: number, involving?: ReadonlySet<string>, presorted = false): SequenceMatch[] {
  if (steps.length === 0) return [];
  const sorted = presorted ? events : sortedByTime(events);
  const perStep = steps.map((step) => sorted.filter((event) => matchesEvent(step, event)));
  const lastStep = steps.length - 1;
  const started = new Set<string>();
  const matches: SequenceMatch[] = [];
  for (const final of perStep[lastStep]!) {
    const chain: SignalEvent[] = [final];
    const earliest = final.at - withinMs;
    let bound = final.at;
    for (let step = lastStep - 1; step >= 0; step--) {
      const candidates = perStep[step]!;
      const index = lastBefore(candidates, bound);
      const found = index >= 0 ? candidates[index] : undefined;
      if (!found || found.at < earliest) break;
      chain.unshift(found);
      bound = found.at;
    }
    if (chain.length !== steps.length) continue;
    const first = chain[0]!.messageId;
    if (started.has(first)) continue;
    started.add(first);
    if (involving && !chain.some((event) => involving.has(event.messageId))) continue;
    matches.push({ events: chain });
  }
  return matches;
}

/** Whether an `expect` event happened after `anchor` and no later than `withinMs` after it (the silence is broken). */
export function silenceBroken(anchor: SignalEvent, expect: EventMatcher, events: readonly SignalEvent[], withinMs: number): boolean {
  return events.some((event) => event.messageId !== anchor.messageId && event.at >= anchor.at && event.at <= anchor.at + withinMs && matchesEvent(expect, event));
}
