import { describe, expect, it } from 'vitest';
import { SignalRuleSetRequest } from '../schemas/signals.js';
import { conditionHolds, matchesEvent, type SignalEvent } from './conditions.js';
import { describeEvent, explainSequence, explainSilence, formatDuration } from './explain.js';
import { compileRules, evaluateHistory, sequenceSignals, weightSignals } from './rules.js';
import { crossedThresholds, decayedSum, intentOf, scoreOfSum, sumForScore } from './scoring.js';
import { findSequenceMatches, silenceBroken } from './sequences.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const T0 = Date.parse('2026-11-02T02:00:00Z');

let counter = 0;
const ev = (event: string, properties: Record<string, unknown>, at: number, type = 'track'): SignalEvent => ({ messageId: `m${++counter}`, type, event: type === 'page' ? null : event, properties, at });
const dwell = (pageType: string, activeSeconds: number, at: number) => ev('page_dwell', { pageType, activeSeconds, path: `/${pageType}` }, at);
const download = (documentId: string, at: number, title?: string) => ev('document_download', { documentId, ...(title ? { title } : {}) }, at);

const COMPARISON_THEN_WHITEPAPER = [
  { event: 'page_dwell', where: [{ property: 'pageType', op: 'eq' as const, value: 'competitor_comparison' }, { property: 'activeSeconds', op: 'gte' as const, value: 180 }] },
  { event: 'document_download', where: [{ property: 'documentId', op: 'eq' as const, value: 'security_whitepaper' }], label: { zh: '安全白皮书', en: 'the security white paper' } },
];

describe('conditions', () => {
  const props = { pageType: 'pricing', activeSeconds: 75, plan: 'enterprise', utm: { source: 'baidu' }, seats: '40', flag: false };
  it('eq compares scalars, a number with its decimal string too', () => {
    expect(conditionHolds({ property: 'pageType', op: 'eq', value: 'pricing' }, props)).toBe(true);
    expect(conditionHolds({ property: 'pageType', op: 'eq', value: 'product' }, props)).toBe(false);
    expect(conditionHolds({ property: 'seats', op: 'eq', value: 40 }, props)).toBe(true);
    expect(conditionHolds({ property: 'flag', op: 'eq', value: false }, props)).toBe(true);
    expect(conditionHolds({ property: 'missing', op: 'eq', value: 'x' }, props)).toBe(false);
  });
  it('in matches any listed value', () => {
    expect(conditionHolds({ property: 'plan', op: 'in', value: ['pro', 'enterprise'] }, props)).toBe(true);
    expect(conditionHolds({ property: 'plan', op: 'in', value: ['pro', 'basic'] }, props)).toBe(false);
  });
  it('gte and lte compare numbers, inclusive; non-numbers never match', () => {
    expect(conditionHolds({ property: 'activeSeconds', op: 'gte', value: 60 }, props)).toBe(true);
    expect(conditionHolds({ property: 'activeSeconds', op: 'gte', value: 75 }, props)).toBe(true);
    expect(conditionHolds({ property: 'activeSeconds', op: 'gte', value: 76 }, props)).toBe(false);
    expect(conditionHolds({ property: 'activeSeconds', op: 'lte', value: 75 }, props)).toBe(true);
    expect(conditionHolds({ property: 'activeSeconds', op: 'lte', value: 74 }, props)).toBe(false);
    expect(conditionHolds({ property: 'seats', op: 'gte', value: 10 }, props)).toBe(true);
    expect(conditionHolds({ property: 'pageType', op: 'gte', value: 1 }, props)).toBe(false);
  });
  it('exists needs a present, non-null property; dots reach nested objects', () => {
    expect(conditionHolds({ property: 'utm.source', op: 'exists' }, props)).toBe(true);
    expect(conditionHolds({ property: 'utm.medium', op: 'exists' }, props)).toBe(false);
    expect(conditionHolds({ property: 'gone', op: 'exists' }, { gone: null })).toBe(false);
    expect(conditionHolds({ property: 'utm.source', op: 'eq', value: 'baidu' }, props)).toBe(true);
  });
  it('`page` matches page views, any other name the track event of that name', () => {
    const view = ev('page', { pageType: 'pricing' }, T0, 'page');
    expect(matchesEvent({ event: 'page', where: [{ property: 'pageType', op: 'eq', value: 'pricing' }] }, view)).toBe(true);
    expect(matchesEvent({ event: 'page_dwell' }, view)).toBe(false);
    expect(matchesEvent({ event: 'poc_requested' }, ev('poc_requested', {}, T0))).toBe(true);
  });
});

