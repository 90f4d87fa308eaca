/**
 * Matching across Chinese and English without a model: a rep types 「房东不让
 * 上屋顶装光伏」 and the base holds "The landlord will never agree to put solar
 * panels on his roof" (or the other way round). Each content word of the
 * question is looked up in CC-CEDICT (the copy the `hanzi` package ships,
 * CC BY-SA 4.0; read, not copied) and an entry in the other script matches the
 * word when it holds one of its translations. In tenants whose entries mix the
 * two languages this was the largest group of misses on the bases written by
 * others (evals/README.md, "Other companies' bases").
 *
 * The dictionary is parsed once, on first use (~0.5 s, ~70 MB of glosses kept
 * only as the two compact indexes below).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { idf, type CorpusStats } from './ranking.js';
import { STOP_WORDS } from './segment.js';

const HAN = /\p{Script=Han}/u;
const LATIN_WORD = /^[a-z][a-z0-9'-]*$/;

/**
 * Words a gloss may drop and still be that word's translation: "to insist on"
 * is "insist", "to rent sth out" is "rent".
 */
const FRAME_WORDS = new Set(['to', 'a', 'an', 'the', 'sth', 'sb', "one's", 'on', 'in', 'at', 'with', 'for', 'of', 'from', 'into', 'up', 'out', 'off', 'by', 'as']);
/** Words of a gloss that name no concept: the frame words, stop words and dictionary shorthand. */
const GLOSS_STOP_WORDS = new Set([
  ...STOP_WORDS,
  ...FRAME_WORDS,
  'oneself', 'etc', 'esp', 'e', 'g', 'i', 'lit', 'fig', 'abbr', 'one', 'something', 'somebody', 'someone', 'some', 'very', 'not', 'no',
  'kind', 'type', 'form', 'bound', 'used',
]);
/** A gloss longer than this (in content words) is an explanation, not a translation. */
const MAX_GLOSS_WORDS = 3;
/**
 * A single character has many senses (帮: help, assist, support, side, gang,
 * secret society …) and CC-CEDICT lists the common ones first: only its first
 * two translations count. On the tuning questions (odd-numbered entries of the
 * other companies' bases, sales `-a`) 2, 4 and all of them tied at 135/140 in
 * the top 3 and leaving single characters untranslated lost one; all senses
 * also lifted an off-topic 「帮我写一封生日祝福」 onto an English "support" entry.
 */
const SINGLE_CHARACTER_SENSES = 2;
/**
 * An English word maps to at most this many Chinese words, the shortest
 * first; only those the tenant's entries hold ever match, so the
 * bound is against pathological words, not a choice among senses.
 */
const MAX_CHINESE_TARGETS = 40;

/**
 * English words to a common form, so "installments" meets "installment" and
 * "deployed" meets "deploy". Deliberately crude: both sides go through it.
 */
export function englishStem(word: string): string {
  let w = word.toLowerCase();
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('es') && /(?:ss|sh|ch|x|z)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  return w;
}

interface Gloss {
  /** Its content words. */
  words: string[];
  /** Only frame words were dropped: "roof", "to insist on" — not "this year". */
  exact: boolean;
}

