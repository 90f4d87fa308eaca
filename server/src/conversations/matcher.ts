import type { CaptureRules, CapturedMessage, ConversationMessage, RuleMatch, TermHit } from '@huashu/core';
import { normalizeText } from '../retrieval/normalize.js';

/**
 * Tracker rules over a chat: term groups (all of / any of / none of) within a
 * window of consecutive messages, said by the chosen speaker, with synonyms,
 * words to ignore and negation. Pure functions: no database, no network.
 */

/** Words that negate what follows them in the same clause (不需要折扣 is no discount request). */
export const DEFAULT_NEGATORS = ['不', '没', '没有', '无', '无需', '不用', '不需要', '不要', '未', '并非', '不是', '甭'];

/**
 * Words that contain a negating character without negating anything after
 * them: 没想到折扣这么少 still asks for a discount, 不得不考虑预算 is about the
 * budget. They are blanked before negation is looked for.
 */
const NOT_NEGATIONS = ['没想到', '不仅', '不但', '不光', '不少', '不错', '不断', '不过', '无论', '不管', '差不多', '不得不', '不然', '要不', '不如', '不一定', '非常'];

/**
 * What may stand between a negator and the term it negates: degree adverbs
 * and verbs of needing or wanting (不太需要折扣, 不考虑别家, 没必要打折).
 * Anything else ends the negation's reach — 不能接受这个价格 and 无法接受价格
 * are still about the price, 不觉得…贵 is left to the reviewer.
 */
const NEGATION_BRIDGE = /^(?:\s|太|很|大|怎么|那么|这么|是|再|用|需要|要|想|想要|打算|考虑|在乎|关心|必要|有必要|着急|急着|会|算|担心|所谓)*$/u;

/** Ends a clause: a negation does not reach across punctuation or a "but". */
const CLAUSE_BREAK = /[，,。.!！?？；;:：\n、…]|但是|但|可是/gu;

/** What `*` in a term stands for: one to three letters or digits (华为家, 东软家). */
const WILDCARD = '[\\p{L}\\p{N}]{1,3}';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface CompiledTerm {
  term: string;
  pattern: RegExp;
}

interface CompiledGroup {
  terms: CompiledTerm[];
  countNegated: boolean;
}

interface CompiledRule {
  id: string;
  tag: string;
  allOf: CompiledGroup[];
  anyOf: CompiledGroup[];
  noneOf: CompiledTerm[];
  window: number;
  speaker: 'customer' | 'rep' | 'any';
  ignore: string[];
}

function compileTerm(term: string): CompiledTerm {
  const normalized = normalizeText(term);
  // Literal pieces are capture groups, so their positions (`d` flag) can be checked against ignored words.
  const source = normalized
    .split('*')
    .map((piece) => (piece ? `(${escapeRegExp(piece)})` : ''))
    .join(WILDCARD);
  return { term, pattern: new RegExp(source, 'gud') };
}

/** Every term of `terms` plus everything a synonym group puts beside it. */
function withSynonyms(terms: readonly string[], synonyms: readonly (readonly string[])[]): string[] {
  const expanded = new Set<string>();
  for (const term of terms) {
    expanded.add(term);
    const key = normalizeText(term);
    for (const group of synonyms) if (group.some((word) => normalizeText(word) === key)) for (const word of group) expanded.add(word);
  }
  return [...expanded];
}

type RuleInput = CaptureRules['rules'][number];
type GroupInput = NonNullable<RuleInput['allOf']>[number];

function compileGroup(group: GroupInput, synonyms: readonly (readonly string[])[]): CompiledGroup {
  const terms = Array.isArray(group) ? group : group.terms;
  const countNegated = !Array.isArray(group) && group.countNegated === true;
  return { terms: withSynonyms(terms, synonyms).map(compileTerm), countNegated };
}

export function compileRules(rules: CaptureRules): CompiledRule[] {
  return rules.rules.map((rule) => ({
    id: rule.id,
    tag: rule.tag,
    allOf: (rule.allOf ?? []).map((group) => compileGroup(group, rules.synonyms)),
    anyOf: (rule.anyOf ?? []).map((group) => compileGroup(group, rules.synonyms)),
    noneOf: withSynonyms(rule.noneOf ?? [], rules.synonyms).map(compileTerm),
    window: rule.window,
    speaker: rule.speaker,
    ignore: (rule.ignore ?? []).map(normalizeText).filter(Boolean),
  }));
}

/** Spans [start, end) of every occurrence of each word in `text`. */
function occurrences(text: string, words: readonly string[]): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const word of words) {
    for (let at = text.indexOf(word); at !== -1; at = text.indexOf(word, at + 1)) spans.push([at, at + word.length]);
  }
  return spans;
}

