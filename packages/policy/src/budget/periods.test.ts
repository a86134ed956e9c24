import { periodRange as kitPeriodRange } from '@llm-service/plugin-kit';
import { describe, expect, it } from 'vitest';
import { formatDuration, periodRange } from './periods.js';

// The period calendar itself is tested with the kit (packages/plugin-kit/src/calendar/budget-period.test.ts).
describe('budget periods', () => {
  it('are the plugin kit calendar, the one the spend ledger counts in', () => {
    expect(periodRange).toBe(kitPeriodRange);
  });

  it('formats the time to a reset', () => {
    expect(formatDuration(1000)).toBe('1s');
    expect(formatDuration(90_000)).toBe('1m');
    expect(formatDuration(3 * 3600_000 + 12 * 60_000)).toBe('3h 12m');
    expect(formatDuration(2 * 86_400_000 + 4 * 3600_000)).toBe('2d 4h');
  });
});
