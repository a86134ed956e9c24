/**
 * Calendar periods (day, ISO week from Monday, month) on a zone's local calendar, turned back into UTC instants: the
 * periods a budget resets on and the spend ledger counts in. Periods are UTC unless a time zone is named.
 */
import type { SpendPeriod } from '@llm-service/spec';
import {
  addDays,
  formatLocalDate,
  localDate,
  normalise,
  pad,
  startOfLocalDate,
  type LocalDate,
} from './zoned-date.js';

export type CalendarPeriod = 'day' | 'week' | 'month';

export interface PeriodRange {
  /** Inclusive. */
  start: Date;
  /** Exclusive: the instant the next period starts (when a budget resets). */
  end: Date;
  /** `2026-11-25`, `2026-W48` or `2026-11`. */
  label: string;
}

const calendarPeriod: Record<SpendPeriod, CalendarPeriod> = {
  daily: 'day',
  weekly: 'week',
  monthly: 'month',
};

/** ISO weekday, Monday 1 to Sunday 7. */
function isoWeekday(date: LocalDate): number {
  const weekday = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return weekday === 0 ? 7 : weekday;
}

/** The first local date of the period containing `date`. */
function periodStartDate(period: CalendarPeriod, date: LocalDate): LocalDate {
  switch (period) {
    case 'day':
      return date;
    case 'week':
      return addDays(date, 1 - isoWeekday(date));
    case 'month':
      return { year: date.year, month: date.month, day: 1 };
  }
}

function nextPeriodStartDate(period: CalendarPeriod, start: LocalDate): LocalDate {
  switch (period) {
    case 'day':
      return addDays(start, 1);
    case 'week':
      return addDays(start, 7);
    case 'month':
      return normalise(start.year, start.month + 1, 1);
  }
}

/** ISO 8601 week label, e.g. `2026-W01` (the week's year may differ from the calendar year at its edges). */
export function isoWeekLabel(date: LocalDate): string {
  const thursday = addDays(date, 4 - isoWeekday(date));
  const firstOfYear = Date.UTC(thursday.year, 0, 1);
  const week =
    Math.floor((Date.UTC(thursday.year, thursday.month - 1, thursday.day) - firstOfYear) / 86_400_000 / 7) +
    1;
  return `${pad(thursday.year, 4)}-W${pad(week)}`;
}

function periodLabel(period: CalendarPeriod, start: LocalDate): string {
  switch (period) {
    case 'day':
      return formatLocalDate(start);
    case 'week':
      return isoWeekLabel(start);
    case 'month':
      return `${pad(start.year, 4)}-${pad(start.month)}`;
  }
}

/** The day, ISO week or month containing `at`, in `timeZone`. */
export function periodContaining(period: CalendarPeriod, at: Date, timeZone: string): PeriodRange {
  const start = periodStartDate(period, localDate(at, timeZone));
  return {
    start: startOfLocalDate(start, timeZone),
    end: startOfLocalDate(nextPeriodStartDate(period, start), timeZone),
    label: periodLabel(period, start),
  };
}

/**
 * The day, ISO week (Monday to Sunday) or month of a budget containing `at` in `timeZone` (default UTC), as UTC
 * instants: the same periods the spend ledger counts in.
 */
export function periodRange(period: SpendPeriod, at: Date, timeZone = 'UTC'): PeriodRange {
  return periodContaining(calendarPeriod[period], at, timeZone);
}

/** Every period overlapping [from, to), in order; used to group rows by local day, week or month. */
export function periodsBetween(
  period: CalendarPeriod,
  from: Date,
  to: Date,
  timeZone: string,
): PeriodRange[] {
  const ranges: PeriodRange[] = [];
  if (to.getTime() <= from.getTime()) return ranges;
  let start = periodStartDate(period, localDate(from, timeZone));
  for (;;) {
    const next = nextPeriodStartDate(period, start);
    const range = {
      start: startOfLocalDate(start, timeZone),
      end: startOfLocalDate(next, timeZone),
      label: periodLabel(period, start),
    };
    if (range.start.getTime() >= to.getTime()) break;
    ranges.push(range);
    start = next;
  }
  return ranges;
}
