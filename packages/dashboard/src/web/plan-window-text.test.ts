import type { PlanWindowStatusV1 } from '@llm-service/spec';
import { describe, expect, it } from 'vitest';
import { describeWindow, roughDuration, showsHold, wallClock, windowLabel } from './plan-window-text.js';

// Monday 7 December 2026, 12:48 in Paris (UTC+1): the zone is given so the test reads the same on any machine.
const timeZone = 'Europe/Paris';
const now = new Date('2026-12-07T11:48:00Z');
const minutes = (count: number) => count * 60_000;

function reading(overrides: Partial<PlanWindowStatusV1> = {}): PlanWindowStatusV1 {
  return {
    tool: 'claude',
    window: 'five_hour',
    status: 'allowed',
    utilization: 0.42,
    resetsAt: '2026-12-07T13:00:00Z',
    observedAt: '2026-12-07T11:47:00Z',
    ageMs: minutes(1),
    ...overrides,
  };
}

describe('plan window text', () => {
  it('names windows as people say them, and a provider’s own window as it is', () => {
    expect(windowLabel('five_hour')).toBe('5-hour');
    expect(windowLabel('seven_day')).toBe('weekly');
    expect(windowLabel('seven_day_opus')).toBe('weekly (Opus)');
    expect(windowLabel('daily_requests')).toBe('daily_requests');
  });

  it('gives a time to come to the minute', () => {
    expect(roughDuration(30_000)).toBe('under 1 min');
    expect(roughDuration(minutes(12) + 59_000)).toBe('12 min');
    expect(roughDuration(minutes(72))).toBe('1 h 12 min');
    expect(roughDuration(minutes(120))).toBe('2 h');
    expect(roughDuration(minutes(60 * 50))).toBe('2 d 2 h');
    expect(roughDuration(minutes(60 * 72))).toBe('3 d');
  });

  it('shows a time today as hours and minutes, another day with its date, on the reader’s clock', () => {
    expect(wallClock(new Date('2026-12-07T13:00:00Z'), now, timeZone)).toBe('14:00');
    expect(wallClock(new Date('2026-12-08T13:00:00Z'), now, timeZone)).toBe('Tue 8 Dec 14:00');
    // Past midnight in Paris, still the 7th in UTC: the reader's day decides.
    expect(wallClock(new Date('2026-12-07T23:30:00Z'), now, timeZone)).toBe('Tue 8 Dec 00:30');
  });

  it('describes a window in use: its share, its reset, no age while the reading is recent', () => {
    const view = describeWindow(reading(), '2026-12-07T11:48:00Z', now, { timeZone });
    expect(view).toEqual({
      name: 'claude 5-hour',
      percent: 42,
      used: '42% used',
      state: 'ok',
      resets: 'resets 14:00 (in 1 h 12 min)',
      lapsed: false,
      held: null,
      heldReason: null,
      age: null,
    });
  });

  it('draws warning as a budget alert and rejected as an exceeded budget, with the hold in words', () => {
    expect(describeWindow(reading({ status: 'warning' }), now.toISOString(), now).state).toBe('alert');
    const rejected = describeWindow(
      reading({
        status: 'rejected',
        utilization: undefined,
        hold: {
          tool: 'claude',
          until: '2026-12-07T13:00:00Z',
          reason: "claude's five_hour window was rejected",
          window: 'five_hour',
        },
      }),
      now.toISOString(),
      now,
      { timeZone },
    );
    expect(rejected).toMatchObject({
      state: 'exceeded',
      percent: 100,
      used: 'used up',
      held: 'held until 14:00 (in 1 h 12 min)',
      heldReason: "claude's five_hour window was rejected",
    });
    // A window the provider gave no share of, and which is not used up, has no bar.
    expect(describeWindow(reading({ utilization: undefined }), now.toISOString(), now)).toMatchObject({
      percent: null,
      used: 'use not reported',
    });
  });

  it('says how old a reading is once it is old, counting the time since the snapshot on', () => {
    // Observed 4 minutes before a snapshot taken 2 minutes ago: 6 minutes old now.
    const snapshotAt = new Date(now.getTime() - minutes(2)).toISOString();
    expect(describeWindow(reading({ ageMs: minutes(4) }), snapshotAt, now).age).toBe('as of 6 min ago');
    expect(describeWindow(reading({ ageMs: minutes(2) }), snapshotAt, now).age).toBeNull();
  });

  it('says a window has reset since its reading, and drops a hold that has ended', () => {
    const later = new Date('2026-12-07T13:20:00Z');
    const view = describeWindow(
      reading({ hold: { tool: 'claude', until: '2026-12-07T13:00:00Z', reason: 'rejected' } }),
      now.toISOString(),
      later,
      { timeZone },
    );
    expect(view).toMatchObject({
      lapsed: true,
      resets: 'reset at 14:00, not observed since',
      held: null,
      age: 'as of 1 h 33 min ago',
    });
  });

  it('shows a hold on the window it names, or on each of the tool’s windows when it names none shown', () => {
    const hold = { tool: 'claude', until: '2026-12-07T13:00:00Z', reason: 'rejected', window: 'five_hour' };
    const fiveHour = reading({ hold });
    const weekly = reading({ window: 'seven_day', hold });
    expect(showsHold(fiveHour, [fiveHour, weekly])).toBe(true);
    expect(showsHold(weekly, [fiveHour, weekly])).toBe(false);
    expect(showsHold(weekly, [weekly])).toBe(true);
    expect(showsHold(reading({ hold: { ...hold, window: undefined } }), [fiveHour])).toBe(true);
    expect(showsHold(reading(), [fiveHour])).toBe(false);
    expect(describeWindow(fiveHour, now.toISOString(), now, { showsHold: false, timeZone }).held).toBeNull();
  });
});
