/**
 * Working-time arithmetic: "due in 48 working hours", "time in stage in
 * working days". Pure and isomorphic: the calendar (which dates are workdays,
 * 调休 included) is passed in, so this module carries no holiday data and no
 * Node or DOM dependency. The server binds it to `chinese-days`
 * (server/src/platform/working-time.ts).
 *
 * The rule, exactly:
 * - A day is a workday when `schedule.isWorkday('YYYY-MM-DD')` says so, the date
 *   taken in the schedule's fixed UTC offset (Asia/Shanghai is UTC+8 all year:
 *   China has kept no daylight saving time since 1991, so a fixed offset is exact).
 * - On a workday the clock runs inside `schedule.hours`, half-open windows of
 *   local minutes since midnight (09:00–18:00 → [540, 1080)). Outside them,
 *   and on every other day, it stands still.
 * - Adding working time from an instant outside the windows starts at the next
 *   window's opening; a deadline that lands exactly on a window's close is that
 *   close (18:00), not the next morning.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const MINUTES_PER_DAY = 24 * 60;
/** A calendar that never yields a workday would loop forever; ten years without one is a broken calendar. */
const MAX_SCAN_DAYS = 3660;
/** UTC+8: Asia/Shanghai, Beijing time. */
export const CHINA_UTC_OFFSET_MINUTES = 480;

export interface WorkingWindow {
  /** Minutes after local midnight, inclusive. */
  startMinute: number;
  /** Minutes after local midnight, exclusive; at most 1440. */
  endMinute: number;
}

