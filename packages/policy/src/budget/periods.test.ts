import { describe, expect, it } from 'vitest';
import { formatDuration, periodRange } from './periods.js';

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

  it('formats the time to a reset', () => {
    expect(formatDuration(1000)).toBe('1s');
    expect(formatDuration(90_000)).toBe('1m');
    expect(formatDuration(3 * 3600_000 + 12 * 60_000)).toBe('3h 12m');
    expect(formatDuration(2 * 86_400_000 + 4 * 3600_000)).toBe('2d 4h');
  });
});
