import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { normalizeText } from './normalize.js';

// Loading the 350k-word dictionary takes a noticeable fraction of a second, so
// it happens on first use and once per process.
let jieba: Jieba | undefined;

function cutter(): Jieba {
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

// Words that occur in most questions a sales rep asks ("客户说我们的价格太贵了怎么办？"):
// particles, pronouns, question words and the 客户/说 framing. Matching on them
// ranks entries by phrasing instead of topic, so the lexical index and the
// embedder's word features leave them out. Kept short on purpose: 不/没 (negation), 有, numbers and
// every noun stay, because dropping them changes meaning.
const CHINESE_STOP_WORDS = [
  '的', '地', '得', '了', '着', '过', '吗', '呢', '啊', '吧', '呀', '嘛', '哦', '呗', '么', '哈',
  '是', '在', '和', '与', '及', '或', '就', '都', '也', '还', '又', '把', '被', '给', '让', '对',
  '这', '那', '这个', '那个', '这些', '那些', '这样', '那样', '一个', '一下',
  '我', '我们', '你', '你们', '您', '他', '她', '它', '他们', '她们', '咱们', '人家',
  '怎么', '怎么办', '怎样', '怎么样', '如何', '什么', '啥',
  '客户', '顾客', '说', '问', '请问', '想', '要',
];

// English equivalents for mixed-language questions; same reasoning.
const ENGLISH_STOP_WORDS = [
  'a', 'an', 'the', 'is', 'are', 'am', 'be', 'was', 'were', 'to', 'of', 'and', 'or', 'in', 'on',
  'for', 'with', 'do', 'does', 'did', 'how', 'what', 'i', 'we', 'you', 'it', 'my', 'our', 'your',
  'they', 'their', 'can', 'could', 'should', 'would', 'this', 'that', 'customer', 'client', 'says',
  'said',
];

export const STOP_WORDS: ReadonlySet<string> = new Set([...CHINESE_STOP_WORDS, ...ENGLISH_STOP_WORDS]);

// A token without a single letter or digit is punctuation, whitespace, an
// emoji or a symbol run; none of them identifies a topic.
const HAS_LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

export interface SegmentOptions {
  /** Keep stop words (default false). */
  keepStopWords?: boolean;
}

/**
 * Words of `text` after {@link normalizeText}, in order, in jieba's search mode:
 * a long dictionary word is followed by the shorter dictionary words inside it
 * (中华人民共和国 → 中华, 华人, 人民, 共和, 共和国, 中华人民共和国), so a question
 * using a part of a compound still matches. Tokens may repeat.
 */
export function segment(text: string, options: SegmentOptions = {}): string[] {
  return segmentNormalized(normalizeText(text), options);
}

/**
 * {@link segment} for text that already went through {@link normalizeText}, so
 * callers that need both forms (the embedder) normalise once.
 */
export function segmentNormalized(normalized: string, options: SegmentOptions = {}): string[] {
  if (normalized === '') return [];
  const keepStopWords = options.keepStopWords ?? false;
  return cutter()
    .cutForSearch(normalized, true)
    .filter((token) => HAS_LETTER_OR_DIGIT.test(token) && (keepStopWords || !STOP_WORDS.has(token)));
}

/**
 * Text for `to_tsvector('simple', $1)`: the segmented words joined by spaces,
 * so Postgres' parser sees word boundaries it cannot find in Chinese by itself.
 */
export function toTsvectorText(text: string): string {
  return segment(text).join(' ');
}

/**
 * `token` as one quoted tsquery lexeme. Inside quotes only the quote and the
 * backslash are special; doubling both makes any token a literal, whatever
 * &|!():*<-> it contains.
 */
export function quoteTsqueryLexeme(token: string): string {
  return `'${token.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * Query for `to_tsquery('simple', $1)`: every distinct word of `text`, quoted,
 * joined with `|` so that an entry matching any word is a candidate and ranking
 * decides the rest. Returns '' when nothing searchable is left (e.g. only stop
 * words or punctuation); callers should skip the lexical search then, as
 * `to_tsquery('simple', '')` matches nothing and raises a NOTICE.
 */
export function toTsqueryText(text: string): string {
  return [...new Set(segment(text))].map(quoteTsqueryLexeme).join(' | ');
}