describe('sequences', () => {
  const steps = COMPARISON_THEN_WHITEPAPER;
  it('fires for A then B within the window', () => {
    const a = dwell('competitor_comparison', 240, T0);
    const b = download('security_whitepaper', T0 + 6 * MIN);
    expect(findSequenceMatches(steps, [b, a], 10 * MIN).map((m) => m.events.map((e) => e.messageId))).toEqual([[a.messageId, b.messageId]]);
  });
  it('does not fire for B before A, nor for B after the window, nor when A misses its condition', () => {
    const a = dwell('competitor_comparison', 240, T0);
    expect(findSequenceMatches(steps, [download('security_whitepaper', T0 - MIN), a], 10 * MIN)).toEqual([]);
    expect(findSequenceMatches(steps, [a, download('security_whitepaper', T0 + 10 * MIN + 1)], 10 * MIN)).toEqual([]);
    expect(findSequenceMatches(steps, [dwell('competitor_comparison', 179, T0), download('security_whitepaper', T0 + MIN)], 10 * MIN)).toEqual([]);
    expect(findSequenceMatches(steps, [a, download('security_whitepaper', T0)], 10 * MIN)).toEqual([]);
  });
  it('fires at the window’s edge, once per starting event', () => {
    const a1 = dwell('competitor_comparison', 200, T0);
    const a2 = dwell('competitor_comparison', 200, T0 + MIN);
    const b1 = download('security_whitepaper', T0 + 10 * MIN);
    const b2 = download('security_whitepaper', T0 + 11 * MIN);
    // a1 a2 b1 b2: b1 looks back to a2 (the latest), b2 to a2 again: one match.
    expect(findSequenceMatches(steps, [a1, a2, b1, b2], 10 * MIN).map((m) => m.events[0]!.messageId)).toEqual([a2.messageId]);
    const a3 = dwell('competitor_comparison', 200, T0 + 20 * MIN);
    const b3 = download('security_whitepaper', T0 + 30 * MIN);
    expect(findSequenceMatches(steps, [a1, b1, a3, b3], 10 * MIN)).toHaveLength(2);
  });
  it('keeps three steps in order and only matches involving new events when asked', () => {
    const three = [{ event: 'page', where: [{ property: 'pageType', op: 'eq' as const, value: 'pricing' }] }, ...steps];
    const p = ev('page', { pageType: 'pricing' }, T0, 'page');
    const a = dwell('competitor_comparison', 200, T0 + MIN);
    const b = download('security_whitepaper', T0 + 2 * MIN);
    expect(findSequenceMatches(three, [b, a, p], 5 * MIN)).toHaveLength(1);
    expect(findSequenceMatches(three, [a, p, b].map((e) => ({ ...e, at: e === p ? T0 + 3 * MIN : e.at })), 5 * MIN)).toHaveLength(0);
    expect(findSequenceMatches(three, [p, a, b], 5 * MIN, new Set(['other']))).toHaveLength(0);
    expect(findSequenceMatches(three, [p, a, b], 5 * MIN, new Set([b.messageId]))).toHaveLength(1);
  });
});

describe('silence', () => {
  const trial = ev('trial_started', {}, T0);
  it('is broken by an expected event inside the window, not by one after it', () => {
    expect(silenceBroken(trial, { event: 'feature_used' }, [ev('feature_used', {}, T0 + 3 * DAY)], 11 * DAY)).toBe(true);
    expect(silenceBroken(trial, { event: 'feature_used' }, [ev('feature_used', {}, T0 + 12 * DAY)], 11 * DAY)).toBe(false);
    expect(silenceBroken(trial, { event: 'feature_used' }, [ev('feature_used', {}, T0 - DAY)], 11 * DAY)).toBe(false);
  });
});

describe('decay and score', () => {
  it('halves each half-life and maps the sum to 0–100', () => {
    const signals = [{ weight: 0.85, at: T0 }];
    expect(decayedSum(signals, T0, 7 * DAY)).toBeCloseTo(0.85);
    expect(decayedSum(signals, T0 + 7 * DAY, 7 * DAY)).toBeCloseTo(0.425);
    expect(decayedSum(signals, T0 + 14 * DAY, 7 * DAY)).toBeCloseTo(0.2125);
    expect(Math.round(scoreOfSum(0.85))).toBe(57);
    expect(scoreOfSum(-2)).toBe(0);
    expect(scoreOfSum(sumForScore(70))).toBeCloseTo(70);
  });
  it('reads a trend against the score seven days earlier', () => {
    const fresh = [{ weight: 1, at: T0 - DAY }];
    expect(intentOf(fresh, T0, 7 * DAY).trend).toBe('rising');
    const old = [{ weight: 2, at: T0 - 10 * DAY }];
    expect(intentOf(old, T0, 7 * DAY).trend).toBe('falling');
    expect(intentOf([], T0, 7 * DAY)).toMatchObject({ score: 0, trend: 'flat' });
  });
  it('fires a threshold once per upward crossing', () => {
    const thresholds = [{ score: 40, event: 'lead.warm' }, { score: 70, event: 'lead.hot' }];
    expect(crossedThresholds(thresholds, 30, 75).map((t) => t.event)).toEqual(['lead.warm', 'lead.hot']);
    expect(crossedThresholds(thresholds, 70, 90)).toEqual([]);
    expect(crossedThresholds(thresholds, 69.9, 70).map((t) => t.event)).toEqual(['lead.hot']);
  });
});

