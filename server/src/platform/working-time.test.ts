import { addWorkingTime, deadline, parseIsoDuration, workingDaysBetween } from '@huashu/core';
import { describe, expect, it } from 'vitest';
import { chinaWorkSchedule, isChineseWorkday } from './working-time.js';

const bj = (text: string) => new Date(`${text}+08:00`);

describe('the Chinese working calendar (chinese-days data)', () => {
  it('knows 调休: make-up weekend days are workdays, holidays are not', () => {
    expect(isChineseWorkday('2025-09-28')).toBe(true); // Sunday, worked before National Day
    expect(isChineseWorkday('2025-10-11')).toBe(true); // Saturday, worked after it
    expect(isChineseWorkday('2025-10-03')).toBe(false); // Friday, National Day holiday
    expect(isChineseWorkday('2025-09-27')).toBe(false); // an ordinary Saturday
    expect(isChineseWorkday('2025-12-03')).toBe(true); // an ordinary Wednesday
  });

  it('counts a 调休 Saturday as working time in an SLA', () => {
    const schedule = chinaWorkSchedule();
    // Friday 2025-10-10 16:00 + PT4H working: 2 h Friday, then 2 h on the make-up Saturday.
    expect(deadline(bj('2025-10-10T16:00:00'), parseIsoDuration('PT4H')!, schedule)).toEqual(bj('2025-10-11T11:00:00'));
    // Tuesday 2025-09-30 17:00 + PT2H: over the whole Golden Week to Thursday 10-09.
    expect(addWorkingTime(bj('2025-09-30T17:00:00'), 2 * 3600_000, schedule)).toEqual(bj('2025-10-09T10:00:00'));
    // From Friday 09-26 09:00 to Sunday 09-28 18:00: Friday and the make-up Sunday, 2 days.
    expect(workingDaysBetween(bj('2025-09-26T09:00:00'), bj('2025-09-28T18:00:00'), schedule)).toBe(2);
  });

  it('refuses working hours that are not HH:MM windows', () => {
    expect(() => chinaWorkSchedule([{ start: '9', end: '18:00' }])).toThrow(RangeError);
  });
});