/** The content words of one gloss, or undefined when it explains rather than translates. */
function readGloss(gloss: string): Gloss | undefined {
  let text = gloss;
  // Parenthesised notes, possibly nested: "(abbr. for 高級管理人員|高级管理人员[gao1 ji2 …])".
  for (let previous = ''; previous !== text; ) {
    previous = text;
    text = text.replace(/\([^()]*\)/g, ' ').replace(/\[[^[\]]*\]/g, ' ');
  }
  if (/^\s*(?:CL:|variant of|old variant|see |surname|also written|erhua|Japanese variant|used in|abbr)/i.test(text)) return undefined;
  const all = text.toLowerCase().split(/[^a-z0-9'-]+/).filter((word) => word !== '');
  if (all.some((word) => !LATIN_WORD.test(word))) return undefined;
  const words = all.filter((word) => !GLOSS_STOP_WORDS.has(word));
  if (words.length === 0 || words.length > MAX_GLOSS_WORDS) return undefined;
  return { words, exact: all.every((word) => FRAME_WORDS.has(word) || !GLOSS_STOP_WORDS.has(word)) };
}

export interface BilingualDictionary {
  /** A Chinese word's English translations, stemmed. */
  english(chinese: string): readonly string[] | undefined;
  /** A stemmed English word's Chinese translations. */
  chinese(stemmedEnglish: string): readonly string[] | undefined;
}

/** Builds the two indexes from CC-CEDICT lines (`traditional simplified [pinyin] /gloss/gloss/`). */
export function buildDictionary(lines: Iterable<string>): BilingualDictionary {
  const toEnglish = new Map<string, string[]>();
  const toChinese = new Map<string, string[]>();
  const LINE = /^\S+ (\S+) \[[^\]]*\] \/(.*)\/\s*$/;
  for (const line of lines) {
    const match = LINE.exec(line);
    if (!match || !HAN.test(match[1]!)) continue;
    const simplified = match[1]!;
    for (const text of match[2]!.split(/[/;]/)) {
      const gloss = readGloss(text);
      if (!gloss) continue;
      const stems = gloss.words.map(englishStem);
      let list = toEnglish.get(simplified);
      if (!list) toEnglish.set(simplified, (list = []));
      for (const stem of stems) if (!list.includes(stem)) list.push(stem);
      // English → Chinese only from glosses that are one English word and
      // nothing more: "roof" → 屋顶, but "year" ↛ 今年 ("this year") or 半年 ("half a year").
      if (gloss.exact && stems.length === 1) {
        const list = toChinese.get(stems[0]!) ?? [];
        if (!list.includes(simplified)) list.push(simplified);
        toChinese.set(stems[0]!, list);
      }
    }
  }
  // Single characters are not targets: they would match inside any word
  // (year → 年 in 今年, 三年 …); on the tuning questions allowing them lost two.
  const chinese = new Map<string, string[]>();
  for (const [stem, list] of toChinese) {
    const words = list
      .filter((word) => [...word].length >= 2)
      .sort((a, b) => [...a].length - [...b].length)
      .slice(0, MAX_CHINESE_TARGETS);
    if (words.length > 0) chinese.set(stem, words);
  }
  return {
    english: (word) => toEnglish.get(word),
    chinese: (stem) => chinese.get(stem),
  };
}

let loaded: BilingualDictionary | undefined;

/** CC-CEDICT from the `hanzi` package (a JS module exporting the file as one template string). */
export function bilingualDictionary(): BilingualDictionary {
  if (!loaded) {
    const file = createRequire(import.meta.url).resolve('hanzi/lib/data/cedict_ts.u8.js');
    loaded = buildDictionary(readFileSync(file, 'utf8').split('\n'));
  }
  return loaded;
}

/** One content word of the question and what it may appear as in the other language. */
export interface Concept {
  word: string;
  /** Stemmed English words (a Chinese concept) or Chinese words (an English one); a Latin token also as itself. */
  targets: ReadonlySet<string>;
}

/**
 * The question's content words with their translations. `words` are its
 * segmented words (stop words removed), Chinese or Latin.
 */
export function questionConcepts(words: readonly string[], dictionary: BilingualDictionary): Concept[] {
  const concepts: Concept[] = [];
  for (const word of new Set(words)) {
    if (HAN.test(word)) {
      const all = dictionary.english(word);
      const targets = [...word].length >= 2 ? all : all?.slice(0, SINGLE_CHARACTER_SENSES);
      concepts.push({ word, targets: new Set(targets) });
    } else if (LATIN_WORD.test(word)) {
      const stem = englishStem(word);
      // Latin tokens in a Chinese question (EMC, PPT, SaaS) are names in either language.
      concepts.push({ word, targets: new Set([stem, ...(dictionary.chinese(stem) ?? [])]) });
    }
  }
  return concepts;
}

/**
 * The terms that let entries in the other language become candidates: each
 * concept's translations as the index holds them (Latin words unstemmed too).
 */
export function translatedTerms(concepts: readonly Concept[]): string[] {
  const terms = new Set<string>();
  for (const concept of concepts) {
    for (const target of concept.targets) {
      terms.add(target);
      if (!HAN.test(target)) terms.add(`${target}s`);
    }
  }
  return [...terms];
}

/**
 * The share of the question's content (its words' IDF) an entry covers through
 * translations: like normalised BM25, but a word counts once, matched when the
 * entry holds any of its translations. Latin entry terms are compared stemmed.
 */
export function crossLingualMatch(concepts: readonly Concept[], entryTerms: ReadonlyMap<string, number>, stats: CorpusStats): number {
  if (concepts.length === 0) return 0;
  let stems: Set<string> | undefined;
  const has = (target: string) => {
    if (HAN.test(target)) return entryTerms.has(target);
    stems ??= new Set([...entryTerms.keys()].filter((term) => LATIN_WORD.test(term)).map(englishStem));
    return stems.has(target);
  };
  let covered = 0;
  let total = 0;
  for (const concept of concepts) {
    const weight = idf(stats, concept.word);
    total += weight;
    for (const target of concept.targets) {
      if (has(target)) {
        covered += weight;
        break;
      }
    }
  }
  return total > 0 ? covered / total : 0;
}
