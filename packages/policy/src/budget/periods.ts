import type { SpendPeriod } from '@llm-service/spec';

export interface PeriodRange {
  /** Inclusive. */
  start: Date;
  /** Exclusive: the instant the next period starts (when the budget resets). */
  end: Date;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The wall-clock fields of `at` in `timeZone`. */
function wallClock(at: Date, timeZone: string): { year: number; month: number; day: number; ms: number } {
  const fields: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = fields;
  return {
    year,
    month,
    day,
    ms: Date.UTC(year, month - 1, day, hour, minute, second, at.getUTCMilliseconds()),
  };
}

/** The zone's offset from UTC at `at`, in milliseconds. */
function offsetAt(at: Date, timeZone: string): number {
  return wallClock(at, timeZone).ms - at.getTime();
}

/** The instant of local midnight starting the given day (month and day may overflow, as with Date.UTC). */
function zonedMidnight(year: number, month: number, day: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day);
  if (timeZone === 'UTC') return new Date(wall);
  let instant = wall - offsetAt(new Date(wall), timeZone);
  // A second pass settles the offset when the guess fell on the other side of a daylight-saving change.
  instant = wall - offsetAt(new Date(instant), timeZone);
  return new Date(instant);
}

/**
 * The day, ISO week (Monday to Sunday) or month containing `at` in `timeZone` (default UTC), as UTC instants:
 * the same periods the spend ledger counts in.
 */
export function periodRange(period: SpendPeriod, at: Date, timeZone = 'UTC'): PeriodRange {
  const { year, month, day } = wallClock(at, timeZone);
  switch (period) {
    case 'daily':
      return {
        start: zonedMidnight(year, month, day, timeZone),
        end: zonedMidnight(year, month, day + 1, timeZone),
      };
    case 'weekly': {
      const sinceMonday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
      return {
        start: zonedMidnight(year, month, day - sinceMonday, timeZone),
        end: zonedMidnight(year, month, day - sinceMonday + 7, timeZone),
      };
    }
    case 'monthly':
      return {
        start: zonedMidnight(year, month, 1, timeZone),
        end: zonedMidnight(year, month + 1, 1, timeZone),
      };
  }
}

/** `3h 12m`, `2d 4h`, `45s`: how long until `end`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m`;
  return `${seconds}s`;
}
