import { describe, expect, it } from 'vitest';
import { isValidTimeZone, startOfLocalDate } from './zoned-date.js';

const iso = (date: Date) => date.toISOString();

describe('local dates in a time zone', () => {
  it('starts a day whose midnight does not exist at the end of the gap', () => {
    // America/Santiago moved clocks from 00:00 to 01:00 on 2024-09-08.
    expect(iso(startOfLocalDate({ year: 2024, month: 9, day: 8 }, 'America/Santiago'))).toBe(
      '2024-09-08T04:00:00.000Z',
    );
  });

  it('knows valid zone names', () => {
    expect(isValidTimeZone('Asia/Kolkata')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});