/** Whether a negator, followed only by bridge words, stands right before `position` in the same clause. */
function negatedAt(text: string, position: number, negators: readonly string[]): boolean {
  let clauseStart = 0;
  for (const match of text.slice(0, position).matchAll(CLAUSE_BREAK)) clauseStart = match.index + match[0].length;
  let before = text.slice(clauseStart, position);
  for (const word of NOT_NEGATIONS) before = before.replaceAll(word, ' '.repeat(word.length));
  return negators.some((negator) => {
    for (let at = before.lastIndexOf(negator); at !== -1; at = at > 0 ? before.lastIndexOf(negator, at - 1) : -1) {
      if (NEGATION_BRIDGE.test(before.slice(at + negator.length))) return true;
    }
    return false;
  });
}

interface Occurrence {
  hit: TermHit;
  skipped?: 'negated' | 'ignored';
}

/** Occurrences of a term in one (normalised) message, each counted or skipped with its reason. */
function find(term: CompiledTerm, text: string, messageIndex: number, ignored: Array<[number, number]>, negators: readonly string[] | undefined): Occurrence[] {
  const found: Occurrence[] = [];
  for (const match of text.matchAll(term.pattern)) {
    const hit: TermHit = { term: term.term, found: match[0], messageIndex };
    const literals = (match.indices ?? []).slice(1).filter((span): span is [number, number] => span !== undefined);
    if (literals.length > 0 && literals.every(([from, to]) => ignored.some(([start, end]) => start <= from && to <= end))) {
      found.push({ hit, skipped: 'ignored' });
    } else if (negators && negatedAt(text, match.index, negators)) {
      found.push({ hit, skipped: 'negated' });
    } else {
      found.push({ hit });
    }
  }
  return found;
}

interface GroupHits {
  counted: TermHit[];
  skipped: Array<TermHit & { reason: 'negated' | 'ignored' }>;
}

function groupHits(group: CompiledGroup, text: string, index: number, ignored: Array<[number, number]>, negators: readonly string[]): GroupHits {
  const result: GroupHits = { counted: [], skipped: [] };
  for (const term of group.terms) {
    for (const occurrence of find(term, text, index, ignored, group.countNegated ? undefined : negators)) {
      if (occurrence.skipped) result.skipped.push({ ...occurrence.hit, reason: occurrence.skipped });
      else result.counted.push(occurrence.hit);
    }
  }
  return result;
}

export interface RuleHit {
  ruleId: string;
  tag: string;
  from: number;
  to: number;
  match: RuleMatch;
}

const SPEAKER_NAMES = { customer: '客户', rep: '销售', any: '任一方' } as const;

function explain(rule: CompiledRule, terms: readonly TermHit[]): string {
  const parts = terms.map((hit) => `「${hit.found}」（第 ${hit.messageIndex + 1} 条）`);
  const joiner = rule.allOf.length > 0 ? ' + ' : ' / ';
  return `${parts.join(joiner)}：${SPEAKER_NAMES[rule.speaker]}在 ${rule.window} 条消息内说到，规则 ${rule.id} → ${rule.tag}`;
}

/**
 * Where one rule matches: for each message that completes a window — every
 * allOf group, at least one anyOf group, no noneOf term, all within `window`
 * consecutive messages of the chosen speaker — the smallest span that holds
 * the latest occurrence of each. A window is reported once, by the message
 * that completes it.
 */
function matchRule(rule: CompiledRule, texts: readonly string[], messages: readonly ConversationMessage[], negators: readonly string[]): RuleHit[] {
  const eligible = messages.map((message) => rule.speaker === 'any' || message.role === rule.speaker);
  const ignored = texts.map((text) => occurrences(text, rule.ignore));
  const all = rule.allOf.map((group) => texts.map((text, index) => (eligible[index] ? groupHits(group, text, index, ignored[index]!, negators) : { counted: [], skipped: [] })));
  const any = rule.anyOf.map((group) => texts.map((text, index) => (eligible[index] ? groupHits(group, text, index, ignored[index]!, negators) : { counted: [], skipped: [] })));
  const blocked = texts.map((text, index) => eligible[index]! && rule.noneOf.some((term) => find(term, text, index, ignored[index]!, undefined).some((hit) => !hit.skipped)));
  const hits: RuleHit[] = [];
  for (let end = 0; end < texts.length; end++) {
    const start = Math.max(0, end - rule.window + 1);
    const latest = (perMessage: GroupHits[]) => {
      for (let index = end; index >= start; index--) if (perMessage[index]!.counted.length > 0) return index;
      return -1;
    };
    if (blocked.slice(start, end + 1).some(Boolean)) continue;
    const allChosen = all.map(latest);
    if (allChosen.some((index) => index < 0)) continue;
    const anyChosen = any.map(latest).filter((index) => index >= 0);
    if (any.length > 0 && anyChosen.length === 0) continue;
    const anyLatest = anyChosen.length > 0 ? Math.max(...anyChosen) : -1;
    const chosen = [...allChosen, ...(anyLatest >= 0 ? [anyLatest] : [])];
    if (Math.max(...chosen) !== end) continue;
    const from = Math.min(...chosen);
    const terms = [
      ...all.map((perMessage, group) => perMessage[allChosen[group]!]!.counted[0]!),
      ...any.flatMap((perMessage) => (anyLatest >= 0 && perMessage[anyLatest]!.counted.length > 0 ? [perMessage[anyLatest]!.counted[0]!] : [])),
    ].sort((a, b) => a.messageIndex - b.messageIndex);
    const skipped = [...all, ...any].flatMap((perMessage) => perMessage.slice(from, end + 1).flatMap((group) => group.skipped));
    hits.push({ ruleId: rule.id, tag: rule.tag, from, to: end, match: { ruleId: rule.id, tag: rule.tag, why: explain(rule, terms), terms, skipped } });
  }
  return hits;
}

