import { describe, expect, it } from 'vitest';
import { readFixture } from '../../test/support/fixtures.js';
import { codexTimeZone, parseTryAgainAt, parseTryAgainIn } from './reset-time.js';

describe('reset times as codex prints them', () => {
  it('reads a time today and a date later as the end of the minute codex printed', () => {
    for (const name of ['usage-limit-today', 'usage-limit-later']) {
      const { stdout, meta } = readFixture(name);
      const stated = Date.parse(String(meta.server?.resetsAt));
      const parsed = parseTryAgainAt(stdout.toString('utf8'), new Date(meta.endedAt), meta.timeZone);
      expect(parsed!.getTime()).toBeGreaterThan(stated);
      expect(parsed!.getTime()).toBeLessThanOrEqual(stated + 60_000);
    }
  });

  it('reads the wall clock of codex’s zone, and 12 AM / 12 PM as midnight and noon', () => {
    const now = new Date('2026-12-07T20:00:00Z');
    expect(parseTryAgainAt('Try again at 9:05 PM.', now, 'Europe/Paris')?.toISOString()).toBe(
      '2026-12-07T20:06:00.000Z',
    );
    expect(parseTryAgainAt('Try again at 12:00 AM.', now, 'UTC')?.toISOString()).toBe(
      '2026-12-07T00:01:00.000Z',
    );
    expect(parseTryAgainAt('Try again at 12:30 PM.', now, 'UTC')?.toISOString()).toBe(
      '2026-12-07T12:31:00.000Z',
    );
    expect(
      parseTryAgainAt('or try again at Jan 1st, 2027 7:55 AM.', now, 'America/New_York')?.toISOString(),
    ).toBe('2027-01-01T12:56:00.000Z');
  });

  it('is undefined when codex names no time', () => {
    expect(
      parseTryAgainAt('You’ve hit your usage limit. Try again later.', new Date(), 'UTC'),
    ).toBeUndefined();
    expect(parseTryAgainAt('Try again at 13:05 PM.', new Date(), 'UTC')).toBeUndefined();
    expect(
      parseTryAgainIn('exceeded retry limit, last status: 429 Too Many Requests', new Date()),
    ).toBeUndefined();
  });

  it('reads the service’s "try again in" waits', () => {
    const now = new Date('2026-12-07T08:00:00Z');
    expect(parseTryAgainIn('Please try again in 7.5s. Visit', now)?.toISOString()).toBe(
      '2026-12-07T08:00:07.500Z',
    );
    expect(parseTryAgainIn('Please try again in 120ms.', now)?.toISOString()).toBe(
      '2026-12-07T08:00:00.120Z',
    );
    expect(parseTryAgainIn('Please try again in 2m.', now)?.toISOString()).toBe('2026-12-07T08:02:00.000Z');
  });

  it('takes the child’s TZ when it names a zone, else this machine’s', () => {
    expect(codexTimeZone({ TZ: 'Asia/Tokyo' })).toBe('Asia/Tokyo');
    expect(codexTimeZone({ TZ: ':Europe/Paris' })).toBe('Europe/Paris');
    const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(codexTimeZone({ TZ: 'Not/AZone' })).toBe(local);
    expect(codexTimeZone({})).toBe(local);
  });
});
