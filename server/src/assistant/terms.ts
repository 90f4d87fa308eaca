import { normalizeText } from '../retrieval/normalize.js';
import { STOP_WORDS, segmentNormalized } from '../retrieval/segment.js';

const HAN = /\p{Script=Han}/u;

// Characters of the stop words (客户, 怎么, 我们 …) say nothing about the topic either.
const STOP_CHARACTERS = new Set([...STOP_WORDS].flatMap((word) => [...word].filter((char) => HAN.test(char))));

/**
 * The lexical terms of a text: jieba words (search mode, stop words removed)
 * plus its Chinese characters. Characters survive segmentation disagreements
 * between a question and its paraphrase (报价单 / 报个价); words add precision.
 */
export function lexicalTerms(text: string): string[] {
  const normalized = normalizeText(text);
  const words = segmentNormalized(normalized);
  const singles = new Set(words.filter((word) => word.length === 1));
  const characters = [...normalized].filter((char) => HAN.test(char) && !STOP_CHARACTERS.has(char) && !singles.has(char));
  return [...words, ...characters];
}

/** A tsquery matching any of `terms`; each term quoted so no input can change the syntax. */
export function anyTermQuery(terms: readonly string[]): string {
  return [...new Set(terms)].map((term) => `'${term.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`).join(' | ');
}
