import { createRequire } from 'node:module';
import { workdayLengthMs, workingTimeBetween, type WorkSchedule, type WorkingWindow } from '@huashu/core';
import { chinaWorkSchedule, DEFAULT_WORKING_HOURS, isChineseWorkday } from '../platform/working-time.js';

/**
 * Working days for the pipeline: the shared Chinese calendar
 * (platform/working-time.ts: 法定节假日 off, 调休 make-up weekends on), the
 * tenant's working hours, Beijing time, and @huashu/core's working-time rule.
 * This file adds a clock of working minutes since 2000-01-01 that stays
 * carry, so time in stage over many stays is a subtraction in SQL.
 */

export { DEFAULT_WORKING_HOURS };
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Day 0 of the working-minutes clock, a local date. Events before it are refused. */
export const CLOCK_EPOCH_DATE = '2000-01-01';
const EPOCH_DAY_MS = Date.parse(`${CLOCK_EPOCH_DATE}T00:00:00Z`);
/** Midnight Beijing time (UTC+8) starting CLOCK_EPOCH_DATE. */
export const CLOCK_EPOCH = new Date(`${CLOCK_EPOCH_DATE}T00:00:00+08:00`);

/** The holiday data's version: stored working minutes are counted again when it changes. */
const CALENDAR_VERSION: string = (createRequire(import.meta.url)('chinese-days/package.json') as { version: string }).version;

/** The schedule of `hours` (validated pairs) on Chinese workdays; the default 09:00–18:00 without them. */
export function pipelineSchedule(hours: ReadonlyArray<{ start: string; end: string }> | null | undefined = DEFAULT_WORKING_HOURS): WorkSchedule {
  return chinaWorkSchedule(hours ?? DEFAULT_WORKING_HOURS);
}

/** What stored working minutes depend on: the holiday data's version and the working hours. */
export function calendarKey(schedule: WorkSchedule): string {
  return `chinese-days@${CALENDAR_VERSION}|${schedule.hours.map((window) => `${window.startMinute}-${window.endMinute}`).join(',')}`;
}

/** Working days (fractional: one workday is the length of its windows) from `from` to `to`. */
export function workingDays(from: Date, to: Date, schedule: WorkSchedule): number {
  return workingTimeBetween(from, to, schedule) / workdayLengthMs(schedule);
}

export function calendarDays(from: Date, to: Date): number {
  return Math.max(0, to.getTime() - from.getTime()) / DAY_MS;
}

/** Workdays before each local day since the epoch, grown on demand; the same for every tenant (hours do not enter it). */
const workdaysBefore: number[] = [0];
const isWorkdayByIndex: boolean[] = [];
function extendIndex(day: number): void {
  while (isWorkdayByIndex.length <= day) {
    const index = isWorkdayByIndex.length;
    const works = isChineseWorkday(new Date(EPOCH_DAY_MS + index * DAY_MS).toISOString().slice(0, 10));
    isWorkdayByIndex.push(works);
    workdaysBefore[index + 1] = workdaysBefore[index]! + (works ? 1 : 0);
  }
}

/** Minutes of the windows passed at `minute` of a workday. */
function passedMinutes(minute: number, windows: readonly WorkingWindow[]): number {
  return windows.reduce((sum, window) => sum + Math.max(0, Math.min(minute, window.endMinute) - window.startMinute), 0);
}

/**
 * Working minutes from the epoch to `at` under `schedule`: whole workdays
 * before its local date, plus the part of its own day's windows already
 * passed. The difference of two such values is `workingTimeBetween` in minutes.
 */
export function workingMinutesAt(at: Date, schedule: WorkSchedule): number {
  if (schedule.isWorkday !== isChineseWorkday) throw new Error('workingMinutesAt counts on the Chinese calendar only');
  const local = at.getTime() + schedule.utcOffsetMinutes * MINUTE_MS - EPOCH_DAY_MS;
  if (local < 0) return 0;
  const day = Math.floor(local / DAY_MS);
  extendIndex(day);
  const dayMinutes = workdayLengthMs(schedule) / MINUTE_MS;
  return workdaysBefore[day]! * dayMinutes + (isWorkdayByIndex[day] ? passedMinutes((local - day * DAY_MS) / MINUTE_MS, schedule.hours) : 0);
}

/**
 * The calendar from the epoch through `last`, laid out for SQL (arrays indexed
 * by days since the epoch, 1-based), so stored working minutes can be counted
 * again in one statement when the hours or the holiday data change.
 */
export interface SqlCalendar {
  workdaysBefore: number[];
  workday: boolean[];
  windows: readonly WorkingWindow[];
  /** Minutes of working time in a workday. */
  dayMinutes: number;
  utcOffsetMinutes: number;
  /** `CLOCK_EPOCH_DATE` in days since 1970-01-01. */
  epochDay: number;
}

export function sqlCalendar(last: Date, schedule: WorkSchedule): SqlCalendar {
  const days = Math.max(0, Math.floor((last.getTime() + schedule.utcOffsetMinutes * MINUTE_MS - EPOCH_DAY_MS) / DAY_MS));
  extendIndex(days);
  return {
    workdaysBefore: workdaysBefore.slice(0, days + 1),
    workday: isWorkdayByIndex.slice(0, days + 1),
    windows: schedule.hours,
    dayMinutes: workdayLengthMs(schedule) / MINUTE_MS,
    utcOffsetMinutes: schedule.utcOffsetMinutes,
    epochDay: EPOCH_DAY_MS / DAY_MS,
  };
}
