import { describe, expect, it } from 'vitest';
import { isoWeekLabel, periodContaining, periodRange, periodsBetween } from './budget-period.js';

const iso = (date: Date) => date.toISOString();

const range = (period: 'daily' | 'weekly' | 'monthly', at: string, zone?: string) => {
  const { start, end } = periodRange(period, new Date(at), zone);
  return [start.toISOString(), end.toISOString()];
};

describe('budget periods', () => {
  it('switches day at midnight UTC: the second before and the second after', () => {
    expect(range('daily', '2026-11-25T23:59:59.999Z')).toEqual([
      '2026-11-25T00:00:00.000Z',
      '2026-11-26T00:00:00.000Z',
    ]);
    expect(range('daily', '2026-11-26T00:00:00.000Z')).toEqual([
      '2026-11-26T00:00:00.000Z',
      '2026-11-27T00:00:00.000Z',
    ]);
    expect(range('daily', '2026-11-25T23:59:59Z')[1]).toBe('2026-11-26T00:00:00.000Z');
    expect(range('daily', '2026-11-26T00:00:01Z')[0]).toBe('2026-11-26T00:00:00.000Z');
  });

  it('ends months on their last day, across the year and on a leap day', () => {
    expect(range('monthly', '2026-11-30T23:59:59Z')).toEqual([
      '2026-11-01T00:00:00.000Z',
      '2026-12-01T00:00:00.000Z',
    ]);
    expect(range('monthly', '2026-12-31T23:59:59Z')).toEqual([
      '2026-12-01T00:00:00.000Z',
      '2027-01-01T00:00:00.000Z',
    ]);
    expect(range('monthly', '2027-01-01T00:00:00Z')[0]).toBe('2027-01-01T00:00:00.000Z');
    expect(range('monthly', '2028-02-29T12:00:00Z')).toEqual([
      '2028-02-01T00:00:00.000Z',
      '2028-03-01T00:00:00.000Z',
    ]);
    expect(range('daily', '2028-02-29T23:59:59Z')).toEqual([
      '2028-02-29T00:00:00.000Z',
      '2028-03-01T00:00:00.000Z',
    ]);
    expect(range('monthly', '2027-02-28T23:59:59Z')[1]).toBe('2027-03-01T00:00:00.000Z');
  });

  it('uses ISO weeks, Monday to Sunday, also across a year end', () => {
    // 2026-11-25 is a Wednesday.
    expect(range('weekly', '2026-11-25T12:00:00Z')).toEqual([
      '2026-11-23T00:00:00.000Z',
      '2026-11-30T00:00:00.000Z',
    ]);
    expect(range('weekly', '2026-11-29T23:59:59Z')[1]).toBe('2026-11-30T00:00:00.000Z');
    expect(range('weekly', '2026-11-30T00:00:00Z')[0]).toBe('2026-11-30T00:00:00.000Z');
    // 2027-01-01 is a Friday: its week started on Monday 2026-12-28.
    expect(range('weekly', '2027-01-01T00:00:00Z')[0]).toBe('2026-12-28T00:00:00.000Z');
  });

  it('follows a time zone, daylight saving included', () => {
    // 23:30 UTC on the 25th is already the 26th in Berlin (UTC+1 in November).
    expect(range('daily', '2026-11-25T23:30:00Z', 'Europe/Berlin')).toEqual([
      '2026-11-25T23:00:00.000Z',
      '2026-11-26T23:00:00.000Z',
    ]);
    expect(range('daily', '2026-11-25T22:59:59Z', 'Europe/Berlin')[1]).toBe('2026-11-25T23:00:00.000Z');
    // New York on the day daylight saving ends (2026-11-01): a 25-hour day.
    expect(range('daily', '2026-11-01T12:00:00Z', 'America/New_York')).toEqual([
      '2026-11-01T04:00:00.000Z',
      '2026-11-02T05:00:00.000Z',
    ]);
    expect(range('monthly', '2026-11-30T23:30:00Z', 'Asia/Tokyo')).toEqual([
      '2026-11-30T15:00:00.000Z',
      '2026-12-31T15:00:00.000Z',
    ]);
  });

  it('resets a budget when its day starts, also where midnight falls in a DST gap', () => {
    // America/Santiago moved clocks from 00:00 to 01:00 on 2024-09-08: the 8th starts at 01:00 local (04:00 UTC),
    // and 23:30 local on the 7th (03:30 UTC) still belongs to the 7th.
    expect(range('daily', '2024-09-08T03:30:00Z', 'America/Santiago')).toEqual([
      '2024-09-07T04:00:00.000Z',
      '2024-09-08T04:00:00.000Z',
    ]);
    expect(range('daily', '2024-09-08T12:00:00Z', 'America/Santiago')[0]).toBe('2024-09-08T04:00:00.000Z');
  });

  it('counts a budget in the same periods as the calendar (the spend ledger)', () => {
    const at = new Date('2026-03-29T01:30:00Z'); // the night Berlin enters summer time
    expect(periodRange('daily', at)).toEqual(periodContaining('day', at, 'UTC'));
    expect(periodRange('weekly', at, 'Europe/Berlin')).toEqual(periodContaining('week', at, 'Europe/Berlin'));
    expect(periodRange('monthly', at, 'Asia/Kolkata')).toEqual(periodContaining('month', at, 'Asia/Kolkata'));
  });
});

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
});
