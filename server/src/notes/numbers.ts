/** Numbers as reps write them: 80, 1.2, ８０, 八十, 一百二十, 两千, 十五. */

const DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };

const FULLWIDTH_ZERO = 0xff10;
const toAscii = (text: string) => text.replace(/[０-９．]/g, (c) => (c === '．' ? '.' : String(c.charCodeAt(0) - FULLWIDTH_ZERO)));

/** A number below 10,000 in Arabic or Chinese digits; undefined when the text is not one. */
export function parseChineseNumber(text: string): number | undefined {
  const ascii = toAscii(text.trim());
  if (/^\d+(?:\.\d+)?$/.test(ascii)) return Number(ascii);
  if (!/^[零〇一二两三四五六七八九十百千]+$/.test(ascii)) return undefined;
  let total = 0;
  let digit: number | undefined;
  for (const char of ascii) {
    if (char in DIGITS) {
      digit = DIGITS[char]!;
      continue;
    }
    const unit = UNITS[char]!;
    // 十五: a unit with no digit before it counts once.
    total += (digit ?? 1) * unit;
    digit = undefined;
  }
  return total + (digit ?? 0);
}

/** Characters a number may be written with (for building patterns). */
export const NUMBER_CHARS = '0-9０-９.．零〇一二两三四五六七八九十百千';
