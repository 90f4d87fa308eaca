import { CHINA_UTC_OFFSET_MINUTES, localDate, type AssignmentReason, type AssignmentRule } from '@huashu/core';
import type { Queryable } from '../platform/db/types.js';
import * as store from './assignment.store.js';

/**
 * Who gets a new lead. Rules are tried in order; the first whose match fits and
 * that has a rep with capacity left today wins. Every key of a match must fit
 * (any of its values, compared trimmed and case-insensitively); an empty match
 * takes every lead. Capacity is per rep per Beijing-time day, shared by every
 * rule the rep is in. A rule whose reps are all full passes the lead on to the
 * next rule; a lead no rule can place stays unassigned, with the reason.
 *
 * - round_robin: the rule's counter (one atomic increment per lead) picks the
 *   starting rep; full reps are skipped in list order.
 * - least_loaded: the rep with the fewest open leads (assigned, unanswered,
 *   not merged away); ties go to the rep listed first. Assignment under one
 *   rule is serialised by an advisory lock so concurrent leads see each other.
 */

export interface LeadAttributes {
  source: string;
  region: string | null;
  industry: string | null;
  campaign: string | null;
}

export interface AssignmentDecision {
  repId: string | null;
  repName: string | null;
  ruleId: string | null;
  reason: AssignmentReason | null;
}

const UNLIMITED = Number.MAX_SAFE_INTEGER;
const norm = (value: string) => value.trim().toLowerCase();
const MATCH_KEYS = ['source', 'region', 'industry', 'campaign'] as const;
const KEY_ZH: Record<(typeof MATCH_KEYS)[number], string> = { source: '来源', region: '地区', industry: '行业', campaign: '活动' };

/** The match keys that fit, or undefined when some key does not. */
export function matchRule(rule: AssignmentRule, lead: LeadAttributes): { key: (typeof MATCH_KEYS)[number]; value: string }[] | undefined {
  const matched: { key: (typeof MATCH_KEYS)[number]; value: string }[] = [];
  for (const key of MATCH_KEYS) {
    const wanted = rule.match[key];
    if (wanted === undefined) continue;
    const value = lead[key];
    const values = (Array.isArray(wanted) ? wanted : [wanted]).map(norm);
    if (value === null || !values.includes(norm(value))) return undefined;
    matched.push({ key, value });
  }
  return matched;
}

function ruleLabel(rule: AssignmentRule, index: number): { zh: string; en: string } {
  const name = rule.name ?? rule.id;
  return { zh: `规则「${name}」（第 ${index + 1} 条）`, en: `Rule "${name}" (#${index + 1})` };
}

export async function assignLead(tx: Queryable, tenantId: string, lead: LeadAttributes, at: Date): Promise<AssignmentDecision> {
  const { rules } = await store.loadRules(tx, tenantId);
  if (rules.length === 0) return { repId: null, repName: null, ruleId: null, reason: null };
  const day = localDate(at, CHINA_UTC_OFFSET_MINUTES);
  const fullRules: string[] = [];
  for (const [index, rule] of rules.entries()) {
    const matched = matchRule(rule, lead);
    if (!matched) continue;
    const label = ruleLabel(rule, index);
    const matchZh = matched.length ? `匹配 ${matched.map((m) => `${KEY_ZH[m.key]}=${m.value}`).join('、')}` : '匹配全部线索';
    const matchEn = matched.length ? `matched ${matched.map((m) => `${m.key}=${m.value}`).join(', ')}` : 'matches every lead';
    const capacityOf = (rep: AssignmentRule['reps'][number]) => rep.dailyCapacity ?? rule.dailyCapacity ?? UNLIMITED;
    let order: number[];
    let loads: Map<string, number> | undefined;
    if (rule.strategy === 'round_robin') {
      const turn = await store.nextTurn(tx, tenantId, rule.id);
      const start = (turn - 1) % rule.reps.length;
      order = rule.reps.map((_, k) => (start + k) % rule.reps.length);
    } else {
      await store.lockRule(tx, tenantId, rule.id);
      loads = await store.openLoads(tx, tenantId, rule.reps.map((rep) => rep.id));
      order = rule.reps.map((_, k) => k).sort((a, b) => (loads!.get(rule.reps[a]!.id) ?? 0) - (loads!.get(rule.reps[b]!.id) ?? 0) || a - b);
    }
    for (const position of order) {
      const rep = rule.reps[position]!;
      const capacity = capacityOf(rep);
      if (capacity <= 0) continue;
      const today = await store.takeCapacity(tx, tenantId, rep.id, day, capacity);
      if (today === undefined) continue;
      const repName = rep.name ?? rep.id;
      const capZh = capacity === UNLIMITED ? `今日第 ${today} 条` : `今日第 ${today} 条，上限 ${capacity}`;
      const capEn = capacity === UNLIMITED ? `#${today} today` : `#${today} of ${capacity} today`;
      const how =
        rule.strategy === 'round_robin'
          ? { zh: `轮询分配给 ${repName}（${capZh}）`, en: `round-robin → ${repName} (${capEn})` }
          : {
              zh: `分配给当前待跟进最少的 ${repName}（待跟进 ${loads!.get(rep.id) ?? 0} 条，${capZh}）`,
              en: `least-loaded → ${repName} (${loads!.get(rep.id) ?? 0} open leads, ${capEn})`,
            };
      return {
        repId: rep.id,
        repName,
        ruleId: rule.id,
        reason: { ruleId: rule.id, ruleName: rule.name ?? null, strategy: rule.strategy, zh: `${label.zh}${matchZh}：${how.zh}`, en: `${label.en} ${matchEn}: ${how.en}` },
      };
    }
    fullRules.push(rule.name ?? rule.id);
  }
  const reason: AssignmentReason =
    fullRules.length > 0
      ? {
          ruleId: null,
          ruleName: null,
          strategy: null,
          zh: `未分配：匹配的规则（${fullRules.join('、')}）中的销售今日均已达上限`,
          en: `Unassigned: every rep of the matching rules (${fullRules.join(', ')}) is at today's capacity`,
        }
      : { ruleId: null, ruleName: null, strategy: null, zh: '未分配：没有匹配的分配规则', en: 'Unassigned: no assignment rule matched' };
  return { repId: null, repName: null, ruleId: null, reason };
}
