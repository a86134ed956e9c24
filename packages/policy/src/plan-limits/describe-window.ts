import { formatDuration } from '../budget/periods.js';

/**
 * Providers' window names as people say them; a name not listed (a provider's own) is shown as it is. Data, so a new
 * window only needs a line here.
 */
const windowLabels: Readonly<Record<string, string>> = {
  five_hour: '5-hour',
  seven_day: 'weekly',
  seven_day_opus: 'weekly (Opus)',
  seven_day_sonnet: 'weekly (Sonnet)',
  overage: 'overage',
};

/** `5-hour` for `five_hour`. */
export function windowLabel(window: string): string {
  return windowLabels[window] ?? window;
}

/** `93%`: a share of a window as a whole percentage (a window's readings are coarse; decimals would be noise). */
export function percentOf(utilization: number): string {
  return `${Math.round(utilization * 100)}%`;
}

type ClockShape = 'time' | 'day-and-time' | 'date';

const clockOptions: Readonly<Record<ClockShape, Intl.DateTimeFormatOptions>> = {
  time: { hourCycle: 'h23', hour: '2-digit', minute: '2-digit' },
  'day-and-time': {
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    weekday: 'short',
    day: 'numeric',
    month: 'short',
  },
  date: { year: 'numeric', month: '2-digit', day: '2-digit' },
};

const clocks = new Map<string, Intl.DateTimeFormat>();

/** A formatter per zone and shape, built once: building one loads ICU data. `undefined` is the process's zone. */
function clockFormat(timeZone: string | undefined, shape: ClockShape): Intl.DateTimeFormat {
  const key = `${timeZone ?? ''}\u0000${shape}`;
  let format = clocks.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      ...(timeZone === undefined ? {} : { timeZone }),
      ...clockOptions[shape],
    });
    clocks.set(key, format);
  }
  return format;
}

/**
 * A time on the user's wall clock: `14:00` today, `Tue 8 Dec 14:00` another day. Local rather than UTC, since the reset
 * a person waits for is read against the clock on their screen; the relative part (`in 1h 12m`) needs no zone at all.
 */
export function formatClock(at: Date, now: Date, timeZone?: string): string {
  const date = clockFormat(timeZone, 'date');
  if (date.format(at) === date.format(now)) return clockFormat(timeZone, 'time').format(at);
  const parts = clockFormat(timeZone, 'day-and-time').formatToParts(at);
  const value = (type: Intl.DateTimeFormatPartTypes) => parts.find((part) => part.type === type)?.value ?? '';
  return `${value('weekday')} ${value('day')} ${value('month')} ${value('hour')}:${value('minute')}`;
}

/** `14:00 (in 1h 12m)`, the way every plan-limit message and `budget` give a time to come. */
export function describeWhen(at: Date, now: Date, timeZone?: string): string {
  return `${formatClock(at, now, timeZone)} (in ${formatDuration(at.getTime() - now.getTime())})`;
}

/** `5m ago`: how old a reading is. */
export function describeAge(ms: number): string {
  return `${formatDuration(ms)} ago`;
}
