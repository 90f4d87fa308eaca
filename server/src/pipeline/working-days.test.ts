import { describe, expect, it } from 'vitest';
import { calendarDays, pipelineSchedule, sqlCalendar, workingDays, workingMinutesAt } from './working-days.js';

const at = (local: string) => new Date(`${local}+08:00`);

describe('working days (Beijing time, chinese-days)', () => {
  const schedule = pipelineSchedule();

  it('skips the National Day holiday and counts the 调休 Saturday and Sunday', () => {
    // Fri 26 Sep 09:00 → Mon 13 Oct 09:00, 2025. Workdays in between: Fri 26, Sun 28 (调休),
    // Mon 29, Tue 30; 1–8 Oct off; Thu 9, Fri 10, Sat 11 (调休); Sun 12 off; Mon 13 starts at 09:00.
    expect(workingDays(at('2025-09-26T09:00:00'), at('2025-10-13T09:00:00'), schedule)).toBeCloseTo(7, 10);
    expect(calendarDays(at('2025-09-26T09:00:00'), at('2025-10-13T09:00:00'))).toBe(17);
  });

  it('counts part days by the working hours and nothing at night or on holidays', () => {
    // Fri 10 Oct 13:30 → Sat 11 Oct (调休) 13:30: 4.5 h + 4.5 h of a 9 h day.
    expect(workingDays(at('2025-10-10T13:30:00'), at('2025-10-11T13:30:00'), schedule)).toBeCloseTo(1, 10);
    expect(workingDays(at('2025-10-01T09:00:00'), at('2025-10-08T18:00:00'), schedule)).toBe(0);
    expect(workingDays(at('2025-10-09T18:00:00'), at('2025-10-10T09:00:00'), schedule)).toBe(0);
  });

  it('keeps a working-minutes clock whose differences are the working time between instants', () => {
    const instants = ['2025-09-26T09:00:00', '2025-09-27T12:00:00', '2025-09-30T17:59:00', '2025-10-08T23:00:00', '2025-10-11T13:30:00', '2025-10-13T09:00:00'].map(at);
    for (const from of instants) {
      for (const to of instants.filter((instant) => instant > from)) {
        const clock = (workingMinutesAt(to, schedule) - workingMinutesAt(from, schedule)) / 540;
        expect(clock).toBeCloseTo(workingDays(from, to, schedule), 9);
      }
    }
    // Two windows with a lunch break count the same way.
    const split = pipelineSchedule([{ start: '09:00', end: '12:00' }, { start: '13:30', end: '18:00' }]);
    expect((workingMinutesAt(at('2025-10-10T12:45:00'), split) - workingMinutesAt(at('2025-10-10T10:00:00'), split)) / 60).toBe(2);
  });

  it('lays the calendar out for SQL: workdays before each day since 2000-01-01', () => {
    const calendar = sqlCalendar(at('2025-10-12T12:00:00'), schedule);
    const day = (date: string) => (Date.parse(`${date}T00:00:00Z`) - Date.parse('2000-01-01T00:00:00Z')) / 86_400_000;
    // 30 Sep works; 1–8 Oct off; 9, 10, 11 work; 12 off.
    expect(calendar.workday.slice(day('2025-09-30'), day('2025-10-12') + 1)).toEqual([true, false, false, false, false, false, false, false, false, true, true, true, false]);
    const before = calendar.workdaysBefore.slice(day('2025-09-30'), day('2025-10-12') + 1);
    expect(before.map((count) => count - before[0]!)).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 4]);
    expect(calendar.workday[0]).toBe(false); // 2000-01-01, a Saturday
    expect(calendar.dayMinutes).toBe(540);
  });
});