export interface MatchedSnippet {
  from: number;
  to: number;
  tags: string[];
  matches: RuleMatch[];
  context: CapturedMessage[];
  question: string;
  answer: string | null;
}

/** Text cut to `max` code points, so no character is split. */
function clip(text: string, max: number): string {
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, max - 1).join('')}…`;
}

export interface SnippetLimits {
  questionMax: number;
  answerMax: number;
}

/**
 * The customer's words behind a span (its customer messages, else the last
 * ones before it) and the rep's reply (the rep's messages after the first
 * customer message of the span, else the rep's messages right after it).
 */
function questionAndAnswer(messages: readonly ConversationMessage[], from: number, to: number, limits: SnippetLimits): { question: string; answer: string | null } {
  const span = messages.slice(from, to + 1).map((message, offset) => ({ message, index: from + offset }));
  let customer = span.filter(({ message }) => message.role === 'customer');
  if (customer.length === 0) {
    let index = from - 1;
    while (index >= 0 && messages[index]!.role !== 'customer') index--;
    const last = index;
    while (index >= 0 && messages[index]!.role === 'customer') index--;
    customer = last >= 0 ? messages.slice(index + 1, last + 1).map((message, offset) => ({ message, index: index + 1 + offset })) : [];
  }
  const firstCustomer = customer[0]?.index ?? from;
  let reply = span.filter(({ message, index }) => message.role === 'rep' && index > firstCustomer).map(({ message }) => message.text);
  if (reply.length === 0) {
    let index = to + 1;
    while (index < messages.length && messages[index]!.role === 'customer') index++;
    while (index < messages.length && messages[index]!.role === 'rep') reply.push(messages[index++]!.text);
  }
  const question = customer.length > 0 ? customer.map(({ message }) => message.text).join('\n') : span.map(({ message }) => message.text).join('\n');
  return { question: clip(question, limits.questionMax), answer: reply.length > 0 ? clip(reply.join('\n'), limits.answerMax) : null };
}

/**
 * Runs every rule over the conversation and returns snippets: overlapping or
 * adjacent matches (of any rules) merged into one span, each with its tags, why each
 * rule matched, and its context (`context.before` / `context.after` messages
 * around it).
 */
export function matchConversation(messages: readonly ConversationMessage[], rules: CaptureRules, limits: SnippetLimits): MatchedSnippet[] {
  const texts = messages.map((message) => normalizeText(message.text));
  const negators = (rules.negators ?? DEFAULT_NEGATORS).map(normalizeText).filter(Boolean);
  const hits = compileRules(rules)
    .flatMap((rule) => matchRule(rule, texts, messages, negators))
    .sort((a, b) => a.from - b.from || a.to - b.to);
  const merged: Array<{ from: number; to: number; hits: RuleHit[] }> = [];
  for (const hit of hits) {
    const last = merged.at(-1);
    // Overlapping or back-to-back matches are one moment of the conversation.
    if (last && hit.from <= last.to + 1) {
      last.to = Math.max(last.to, hit.to);
      last.hits.push(hit);
    } else {
      merged.push({ from: hit.from, to: hit.to, hits: [hit] });
    }
  }
  return merged.map(({ from, to, hits: group }) => {
    const first = Math.max(0, from - rules.context.before);
    const last = Math.min(messages.length - 1, to + rules.context.after);
    // One match per rule: a rule that fired twice within the span is explained by its first firing.
    const matches: RuleMatch[] = [];
    for (const hit of group) if (!matches.some((match) => match.ruleId === hit.ruleId)) matches.push(hit.match);
    return {
      from,
      to,
      tags: [...new Set(group.map((hit) => hit.tag))],
      matches,
      context: messages.slice(first, last + 1).map((message, offset) => ({
        index: first + offset,
        role: message.role,
        text: message.text,
        at: message.at,
        speaker: message.speaker ?? null,
        matched: first + offset >= from && first + offset <= to,
      })),
      ...questionAndAnswer(messages, from, to, limits),
    };
  });
}
