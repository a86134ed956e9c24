import {
  addDays,
  formatLocalDate,
  isValidTimeZone,
  localDate,
  periodContaining,
  startOfLocalDate,
  type LocalDate,
} from '@llm-service/plugin-kit';
import { UsageError } from '@llm-service/spec';

export type WindowPeriod = 'daily' | 'weekly' | 'monthly' | 'custom' | 'all';

/** The time window a report covers: [since, until), either bound open. */
export interface ReportWindow {
  period: WindowPeriod;
  since: Date | undefined;
  until: Date | undefined;
  timezone: string;
  /** For people: "today (2026-11-25, UTC)". */
  description: string;
}

export interface WindowFlags {
  daily?: boolean;
  weekly?: boolean;
  monthly?: boolean;
  since?: string;
  until?: string;
  tz?: string;
  /** With a chain or task id and no window flag, the whole history is searched. */
  chainId?: string;
  task?: string;
}

const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

function parseLocalDate(text: string): LocalDate | undefined {
  const match = datePattern.exec(text);
  if (!match) return undefined;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  const check = new Date(Date.UTC(date.year, date.month - 1, date.day));
  if (check.getUTCMonth() !== date.month - 1 || check.getUTCDate() !== date.day) return undefined;
  return date;
}

/**
 * A date flag: `YYYY-MM-DD` is a day of the report's time zone; anything with a time must be a full ISO 8601 instant
 * (with `Z` or an offset). `end` gives the instant after the day (for an inclusive `--until` date).
 */
export function parseDateFlag(flag: string, text: string, timezone: string, end = false): Date {
  const date = parseLocalDate(text.trim());
  if (date) return startOfLocalDate(end ? addDays(date, 1) : date, timezone);
  if (/^\d{4}-\d{2}-\d{2}T.+(Z|[+-]\d{2}:?\d{2})$/i.test(text.trim())) {
    const instant = Date.parse(text.trim());
    if (!Number.isNaN(instant)) return new Date(instant);
  }
  throw new UsageError(`${flag} '${text}' is not a date`, {
    hint: 'use YYYY-MM-DD (a day in --tz, default UTC) or an ISO 8601 time such as 2026-11-01T09:00:00Z',
  });
}

export function checkTimeZone(timezone: string | undefined): string {
  const zone = timezone ?? 'UTC';
  if (!isValidTimeZone(zone)) {
    throw new UsageError(`--tz '${zone}' is not a time zone`, {
      hint: 'use an IANA name such as UTC, Europe/Berlin or America/New_York',
    });
  }
  return zone;
}

function describeInstant(instant: Date, timezone: string): string {
  return formatLocalDate(localDate(instant, timezone));
}

/** Turns the period flags into a window; at most one of --daily, --weekly, --monthly and --since may be given. */
export function resolveWindow(flags: WindowFlags, now: Date): ReportWindow {
  const timezone = checkTimeZone(flags.tz);
  const chosen = [
    flags.daily && '--daily',
    flags.weekly && '--weekly',
    flags.monthly && '--monthly',
    flags.since !== undefined && '--since',
  ].filter(Boolean);
  if (chosen.length > 1) throw new UsageError(`give only one of ${chosen.join(', ')}`);
  if (flags.until !== undefined && flags.since === undefined) {
    throw new UsageError('--until needs --since', { hint: 'e.g. --since 2026-11-01 --until 2026-11-15' });
  }
  if (flags.since !== undefined) {
    const since = parseDateFlag('--since', flags.since, timezone);
    const until =
      flags.until === undefined ? undefined : parseDateFlag('--until', flags.until, timezone, true);
    if (until && until.getTime() <= since.getTime()) throw new UsageError('--until is before --since');
    const last = until ? describeInstant(new Date(until.getTime() - 1), timezone) : 'now';
    return {
      period: 'custom',
      since,
      until,
      timezone,
      description: `from ${describeInstant(since, timezone)} to ${last} (${timezone})`,
    };
  }
  if (!flags.daily && !flags.weekly && !flags.monthly && (flags.chainId ?? flags.task) !== undefined) {
    return { period: 'all', since: undefined, until: undefined, timezone, description: 'all recorded time' };
  }
  if (flags.weekly) {
    const range = periodContaining('week', now, timezone);
    return {
      period: 'weekly',
      since: range.start,
      until: range.end,
      timezone,
      description: `this week (${range.label}, ${describeInstant(range.start, timezone)} to ${describeInstant(new Date(range.end.getTime() - 1), timezone)}, ${timezone})`,
    };
  }
  if (flags.monthly) {
    const range = periodContaining('month', now, timezone);
    return {
      period: 'monthly',
      since: range.start,
      until: range.end,
      timezone,
      description: `this month (${range.label}, ${timezone})`,
    };
  }
  const range = periodContaining('day', now, timezone);
  return {
    period: 'daily',
    since: range.start,
    until: range.end,
    timezone,
    description: `today (${range.label}, ${timezone})`,
  };
}
