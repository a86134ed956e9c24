import { describe, expect, it } from 'vitest';
import {
  isoWeekLabel,
  isValidTimeZone,
  periodContaining,
  periodsBetween,
  startOfLocalDate,
} from './zoned.js';

const iso = (date: Date) => date.toISOString();

describe('calendar periods in a time zone', () => {
  it('finds the UTC day, ISO week (Monday first) and month of an instant', () => {
    const at = new Date('2026-11-25T15:30:00Z'); // a Wednesday
    expect(periodContaining('day', at, 'UTC')).toEqual({
      start: new Date('2026-11-25T00:00:00Z'),
      end: new Date('2026-11-26T00:00:00Z'),
      label: '2026-11-25',
    });
    expect(periodContaining('week', at, 'UTC')).toMatchObject({
      start: new Date('2026-11-23T00:00:00Z'),
      end: new Date('2026-11-30T00:00:00Z'),
      label: '2026-W48',
    });
    expect(periodContaining('month', at, 'UTC')).toMatchObject({
      start: new Date('2026-11-01T00:00:00Z'),
      end: new Date('2026-12-01T00:00:00Z'),
      label: '2026-11',
    });
  });

  it('puts an instant on the local day of the zone', () => {
    const lateEvening = new Date('2026-11-25T23:30:00Z');
    expect(periodContaining('day', lateEvening, 'Europe/Berlin')).toMatchObject({
      start: new Date('2026-11-25T23:00:00Z'),
      end: new Date('2026-11-26T23:00:00Z'),
      label: '2026-11-26',
    });
    expect(periodContaining('day', lateEvening, 'America/New_York').label).toBe('2026-11-25');
  });

  it('gives daylight-saving days their real length', () => {
    // Europe/Berlin leaves summer time on 2026-10-25: that day has 25 hours.
    const day = periodContaining('day', new Date('2026-10-25T12:00:00Z'), 'Europe/Berlin');
    expect(iso(day.start)).toBe('2026-10-24T22:00:00.000Z');
    expect(iso(day.end)).toBe('2026-10-25T23:00:00.000Z');
    // America/New_York starts summer time on 2026-03-08: 23 hours.
    const spring = periodContaining('day', new Date('2026-03-08T12:00:00Z'), 'America/New_York');
    expect((spring.end.getTime() - spring.start.getTime()) / 3_600_000).toBe(23);
  });

  it('starts a day whose midnight does not exist at the end of the gap', () => {
    // America/Santiago moved clocks from 00:00 to 01:00 on 2024-09-08.
    expect(iso(startOfLocalDate({ year: 2024, month: 9, day: 8 }, 'America/Santiago'))).toBe(
      '2024-09-08T04:00:00.000Z',
    );
  });

  it('labels ISO weeks at year boundaries', () => {
    expect(isoWeekLabel({ year: 2027, month: 1, day: 1 })).toBe('2026-W53');
    expect(isoWeekLabel({ year: 2025, month: 12, day: 29 })).toBe('2026-W01');
    expect(isoWeekLabel({ year: 2026, month: 1, day: 4 })).toBe('2026-W01');
    expect(isoWeekLabel({ year: 2026, month: 1, day: 5 })).toBe('2026-W02');
  });

  it('lists the periods overlapping a range', () => {
    const days = periodsBetween(
      'day',
      new Date('2026-11-29T12:00:00Z'),
      new Date('2026-12-01T00:00:00Z'),
      'UTC',
    );
    expect(days.map((day) => day.label)).toEqual(['2026-11-29', '2026-11-30']);
    const months = periodsBetween(
      'month',
      new Date('2026-01-15T00:00:00Z'),
      new Date('2026-03-01T00:00:01Z'),
      'UTC',
    );
    expect(months.map((month) => month.label)).toEqual(['2026-01', '2026-02', '2026-03']);
  });

  it('knows valid zone names', () => {
    expect(isValidTimeZone('Asia/Kolkata')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});
