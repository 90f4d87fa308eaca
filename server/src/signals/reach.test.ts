import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRules, sequenceReach, sequenceSignals, type SignalEvent, type SignalRuleSetShape } from '@huashu/core';

const MIN = 60_000;
const label = { zh: '测试', en: 'test' };

/** `a` ends one rule and starts another, `b` likewise, `c` is a middle step and a one-step rule of its own. */
const RULES: SignalRuleSetShape = {
  halfLife: 'P7D',
  weights: [],
  sequences: [
    { id: 'a_b', steps: [{ event: 'a' }, { event: 'b' }], within: 'PT10M', weight: 0.3, label },
    { id: 'b_c_a', steps: [{ event: 'b' }, { event: 'c' }, { event: 'a' }], within: 'PT30M', weight: 0.5, label },
    { id: 'c', steps: [{ event: 'c' }], within: 'PT1M', weight: 0.1, label },
  ],
  silences: [],
  thresholds: [],
};

/**
 * Ingest reads a subject's history only over the hull of its new events'
 * reaches (signals/evaluation.ts); that must find exactly the sequences the
 * whole history would, whatever the history and whichever events are new.
 */
describe('a sequence step’s reach', () => {
  const rules = compileRules(RULES, 1);

  it('is forward for a first step, back for a last, both for a middle, none for a non-step', () => {
    const at = (event: string): SignalEvent => ({ messageId: event, type: 'track', event, properties: {}, at: 0 });
    expect(sequenceReach(rules, at('a'))).toEqual({ beforeMs: 30 * MIN, afterMs: 10 * MIN });
    expect(sequenceReach(rules, at('c'))).toEqual({ beforeMs: 30 * MIN, afterMs: 30 * MIN });
    expect(sequenceReach(rules, at('x'))).toBeNull();
  });

  it('holds every match involving a new event', () => {
    const event = fc.record({ name: fc.constantFrom('a', 'b', 'c', 'x'), minute: fc.integer({ min: 0, max: 120 }), fresh: fc.boolean() });
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 40 }), (drawn) => {
        const history: SignalEvent[] = drawn.map((e, index) => ({ messageId: `m${index}`, type: 'track', event: e.name, properties: {}, at: e.minute * MIN }));
        const involving = new Set(history.filter((_, index) => drawn[index]!.fresh).map((e) => e.messageId));
        let from = Infinity;
        let to = -Infinity;
        for (const e of history) {
          const reach = involving.has(e.messageId) ? sequenceReach(rules, e) : null;
          if (!reach) continue;
          from = Math.min(from, e.at - reach.beforeMs);
          to = Math.max(to, e.at + reach.afterMs);
        }
        const read = history.filter((e) => e.at >= from && e.at <= to);
        const shape = (events: readonly SignalEvent[]) => sequenceSignals(rules, events, involving).map((s) => `${s.ruleId}:${s.messageIds.join(',')}`).sort();
        expect(shape(read)).toEqual(shape(history));
      }),
      { numRuns: 2000, seed: 20261204 },
    );
  });
});
