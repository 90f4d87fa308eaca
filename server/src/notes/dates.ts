import { CHINA_UTC_OFFSET_MINUTES, localDate } from '@huashu/core';
import { chineseHolidayName, isChineseWorkday } from '../platform/working-time.js';
import { parseChineseNumber } from './numbers.js';

/**
 * Chinese relative dates resolved against a reference day in Asia/Shanghai.
 * Weeks start on Monday (下周三 said on a Sunday is ten days later, not three:
 * the reason chrono-node's zh parser, whose weeks start on Sunday, is not used).
 * Dates are `YYYY-MM-DD` strings; arithmetic is on UTC midnights so no local
 * time zone of the process can shift a day.
 */

const DAY_MS = 86_400_000;
/** How far ahead 节后 looks for the next statutory holiday. */
const HOLIDAY_LOOKAHEAD_DAYS = 200;
/** A holiday block of the data is at most this long (春节 with its weekends). */
const MAX_HOLIDAY_BLOCK_DAYS = 14;

export interface DateMatch {
  date: string;
  /** Where the expression is in the text, to find what it is attached to. */
  index: number;
  length: number;
}

const toUtc = (date: string) => Date.parse(`${date}T00:00:00Z`);
const fromUtc = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const addDays = (date: string, days: number) => fromUtc(toUtc(date) + days * DAY_MS);
/** Monday = 1 … Sunday = 7. */
export const isoWeekday = (date: string) => ((new Date(toUtc(date)).getUTCDay() + 6) % 7) + 1;

/** The reference day of an instant: its local date in Asia/Shanghai. */
export function referenceDay(at: Date | string): string {
  return localDate(new Date(at), CHINA_UTC_OFFSET_MINUTES);
}

const WEEKDAY: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7, '1': 1, '2': 2, '3': 3, '4': 4, '5': 5, '6': 6, '7': 7 };

function mondayOf(date: string): string {
  return addDays(date, 1 - isoWeekday(date));
}

function lastDayOfMonth(year: number, month: number): string {
  return fromUtc(Date.UTC(year, month, 0));
}

function validDate(year: number, month: number, day: number): string | undefined {
  const ms = Date.UTC(year, month - 1, day);
  const date = new Date(ms);
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? fromUtc(ms) : undefined;
}

/** Holiday names as the data spells them, by what a rep says. */
const HOLIDAY_ALIASES: Array<[RegExp, string]> = [
  [/^(?:春节|过年|年)$/, '春节'],
  [/^(?:国庆|国庆节|十一)$/, '国庆节'],
  [/^(?:五一|劳动节)$/, '劳动节'],
  [/^(?:元旦)$/, '元旦'],
  [/^(?:清明|清明节)$/, '清明'],
  [/^(?:端午|端午节)$/, '端午'],
  [/^(?:中秋|中秋节)$/, '中秋'],
];

/**
 * The first working day after a statutory holiday: the named one (国庆后), or
 * with no name (节后) the holiday the reference day is in, else the next one.
 */
export function afterHoliday(ref: string, spoken?: string): string | undefined {
  const wanted = spoken ? HOLIDAY_ALIASES.find(([pattern]) => pattern.test(spoken))?.[1] : undefined;
  if (spoken && !wanted) return undefined;
  for (let offset = 0; offset <= HOLIDAY_LOOKAHEAD_DAYS; offset++) {
    const day = addDays(ref, offset);
    const name = chineseHolidayName(day);
    if (!name || (wanted && name !== wanted)) continue;
    let end = day;
    for (let step = 0; step < MAX_HOLIDAY_BLOCK_DAYS && chineseHolidayName(addDays(end, 1)) === name; step++) end = addDays(end, 1);
    let next = addDays(end, 1);
    while (!isChineseWorkday(next)) next = addDays(next, 1);
    return next;
  }
  return undefined;
}

