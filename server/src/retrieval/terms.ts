import { normalizeText } from './normalize.js';
import { STOP_WORDS, segmentNormalized } from './segment.js';

const HAN = /\p{Script=Han}/u;

// Characters of the stop words (客户, 怎么, 我们 …) say nothing about the topic either.
const STOP_CHARACTERS = new Set([...STOP_WORDS].flatMap((word) => [...word].filter((char) => HAN.test(char))));

/**
 * The lexical terms of a text: jieba words (search mode, stop words removed)
 * plus its Chinese characters. Characters survive segmentation disagreements
 * between a question and its paraphrase (报价单 / 报个价); words add precision.
 */
export function lexicalTerms(text: string): string[] {
  return analyseText(text).terms;
}

/**
 * {@link lexicalTerms} with what it is made from, for a question that also needs
 * its normalised form (the domain gate) and its words (the bilingual dictionary).
 */
export function analyseText(text: string): { normalized: string; words: string[]; terms: string[] } {
  const normalized = normalizeText(text);
  const words = segmentNormalized(normalized);
  const singles = new Set(words.filter((word) => word.length === 1));
  const characters = [...normalized].filter((char) => HAN.test(char) && !STOP_CHARACTERS.has(char) && !singles.has(char));
  return { normalized, words, terms: [...words, ...characters] };
}

/** A tsquery matching any of `terms`; each term quoted so no input can change the syntax. */
export function anyTermQuery(terms: readonly string[]): string {
  return [...new Set(terms)].map((term) => `'${term.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`).join(' | ');
}

/**
 * Answers normalised for `answerMatch` (ranking.ts), kept by their text so an edited
 * answer is simply a new key. normalizeText costs ~30 µs for a 100-character
 * answer (mostly the traditional → simplified pass) and a question scores up
 * to ~180 candidates, so uncached it would cost several ms per question. The
 * budget bounds memory at about 2 × 4M characters; the oldest go first.
 */
const ANSWER_CACHE_CHARACTERS = 4_000_000;
const normalizedAnswers = new Map<string, string>();
let cachedCharacters = 0;

export function normalizedAnswer(answer: string): string {
  const hit = normalizedAnswers.get(answer);
  if (hit !== undefined) return hit;
  const normalized = normalizeText(answer);
  normalizedAnswers.set(answer, normalized);
  cachedCharacters += answer.length + normalized.length;
  for (const [key, value] of normalizedAnswers) {
    if (cachedCharacters <= ANSWER_CACHE_CHARACTERS) break;
    normalizedAnswers.delete(key);
    cachedCharacters -= key.length + value.length;
  }
  return normalized;
}
