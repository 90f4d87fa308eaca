/**
 * Learned links between phrasings (the "click graph" of web search, Craswell &
 * Szummer 2007, here built from reported successes): a success ties the text a
 * rep asked to the text of the entry that worked. Texts joined by such ties —
 * directly, or through a phrasing that worked for two entries, or an entry's
 * own words that were later asked and worked for another — are ways of saying
 * the same thing in this tenant. A question asked again in any of those words
 * is linked to every entry written in them.
 *
 * Unlike the term associations this transfers to entries no report touched:
 * an entry whose own text a rep once asked (and got another entry's script
 * for) is linked to the phrasings of that other entry. It needs the asked text
 * to recur (as {@link phrasingKey} compares it), which a team's stock questions do.
 *
 * The entries a phrasing itself was reported on are {@link reportedEntries},
 * not linked entries: the search ranks them as a strong match, not above one
 * (see REPORTED_LEVEL in knowledge/knowledge.search.ts).
 *
 * Pure: built from the pairs at training time, read at ask time.
 */

import { normalizeText } from './normalize.js';

/** A phrasing as links compare it: normalised, without spaces, punctuation or symbols (「太贵了？」 is 「太贵了」). */
export function phrasingKey(text: string): string {
  return normalizeText(text).replace(/[\s\p{P}\p{S}]/gu, '');
}

/** How far a question's links reach, in ties between texts. */
export const LINK_HOPS = 4;
/**
 * A question whose neighbourhood holds more entries than this links to none,
 * and one reported on more entries than this is a reported match for none:
 * a phrasing tied to half the base (a catch-all like "价格") says nothing about
 * which entry fits.
 */
export const MAX_LINKED_ENTRIES = 30;

export interface SuccessLinks {
  /** Phrasing key → the phrasings it is tied to. */
  ties: Record<string, string[]>;
  /** Phrasing key → the ids of the entries whose question it is. */
  entries: Record<string, string[]>;
  /** Phrasing key of an asked question → the entries successes were reported on for it. Absent in links trained before it existed. */
  reported?: Record<string, string[]>;
}

export interface LinkPair {
  /** The asked question, as {@link phrasingKey} leaves it. */
  question: string;
  /** The entry's question, as {@link phrasingKey} leaves it. */
  entryText: string;
  entryId: string;
  /** Successes minus failures: a pair at ≤ 0 ties nothing. */
  weight: number;
}

/**
 * The links of a tenant's pairs. `entriesByText` maps the phrasing keys of
 * entry questions to entry ids, for the texts the pairs mention (an entry no report
 * touched is found by its text).
 */
export function buildSuccessLinks(pairs: readonly LinkPair[], entriesByText: ReadonlyMap<string, readonly string[]>): SuccessLinks {
  const ties = new Map<string, Set<string>>();
  const tie = (a: string, b: string) => {
    if (!ties.has(a)) ties.set(a, new Set());
    ties.get(a)!.add(b);
  };
  const entries = new Map<string, Set<string>>();
  const reported = new Map<string, Set<string>>();
  for (const pair of pairs) {
    if (pair.weight <= 0 || !pair.question || !pair.entryText) continue;
    if (!entries.has(pair.entryText)) entries.set(pair.entryText, new Set());
    entries.get(pair.entryText)!.add(pair.entryId);
    if (!reported.has(pair.question)) reported.set(pair.question, new Set());
    reported.get(pair.question)!.add(pair.entryId);
    if (pair.question === pair.entryText) continue;
    tie(pair.question, pair.entryText);
    tie(pair.entryText, pair.question);
  }
  for (const text of ties.keys()) for (const id of entriesByText.get(text) ?? []) {
    if (!entries.has(text)) entries.set(text, new Set());
    entries.get(text)!.add(id);
  }
  const sorted = (map: Map<string, Set<string>>) => Object.fromEntries([...map].map(([key, values]) => [key, [...values].sort()]));
  return { ties: sorted(ties), entries: sorted(entries), reported: sorted(reported) };
}

/**
 * The entries linked to `question` (a phrasing key): those written in a text within
 * {@link LINK_HOPS} ties of it, the text itself excluded (an entry in the
 * question's own words matches lexically anyway), and so are the entries this
 * phrasing was itself reported on (see above). Empty when the question was
 * never tied to anything, or when its neighbourhood is too wide to mean anything.
 */
export function linkedEntries(links: SuccessLinks | undefined, question: string): Set<string> {
  const found = new Set<string>();
  if (!links || !Object.hasOwn(links.ties, question)) return found;
  const direct = new Set(reportedFor(links, question));
  if (direct.size > MAX_LINKED_ENTRIES) return found;
  const seen = new Set([question]);
  let frontier = [question];
  for (let hop = 1; hop <= LINK_HOPS && frontier.length > 0; hop++) {
    const next: string[] = [];
    for (const text of frontier)
      for (const other of Object.hasOwn(links.ties, text) ? links.ties[text]! : []) {
        if (seen.has(other)) continue;
        seen.add(other);
        next.push(other);
        for (const id of Object.hasOwn(links.entries, other) ? links.entries[other]! : []) if (!direct.has(id)) found.add(id);
      }
    if (found.size > MAX_LINKED_ENTRIES) return new Set();
    frontier = next;
  }
  return found;
}

function reportedFor(links: SuccessLinks | undefined, question: string): readonly string[] {
  return links?.reported && Object.hasOwn(links.reported, question) ? links.reported[question]! : [];
}

/** The entries successes were reported on for `question` itself (a phrasing key); none for a catch-all, as with links. */
export function reportedEntries(links: SuccessLinks | undefined, question: string): Set<string> {
  const ids = reportedFor(links, question);
  return new Set(ids.length > MAX_LINKED_ENTRIES ? [] : ids);
}