const NUM = '[0-9０-９一二两三四五六七八九十〇零]{1,3}';
const DATE_PATTERNS: Array<{ pattern: RegExp; resolve(match: RegExpExecArray, ref: string): string | undefined }> = [
  {
    // 下下周三, 下周三, 下星期五, 下个礼拜一, 本周五, 这周日, 周三
    pattern: /(下下|下个?|本|这个?|今)?(?:周|星期|礼拜)([一二三四五六日天1-7])/g,
    resolve: (match, ref) => {
      const weekday = WEEKDAY[match[2]!]!;
      const prefix = match[1] ?? '';
      const weeks = prefix === '下下' ? 2 : prefix.startsWith('下') ? 1 : 0;
      const date = addDays(mondayOf(ref), weeks * 7 + weekday - 1);
      // A bare 周三 already past this week means the coming one.
      if (prefix === '' && date < ref) return addDays(date, 7);
      return date;
    },
  },
  {
    // 2026年3月5日, 3月5日, 3月5号, 三月五日
    pattern: new RegExp(`(?:(\\d{4})年)?(${NUM})月(${NUM})[日号]?`, 'g'),
    resolve: (match, ref) => {
      const month = parseChineseNumber(match[2]!);
      const day = parseChineseNumber(match[3]!);
      if (month === undefined || day === undefined) return undefined;
      const refYear = Number(ref.slice(0, 4));
      if (match[1]) return validDate(Number(match[1]), month, day);
      const date = validDate(refYear, month, day);
      // A date earlier in the year than today is next year's.
      return date && date < ref ? validDate(refYear + 1, month, day) : date;
    },
  },
  {
    // 下月底, 月底, 本月底, 这个月底
    pattern: /(下个?|本|这个?)?月底/g,
    resolve: (match, ref) => {
      const year = Number(ref.slice(0, 4));
      const month = Number(ref.slice(5, 7));
      const next = match[1]?.startsWith('下') ? 1 : 0;
      return lastDayOfMonth(year, month + next);
    },
  },
  {
    // 国庆后, 国庆节后, 春节后, 年后, 节后
    pattern: /(春节|过年|国庆节?|五一|劳动节|元旦|清明节?|端午节?|中秋节?|十一)?(?:节)?(?:假期)?(?:之?后|过后|以后)/g,
    resolve: (match, ref) => {
      if (!match[0].includes('节') && !match[1]) return undefined;
      return afterHoliday(ref, match[1]);
    },
  },
  {
    pattern: /年后/g,
    resolve: (_match, ref) => afterHoliday(ref, '春节'),
  },
  {
    // 15号 (this month, or next when past)
    pattern: new RegExp(`(?<![月\\d０-９一二两三四五六七八九十])(${NUM})[号]`, 'g'),
    resolve: (match, ref) => {
      const day = parseChineseNumber(match[1]!);
      if (day === undefined) return undefined;
      const year = Number(ref.slice(0, 4));
      const month = Number(ref.slice(5, 7));
      const date = validDate(year, month, day);
      if (date && date >= ref) return date;
      return month === 12 ? validDate(year + 1, 1, day) : validDate(year, month + 1, day);
    },
  },
  {
    pattern: /大后天|后天|明天|明日|今天|今日|今晚|明早|明晚/g,
    resolve: (match, ref) => {
      const word = match[0];
      if (word === '大后天') return addDays(ref, 3);
      if (word === '后天') return addDays(ref, 2);
      if (word.startsWith('明')) return addDays(ref, 1);
      return ref;
    },
  },
];

/** Every date expression in the text, in order of appearance; overlapping ones keep the longest. */
export function findDates(text: string, ref: string): DateMatch[] {
  const found: DateMatch[] = [];
  for (const { pattern, resolve } of DATE_PATTERNS) {
    pattern.lastIndex = 0;
    for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
      const date = resolve(match, ref);
      if (date) found.push({ date, index: match.index, length: match[0].length });
    }
  }
  found.sort((a, b) => a.index - b.index || b.length - a.length);
  const kept: DateMatch[] = [];
  for (const match of found) {
    const last = kept[kept.length - 1];
    if (last && match.index < last.index + last.length) continue;
    kept.push(match);
  }
  return kept;
}
