/**
 * Local calendar dates in an IANA time zone without a date library: an instant's date on the zone's wall clock, and
 * the UTC instant a local date begins, so daylight-saving days are 23 or 25 hours long as they are.
 */

export interface LocalDate {
  year: number;
  /** 1-12 */
  month: number;
  /** 1-31 */
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when `timeZone` is an IANA zone name (or `UTC`) this Node.js knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

function isUtc(timeZone: string): boolean {
  return timeZone === 'UTC' || timeZone === 'Etc/UTC' || timeZone === 'GMT';
}

/** The wall-clock fields of an instant in a zone. */
function wallClock(
  instant: number,
  timeZone: string,
): LocalDate & { hour: number; minute: number; second: number } {
  if (isUtc(timeZone)) {
    const date = new Date(instant);
    return {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: date.getUTCHours(),
      minute: date.getUTCMinutes(),
      second: date.getUTCSeconds(),
    };
  }
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? 1970,
    month: fields.month ?? 1,
    day: fields.day ?? 1,
    hour: fields.hour ?? 0,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
  };
}

/** Milliseconds the zone's wall clock is ahead of UTC at an instant. */
function offsetAt(instant: number, timeZone: string): number {
  if (isUtc(timeZone)) return 0;
  const wall = wallClock(instant, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The local calendar date of an instant. */
export function localDate(instant: Date, timeZone: string): LocalDate {
  const { year, month, day } = wallClock(instant.getTime(), timeZone);
  return { year, month, day };
}

/** Normalises a possibly overflowing date (day 0, day 32, month 13) through UTC arithmetic. */
export function normalise(year: number, month: number, day: number): LocalDate {
  const date = new Date(Date.UTC(year, month - 1, day));
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** The instant a local date begins in a zone (its first existing minute when midnight falls in a DST gap). */
export function startOfLocalDate(date: LocalDate, timeZone: string): Date {
  const { year, month, day } = normalise(date.year, date.month, date.day);
  const wallMidnight = Date.UTC(year, month - 1, day);
  let guess = wallMidnight - offsetAt(wallMidnight, timeZone);
  // A second pass corrects the guess when the offset changes between the two instants (DST transitions).
  guess = wallMidnight - offsetAt(guess, timeZone);
  // Midnight does not exist in a few zones on the day DST starts (a gap at 00:00): the day then starts at the end
  // of the gap, which lies on a half hour.
  for (let step = 0; step < 6 && localDate(new Date(guess), timeZone).day !== day; step++) guess += 1_800_000;
  return new Date(guess);
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return normalise(date.year, date.month, date.day + days);
}

/** Zero-pads a date field: `pad(7)` is `07`. */
export const pad = (value: number, width = 2) => String(value).padStart(width, '0');

export function formatLocalDate(date: LocalDate): string {
  return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}
