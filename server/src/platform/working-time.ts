import { createRequire } from 'node:module';
import { CHINA_UTC_OFFSET_MINUTES, parseWorkingHours, type WorkingWindow, type WorkSchedule } from '@huashu/core';

/**
 * The Chinese working calendar for the pure working-time arithmetic in
 * @huashu/core: `chinese-days`' published data (statutory holidays and the
 * 调休 make-up working days — 2025-09-28, a Sunday, is a workday; 2025-10-03 a
 * holiday). Shared by every domain that counts working time (lead SLAs, time
 * in a pipeline stage).
 *
 * The rule: a date is a workday when chinese-days lists it as a make-up
 * workday, or when it is Monday–Friday and not listed as a holiday. Dates
 * beyond the data's last year fall back to Monday–Friday.
 *
 * We read the package's data file rather than calling `isWorkday()`: the
 * function parses dates in the process's local time zone, and west of UTC it
 * reports the day before's answer (TZ=America/New_York calls 2025-09-27, a
 * Saturday, a workday). The data has no such problem.
 */

interface ChineseDaysData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
}

const require = createRequire(import.meta.url);

function loadData(): ChineseDaysData {
  const data = require('chinese-days/dist/chinese-days.json') as Partial<ChineseDaysData>;
  if (typeof data?.holidays !== 'object' || typeof data?.workdays !== 'object') {
    throw new Error('chinese-days data has an unexpected shape (expected { holidays, workdays })');
  }
  return data as ChineseDaysData;
}

let data: ChineseDaysData | undefined;

const SATURDAY = 6;
const SUNDAY = 0;

/** Whether a Beijing calendar date (`YYYY-MM-DD`) is a working day in mainland China. */
export function isChineseWorkday(date: string): boolean {
  data ??= loadData();
  if (data.workdays[date]) return true;
  if (data.holidays[date]) return false;
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday !== SATURDAY && weekday !== SUNDAY;
}

/** 09:00–18:00 Beijing time. */
export const DEFAULT_WORKING_HOURS = [{ start: '09:00', end: '18:00' }] as const;

/** A schedule on the Chinese calendar in Beijing time, with the given windows (09:00–18:00 by default). */
export function chinaWorkSchedule(hours: readonly { start: string; end: string }[] = DEFAULT_WORKING_HOURS): WorkSchedule {
  const windows = parseWorkingHours(hours);
  if (typeof windows === 'string') throw new RangeError(`working hours ${windows}`);
  return { isWorkday: isChineseWorkday, hours: windows as WorkingWindow[], utcOffsetMinutes: CHINA_UTC_OFFSET_MINUTES };
}

/** The statutory holiday a Beijing date (`YYYY-MM-DD`) belongs to, in Chinese (国庆节, 春节 …); undefined on other days. */
export function chineseHolidayName(date: string): string | undefined {
  data ??= loadData();
  const entry = data.holidays[date];
  return entry ? entry.split(',')[1] : undefined;
}
