/**
 * The lead on screen and the rep's language as a bounded preference, like the
 * success rate: entries of the lead's industry and product, and in the
 * question's language, move up among near-ties. Applied only to entries above
 * the relevance floor, so it never lifts an irrelevant entry. Pure.
 */
export type Script = 'zh' | 'en';

export interface ContextPreference {
  industry?: string | undefined;
  product?: string | undefined;
  lang?: Script | undefined;
}

/** Largest lift for an entry of the lead's industry. */
export const INDUSTRY_BOOST = 0.03;
/** Largest lift for an entry about the lead's product. */
export const PRODUCT_BOOST = 0.02;
/**
 * Lift for an entry written in the rep's language. Larger than the others: a
 * script in the other language cannot be read out to the customer as it is.
 */
export const LANGUAGE_BOOST = 0.04;
/** The three together never move an entry by more than this. */
export const MAX_CONTEXT_BOOST = INDUSTRY_BOOST + PRODUCT_BOOST + LANGUAGE_BOOST;

const HAN = /\p{Script=Han}/gu;
const LATIN = /\p{Script=Latin}/gu;

/**
 * The script a text is written in: Chinese when at least a fifth of its
 * letters are Han characters (「客户坚持要source code」 is a Chinese question),
 * English when it has Latin letters and fewer Han; undefined without letters.
 */
export function textScript(text: string): Script | undefined {
  const han = text.match(HAN)?.length ?? 0;
  const latin = text.match(LATIN)?.length ?? 0;
  if (han === 0 && latin === 0) return undefined;
  // Han characters carry a word each, Latin letters a fraction of one.
  return han * 5 >= han + latin ? 'zh' : 'en';
}

/** `zh-CN` → zh, `en-US` → en; other languages give no preference. */
export function languageOfTag(tag: string | undefined): Script | undefined {
  const primary = tag?.toLowerCase().split('-')[0];
  return primary === 'zh' ? 'zh' : primary === 'en' ? 'en' : undefined;
}

const same = (a: string | null | undefined, b: string | undefined) => !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();

export function contextBoost(entry: { industry?: string | null; product?: string | null; question: string }, preference: ContextPreference): number {
  let boost = 0;
  if (same(entry.industry, preference.industry)) boost += INDUSTRY_BOOST;
  if (same(entry.product, preference.product)) boost += PRODUCT_BOOST;
  if (preference.lang && textScript(entry.question) === preference.lang) boost += LANGUAGE_BOOST;
  return boost;
}
