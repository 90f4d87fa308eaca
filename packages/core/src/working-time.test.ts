import { describe, expect, it } from 'vitest';
import {
  addWorkingTime,
  CHINA_UTC_OFFSET_MINUTES,
  deadline,
  isoDurationMs,
  isoDurationWorkingMs,
  isWorkingTime,
  localDate,
  parseIsoDuration,
  parseWorkingHours,
  workingDaysBetween,
  workingTimeBetween,
  type WorkSchedule,
} from './working-time.js';

/** A fixed calendar for these tests: weekends off, 2025-10-01…08 off, 2025-09-28 (Sun) and 2025-10-11 (Sat) worked (调休). */
const HOLIDAYS = new Set(['2025-10-01', '2025-10-02', '2025-10-03', '2025-10-06', '2025-10-07', '2025-10-08']);
const MAKE_UP_DAYS = new Set(['2025-09-28', '2025-10-11']);
function isWorkday(date: string): boolean {
  if (MAKE_UP_DAYS.has(date)) return true;
  if (HOLIDAYS.has(date)) return false;
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day !== 0 && day !== 6;
}

const NINE_TO_SIX: WorkSchedule = { isWorkday, hours: parseWorkingHours([{ start: '09:00', end: '18:00' }]) as never, utcOffsetMinutes: CHINA_UTC_OFFSET_MINUTES };
const WITH_LUNCH: WorkSchedule = {
  ...NINE_TO_SIX,
  hours: parseWorkingHours([
    { start: '09:00', end: '12:00' },
    { start: '13:00', end: '18:00' },
  ]) as never,
};
/** Beijing time. */
const bj = (text: string) => new Date(`${text}+08:00`);
const HOUR = 3600_000;

describe('working time on a fixed Chinese calendar', () => {
  it('counts a 调休 Saturday as a working day', () => {
    // Friday 2025-10-10 17:00 + 2 working hours: 1 h on Friday, 1 h on the make-up Saturday 10-11.
    expect(addWorkingTime(bj('2025-10-10T17:00:00'), 2 * HOUR, NINE_TO_SIX)).toEqual(bj('2025-10-11T10:00:00'));
    // And a make-up Sunday before the holiday: Friday 09-26 17:00 + 2 h → Sunday 09-28 10:00, skipping Saturday 09-27.
    expect(addWorkingTime(bj('2025-09-26T17:00:00'), 2 * HOUR, NINE_TO_SIX)).toEqual(bj('2025-09-28T10:00:00'));
    expect(isWorkingTime(bj('2025-10-11T11:00:00'), NINE_TO_SIX)).toBe(true);
    expect(isWorkingTime(bj('2025-10-04T11:00:00'), NINE_TO_SIX)).toBe(false);
  });

  it('skips the National Day holiday', () => {
    // Tuesday 09-30 17:00 + 2 h: 1 h that day, then nothing until Thursday 10-09.
    expect(addWorkingTime(bj('2025-09-30T17:00:00'), 2 * HOUR, NINE_TO_SIX)).toEqual(bj('2025-10-09T10:00:00'));
    expect(workingTimeBetween(bj('2025-09-30T09:00:00'), bj('2025-10-09T18:00:00'), NINE_TO_SIX)).toBe(18 * HOUR);
  });

  it('starts a clock that arrives outside working hours at the next opening, and ends on a close', () => {
    expect(addWorkingTime(bj('2025-12-03T21:30:00'), 30 * 60_000, NINE_TO_SIX)).toEqual(bj('2025-12-04T09:30:00'));
    expect(addWorkingTime(bj('2025-12-06T10:00:00'), HOUR, NINE_TO_SIX)).toEqual(bj('2025-12-08T10:00:00'));
    expect(addWorkingTime(bj('2025-12-03T09:00:00'), 9 * HOUR, NINE_TO_SIX)).toEqual(bj('2025-12-03T18:00:00'));
    expect(addWorkingTime(bj('2025-12-03T09:00:00'), 0, NINE_TO_SIX)).toEqual(bj('2025-12-03T09:00:00'));
  });

  it('honours several windows a day (a lunch break)', () => {
    expect(addWorkingTime(bj('2025-12-03T11:30:00'), HOUR, WITH_LUNCH)).toEqual(bj('2025-12-03T13:30:00'));
    expect(workingTimeBetween(bj('2025-12-03T00:00:00'), bj('2025-12-04T00:00:00'), WITH_LUNCH)).toBe(8 * HOUR);
  });

  it('measures working days between two instants (what the pipeline reuses)', () => {
    // Monday 09:00 to Wednesday 13:30 = 2.5 working days of 9 h.
    expect(workingDaysBetween(bj('2025-12-01T09:00:00'), bj('2025-12-03T13:30:00'), NINE_TO_SIX)).toBeCloseTo(2.5);
    expect(workingTimeBetween(bj('2025-12-03T10:00:00'), bj('2025-12-03T09:00:00'), NINE_TO_SIX)).toBe(0);
  });

  it('reads dates in the schedule’s offset, not the process time zone', () => {
    // 2025-10-10T17:00Z is already Saturday 01:00 in Beijing.
    expect(localDate(new Date('2025-10-10T17:00:00Z'), CHINA_UTC_OFFSET_MINUTES)).toBe('2025-10-11');
  });
});

describe('ISO 8601 durations', () => {
  it('parses what SLAs use and refuses years and months', () => {
    expect(parseIsoDuration('PT48H')).toEqual({ weeks: 0, days: 0, hours: 48, minutes: 0, seconds: 0 });
    expect(parseIsoDuration('PT2S')).toMatchObject({ seconds: 2 });
    expect(parseIsoDuration('P1DT12H')).toMatchObject({ days: 1, hours: 12 });
    expect(parseIsoDuration('pt0.5h')).toMatchObject({ hours: 0.5 });
    for (const bad of ['P1M', 'P1Y', 'PT', 'P', '48h', 'PT-1H', '']) expect(parseIsoDuration(bad), bad).toBeUndefined();
  });

  it('measures calendar time, or working time with days as workdays', () => {
    expect(isoDurationMs(parseIsoDuration('P2D')!)).toBe(48 * HOUR);
    expect(isoDurationWorkingMs(parseIsoDuration('P2D')!, NINE_TO_SIX)).toBe(18 * HOUR);
    expect(isoDurationWorkingMs(parseIsoDuration('P1W')!, NINE_TO_SIX)).toBe(45 * HOUR);
    expect(deadline(bj('2025-12-03T10:00:00'), parseIsoDuration('PT48H')!)).toEqual(bj('2025-12-05T10:00:00'));
    // P1D in working time: by the same time the next working day.
    expect(deadline(bj('2025-12-05T15:00:00'), parseIsoDuration('P1D')!, NINE_TO_SIX)).toEqual(bj('2025-12-08T15:00:00'));
  });
});

describe('working hours', () => {
  it('names what is wrong with a window', () => {
    expect(parseWorkingHours([{ start: '9:00', end: '18:00' }])).toMatch(/HH:MM/);
    expect(parseWorkingHours([{ start: '18:00', end: '09:00' }])).toMatch(/after start/);
    expect(parseWorkingHours([{ start: '09:00', end: '13:00' }, { start: '12:00', end: '18:00' }])).toMatch(/overlap/);
    expect(parseWorkingHours([])).toMatch(/at least one/);
  });
});