describe('explanations', () => {
  it('says what happened, in Chinese and English', () => {
    expect(formatDuration(240)).toEqual({ zh: '4 分钟', en: '4 min' });
    expect(formatDuration(252)).toEqual({ zh: '4 分 12 秒', en: '4 min 12 s' });
    expect(formatDuration(11 * 86_400)).toEqual({ zh: '11 天', en: '11 days' });
    const a = dwell('competitor_comparison', 240, T0);
    const b = download('security_whitepaper', T0 + 6 * MIN);
    expect(explainSequence(COMPARISON_THEN_WHITEPAPER, [a, b], 600)).toEqual({
      zh: '对比页停留 4 分钟后 10 分钟内下载安全白皮书',
      en: '4 min on the comparison page, then downloaded the security white paper within 10 min',
    });
    expect(describeEvent(download('x', T0, '数据安全白皮书（等保三级）'))).toEqual({ zh: '下载《数据安全白皮书（等保三级）》', en: 'downloaded “数据安全白皮书（等保三级）”' });
    expect(explainSilence({ event: 'trial_started', label: { zh: '开通试用', en: 'the trial started' } }, ev('trial_started', {}, T0), { event: 'feature_used', label: { zh: '使用任何功能', en: 'feature use' } }, 11 * 86_400)).toEqual({
      zh: '开通试用后 11 天内没有使用任何功能',
      en: 'no feature use within 11 days after the trial started',
    });
  });
});

describe('rule sets', () => {
  const valid = {
    halfLife: 'P7D',
    weights: [{ id: 'poc_requested', event: 'poc_requested', weight: 0.85, label: { zh: '主动索要POC环境', en: 'Asked for a POC environment' } }],
    sequences: [{ id: 'evaluating_competitors', steps: COMPARISON_THEN_WHITEPAPER, within: 'PT10M', weight: 0.6, label: { zh: '正在评估竞品', en: 'Evaluating competitors' } }],
    silences: [{ id: 'going_silent', after: { event: 'trial_started' }, expect: { event: 'feature_used' }, within: 'P11D', weight: -0.5, label: { zh: '试用沉默', en: 'Going silent' } }],
    thresholds: [{ score: 70, event: 'lead.hot' }],
  };
  const issues = (body: unknown) => {
    const result = SignalRuleSetRequest.safeParse(body);
    return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };

  it('accepts the example set and evaluates a history with it', () => {
    const parsed = SignalRuleSetRequest.parse(valid);
    const rules = compileRules(parsed, 1);
    const a = dwell('competitor_comparison', 240, T0);
    const b = download('security_whitepaper', T0 + 6 * MIN);
    const poc = ev('poc_requested', {}, T0 + DAY);
    const trial = ev('trial_started', {}, T0);
    const fired = evaluateHistory(rules, [a, b, poc, trial], T0 + 12 * DAY);
    expect(fired.map((s) => s.ruleId)).toEqual(['evaluating_competitors', 'poc_requested', 'going_silent']);
    expect(weightSignals(rules, poc)[0]).toMatchObject({ weight: 0.85, explanation: { zh: '主动索要POC环境' } });
    expect(sequenceSignals(rules, [a, b])[0]).toMatchObject({ keyMessageId: a.messageId, messageIds: [a.messageId, b.messageId] });
  });

  it('names the rule and the field of each problem', () => {
    expect(issues({ ...valid, weights: [{ ...valid.weights[0], wieght: 1 }] })).toEqual(['weights.0.wieght: rule "poc_requested": unknown field']);
    expect(issues({ ...valid, sequences: [{ ...valid.sequences[0], within: '10 minutes' }] })[0]).toMatch(/^sequences\.0\.within: rule "evaluating_competitors": "10 minutes" is not an ISO 8601 duration/);
    expect(issues({ ...valid, sequences: [{ ...valid.sequences[0], within: 'P1M' }] })[0]).toMatch(/years and months/);
    expect(issues({ ...valid, sequences: [{ ...valid.sequences[0], steps: [] }] })).toEqual(['sequences.0.steps: rule "evaluating_competitors": a sequence needs at least two steps; this one has none']);
    expect(issues({ ...valid, weights: [{ ...valid.weights[0], where: [{ property: 'activeSeconds', op: 'gte', value: 'sixty' }] }] })[0]).toMatch(/^weights\.0\.where\.0\.value: rule "poc_requested": gte needs a number/);
    expect(
      issues({ ...valid, weights: [{ ...valid.weights[0], where: [{ property: 's', op: 'gte', value: 100 }, { property: 's', op: 'lte', value: 50 }] }] })[0],
    ).toMatch(/^weights\.0\.where\.1: rule "poc_requested": impossible condition/);
    expect(issues({ ...valid, silences: [{ ...valid.silences[0], id: 'poc_requested' }] })[0]).toMatch(/^silences\.0\.id: rule "poc_requested": is already the id of weights\.0/);
    expect(issues({ ...valid, extra: true })).toEqual(['extra: unknown field']);
    expect(issues({ ...valid, halfLife: 'PT1S' })[0]).toMatch(/^halfLife: the half-life must be between/);
  });

  it('treats null on an optional field as absent', () => {
    expect(issues({ ...valid, weights: [{ ...valid.weights[0], where: null }] })).toEqual([]);
  });
});
