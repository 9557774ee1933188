import { describe, expect, it } from 'vitest';
import { addDays, addMonths, dateInTimeZone, daysInRange, eachDay, isCalendarDate } from '#shared/kpi/dates';

describe('calendar dates', () => {
  it.each([
    ['2026-02-28', true],
    ['2028-02-29', true],
    ['2026-02-29', false],
    ['2026-13-01', false],
    ['2026-1-01', false],
    ['20260101', false],
  ])('checks %s as a calendar date', (value, expected) => {
    expect(isCalendarDate(value)).toBe(expected);
  });

  it('adds days across a month, a year and the DST change', () => {
    expect(addDays('2026-10-24', 2)).toBe('2026-10-26');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('adds months and clamps to the end of a shorter month', () => {
    expect(addMonths('2025-01-31', 1)).toBe('2025-02-28');
    expect(addMonths('2025-01-01', 13)).toBe('2026-02-01');
    expect(addMonths('2025-12-15', -12)).toBe('2024-12-15');
  });

  it('counts and lists the days of a range, both ends included', () => {
    expect(daysInRange('2026-10-24', '2026-10-24')).toBe(1);
    expect(daysInRange('2026-10-24', '2026-10-26')).toBe(3);
    expect(eachDay('2026-10-30', '2026-11-02')).toEqual(['2026-10-30', '2026-10-31', '2026-11-01', '2026-11-02']);
    expect(eachDay('2026-10-02', '2026-10-01')).toEqual([]);
  });

  it('formats an instant as the date of a time zone', () => {
    expect(dateInTimeZone(new Date('2026-10-25T22:30:00Z'), 'Europe/Paris')).toBe('2026-10-25');
    expect(dateInTimeZone(new Date('2026-10-25T23:30:00Z'), 'Europe/Paris')).toBe('2026-10-26');
    expect(dateInTimeZone(new Date('2026-10-25T20:30:00Z'), 'Indian/Reunion')).toBe('2026-10-26');
  });
});
