import * as OpenCC from 'opencc-js';

// 'hk' → 'cn' (HK variant characters, then traditional → simplified characters)
// rather than 'tw' or 'twp': measured on the 15,917 simplified LCQMC sentences,
// 'tw' rewrites the common particle 么 to 幺 in 113 of them, and 'twp' rewrites
// mainland vocabulary that happens to share characters with Taiwanese phrases
// (程序 → 进程). 'hk' only touched 7 sentences, each a genuine traditional
// character (什麽, 黃). Taiwanese text converts correctly through it as well,
// because its characters are covered by the generic traditional table.
let converter: ((text: string) => string) | undefined;

function toSimplified(text: string): string {
  const convert = (converter ??= OpenCC.Converter({ from: 'hk', to: 'cn' }));
  return convert(text);
}

// Zero-width characters survive NFKC and would split or glue words invisibly
// when text is pasted from chat apps and web pages.
const INVISIBLE = /[\u00AD\u200B-\u200F\u2060-\u2064\uFEFF]/gu;
const CONTROL_OR_SPACE = /[\p{Cc}\s]+/gu;

/**
 * Canonical form for everything retrieval compares: knowledge-base entries and
 * questions go through the same function, so variants of one text meet.
 * NFKC folds full-width Latin letters, digits and punctuation (and CJK
 * compatibility ideographs) into their ordinary forms; traditional Chinese
 * becomes simplified; case and runs of whitespace stop mattering.
 */
export function normalizeText(text: string): string {
  const folded = text.normalize('NFKC').replace(INVISIBLE, '');
  return toSimplified(folded).toLowerCase().replace(CONTROL_OR_SPACE, ' ').trim();
}