export interface WorkSchedule {
  /** Whether a local calendar date (`YYYY-MM-DD`) is a working day. */
  isWorkday(date: string): boolean;
  /** Working windows of a workday, ascending and non-overlapping. */
  hours: readonly WorkingWindow[];
  /** The fixed offset of the schedule's local time from UTC, in minutes. */
  utcOffsetMinutes: number;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;

/** `'09:00'` → 540. Undefined for anything that is not `HH:MM` (00:00–24:00). */
export function parseClock(text: string): number | undefined {
  if (!HHMM.test(text)) return undefined;
  const [hours, minutes] = text.split(':').map(Number) as [number, number];
  return hours * 60 + minutes;
}

/** Windows from `{ start: 'HH:MM', end: 'HH:MM' }` pairs; a message naming the first bad pair otherwise. */
export function parseWorkingHours(pairs: readonly { start: string; end: string }[]): WorkingWindow[] | string {
  const windows: WorkingWindow[] = [];
  for (const [index, pair] of pairs.entries()) {
    const startMinute = parseClock(pair.start);
    const endMinute = parseClock(pair.end);
    if (startMinute === undefined || endMinute === undefined) return `${index}: times must be HH:MM (00:00–24:00)`;
    if (endMinute <= startMinute) return `${index}: end must be after start`;
    const previous = windows[windows.length - 1];
    if (previous && startMinute < previous.endMinute) return `${index}: windows must be in order and must not overlap`;
    windows.push({ startMinute, endMinute });
  }
  if (windows.length === 0) return 'at least one window is needed';
  return windows;
}

/** The local calendar date of an instant, `YYYY-MM-DD`. */
export function localDate(at: Date | number, utcOffsetMinutes: number): string {
  return new Date(Number(at) + utcOffsetMinutes * MINUTE_MS).toISOString().slice(0, 10);
}

/** UTC milliseconds of local midnight starting the local day that contains `at`. */
function localMidnight(at: number, utcOffsetMinutes: number): number {
  const shifted = at + utcOffsetMinutes * MINUTE_MS;
  return shifted - (((shifted % DAY_MS) + DAY_MS) % DAY_MS) - utcOffsetMinutes * MINUTE_MS;
}

/** Working milliseconds in one workday. */
export function workdayLengthMs(schedule: Pick<WorkSchedule, 'hours'>): number {
  return schedule.hours.reduce((sum, window) => sum + (window.endMinute - window.startMinute) * MINUTE_MS, 0);
}

function assertSchedule(schedule: WorkSchedule): void {
  if (workdayLengthMs(schedule) <= 0 || schedule.hours.some((w) => w.startMinute < 0 || w.endMinute > MINUTES_PER_DAY)) {
    throw new RangeError('working hours must hold at least one window inside the day');
  }
}

/** The instant `durationMs` of working time after `from`. */
export function addWorkingTime(from: Date, durationMs: number, schedule: WorkSchedule): Date {
  if (!Number.isFinite(durationMs) || durationMs < 0) throw new RangeError('duration must be a finite, non-negative number of milliseconds');
  assertSchedule(schedule);
  let remaining = durationMs;
  const start = from.getTime();
  if (remaining === 0) return new Date(start);
  let dayStart = localMidnight(start, schedule.utcOffsetMinutes);
  for (let day = 0; day < MAX_SCAN_DAYS; day++, dayStart += DAY_MS) {
    // Days are always 24 h long here: the offset is fixed.
    if (!schedule.isWorkday(localDate(dayStart, schedule.utcOffsetMinutes))) continue;
    for (const window of schedule.hours) {
      const opens = Math.max(dayStart + window.startMinute * MINUTE_MS, start);
      const closes = dayStart + window.endMinute * MINUTE_MS;
      if (closes <= opens) continue;
      if (closes - opens >= remaining) return new Date(opens + remaining);
      remaining -= closes - opens;
    }
  }
  throw new RangeError(`the calendar has no working time in the ${MAX_SCAN_DAYS} days after ${from.toISOString()}`);
}

/** Working milliseconds between two instants (0 when `to` is not after `from`). */
export function workingTimeBetween(from: Date, to: Date, schedule: WorkSchedule): number {
  assertSchedule(schedule);
  const start = from.getTime();
  const end = to.getTime();
  if (end <= start) return 0;
  let total = 0;
  for (let dayStart = localMidnight(start, schedule.utcOffsetMinutes); dayStart < end; dayStart += DAY_MS) {
    if (!schedule.isWorkday(localDate(dayStart, schedule.utcOffsetMinutes))) continue;
    for (const window of schedule.hours) {
      const opens = Math.max(dayStart + window.startMinute * MINUTE_MS, start);
      const closes = Math.min(dayStart + window.endMinute * MINUTE_MS, end);
      if (closes > opens) total += closes - opens;
    }
  }
  return total;
}

/** Working days between two instants, fractional (one workday = the length of its windows). */
export function workingDaysBetween(from: Date, to: Date, schedule: WorkSchedule): number {
  return workingTimeBetween(from, to, schedule) / workdayLengthMs(schedule);
}

/** Whether the working clock runs at `at`. */
export function isWorkingTime(at: Date, schedule: WorkSchedule): boolean {
  const dayStart = localMidnight(at.getTime(), schedule.utcOffsetMinutes);
  if (!schedule.isWorkday(localDate(dayStart, schedule.utcOffsetMinutes))) return false;
  const minute = (at.getTime() - dayStart) / MINUTE_MS;
  return schedule.hours.some((window) => minute >= window.startMinute && minute < window.endMinute);
}

/**
 * An ISO 8601 duration without years or months (whose length depends on the
 * calendar): `PT48H`, `PT2S`, `P1DT12H`, `P2W`, `PT0.5H`.
 */
export interface IsoDuration {
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const ISO_DURATION = /^P(?!$)(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?!$)(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

/** Parses `PT48H`-style durations; undefined for anything else (years and months included, on purpose). */
export function parseIsoDuration(text: string): IsoDuration | undefined {
  const match = ISO_DURATION.exec(text.trim().toUpperCase());
  if (!match) return undefined;
  const [weeks, days, hours, minutes, seconds] = match.slice(1).map((part) => (part === undefined ? 0 : Number(part.replace(',', '.'))));
  return { weeks: weeks!, days: days!, hours: hours!, minutes: minutes!, seconds: seconds! };
}

/** Calendar length: a day is 24 h, a week 7 days. */
export function isoDurationMs(duration: IsoDuration): number {
  return (
    duration.weeks * 7 * DAY_MS + duration.days * DAY_MS + duration.hours * HOUR_MS + duration.minutes * MINUTE_MS + duration.seconds * 1000
  );
}

/**
 * Working-time length: hours, minutes and seconds are working time; a day is
 * one workday (`workdayLengthMs`, 9 h for 09:00–18:00) and a week five of them,
 * so `P1D` means "by the same time next working day".
 */
export function isoDurationWorkingMs(duration: IsoDuration, schedule: Pick<WorkSchedule, 'hours'>): number {
  const workday = workdayLengthMs(schedule);
  const WORKDAYS_PER_WEEK = 5;
  return duration.weeks * WORKDAYS_PER_WEEK * workday + duration.days * workday + duration.hours * HOUR_MS + duration.minutes * MINUTE_MS + duration.seconds * 1000;
}

/** The deadline `duration` after `from`: calendar time, or working time when a schedule is given. */
export function deadline(from: Date, duration: IsoDuration, schedule?: WorkSchedule): Date {
  if (!schedule) return new Date(from.getTime() + isoDurationMs(duration));
  return addWorkingTime(from, isoDurationWorkingMs(duration, schedule), schedule);
}
