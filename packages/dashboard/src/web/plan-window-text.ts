/**
 * What a plan window's gauge says, apart from the DOM (so that it can be tested without a browser, and a browser test
 * can work out what the page should print): window names, times to come on the reader's clock, a reading's age.
 */
import type { PlanWindowStatusV1 } from '@llm-service/spec';

/**
 * Providers' window names as people say them; a name not listed (a provider's own) is shown as it is. Data, so a new
 * window only needs a line here.
 */
const WINDOW_LABELS: Readonly<Record<string, string>> = {
  five_hour: '5-hour',
  seven_day: 'weekly',
  seven_day_opus: 'weekly (Opus)',
  seven_day_sonnet: 'weekly (Sonnet)',
};

export function windowLabel(name: string): string {
  return WINDOW_LABELS[name] ?? name;
}

/**
 * From this age on a gauge says how old its reading is: a window keeps filling while nobody here runs the tool (the
 * same subscription used from another machine, or in the provider's own app), so an old reading may understate it.
 */
export const OLD_READING_MS = 5 * 60_000;

/** How long until something, to the minute: a reset minutes away needs no seconds. */
export function roughDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 60_000) return 'under 1 min';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

// Formatters are built once per zone: building one loads locale data, and the gauges are drawn again every half minute.
const formatters = new Map<
  string,
  { day: Intl.DateTimeFormat; time: Intl.DateTimeFormat; dated: Intl.DateTimeFormat }
>();

function formattersFor(timeZone: string | undefined) {
  const key = timeZone ?? '';
  let found = formatters.get(key);
  if (!found) {
    const zone = timeZone === undefined ? {} : { timeZone };
    found = {
      day: new Intl.DateTimeFormat('en-GB', { ...zone, year: 'numeric', month: '2-digit', day: '2-digit' }),
      time: new Intl.DateTimeFormat('en-GB', {
        ...zone,
        hourCycle: 'h23',
        hour: '2-digit',
        minute: '2-digit',
      }),
      dated: new Intl.DateTimeFormat('en-GB', {
        ...zone,
        hourCycle: 'h23',
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit',
      }),
    };
    formatters.set(key, found);
  }
  return found;
}

/**
 * A time on the reader's wall clock: `14:00` today, `Tue 8 Dec 14:00` another day (as `budget` prints it). `timeZone`
 * is for tests; the page uses the browser's.
 */
export function wallClock(at: Date, now: Date, timeZone?: string): string {
  const { day, time, dated } = formattersFor(timeZone);
  if (day.format(at) === day.format(now)) return time.format(at);
  const parts = dated.formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    parts.find((found) => found.type === type)?.value ?? '';
  return `${part('weekday')} ${part('day')} ${part('month')} ${part('hour')}:${part('minute')}`;
}

/** `14:00 (in 1 h 12 min)`: a time to come, as every plan-limit message gives it. */
export function whenAhead(at: Date, now: Date, timeZone?: string): string {
  return `${wallClock(at, now, timeZone)} (in ${roughDuration(at.getTime() - now.getTime())})`;
}

/** What a gauge says, worked out apart from the DOM so that it can be tested without a browser. */
export interface WindowView {
  /** `claude 5-hour`. */
  name: string;
  /** 0..100 for the bar; null when the provider gave no utilization. */
  percent: number | null;
  /** `93% used`, `used up`, or `use not reported`. */
  used: string;
  /** The budget gauges' state the status is drawn as: warning like an alert, rejected like an exceeded budget. */
  state: 'ok' | 'alert' | 'exceeded';
  /** `resets 14:00 (in 1 h 12 min)`; `reset at 14:00, not observed since` once past; null when not stated. */
  resets: string | null;
  /** The window has reset since this reading, which so says nothing of the new one. */
  lapsed: boolean;
  /** `held until 14:00 (in 1 h 12 min)` while the tool is held; null otherwise. */
  held: string | null;
  heldReason: string | null;
  /** `as of 12 min ago` when the reading is old; null when it is recent. */
  age: string | null;
}

const STATES = { allowed: 'ok', warning: 'alert', rejected: 'exceeded' } as const;

/**
 * The gauge's text for a window of a snapshot computed at `snapshotAt`, read at `now`. Its age is counted on from the
 * snapshot's (measured on the server's clock), so a browser whose clock differs from the server's still gets it right.
 */
export function describeWindow(
  reading: PlanWindowStatusV1,
  snapshotAt: string,
  now: Date,
  options: { timeZone?: string; showsHold?: boolean } = {},
): WindowView {
  const { timeZone } = options;
  const sinceSnapshot = Math.max(0, now.getTime() - Date.parse(snapshotAt));
  const ageMs = reading.ageMs + (Number.isFinite(sinceSnapshot) ? sinceSnapshot : 0);
  // A rejected window is used up whatever the provider says of its utilization (Codex's limit error says none).
  const percent =
    reading.utilization !== undefined
      ? Math.min(100, Math.max(0, reading.utilization * 100))
      : reading.status === 'rejected'
        ? 100
        : null;
  const used =
    reading.utilization !== undefined
      ? `${Math.round(percent ?? 0)}% used`
      : reading.status === 'rejected'
        ? 'used up'
        : 'use not reported';
  const resetsAt = reading.resetsAt === undefined ? undefined : new Date(reading.resetsAt);
  const lapsed = resetsAt !== undefined && resetsAt.getTime() <= now.getTime();
  const resets =
    resetsAt === undefined
      ? null
      : lapsed
        ? `reset at ${wallClock(resetsAt, now, timeZone)}, not observed since`
        : `resets ${whenAhead(resetsAt, now, timeZone)}`;
  const holdUntil = reading.hold === undefined ? undefined : new Date(reading.hold.until);
  // A hold ends on its own; a snapshot read a while ago may still carry one that has ended since.
  const holding =
    options.showsHold !== false && holdUntil !== undefined && holdUntil.getTime() > now.getTime();
  return {
    name: `${reading.tool} ${windowLabel(reading.window)}`,
    percent,
    used,
    state: STATES[reading.status],
    resets,
    lapsed,
    held: holding ? `held until ${whenAhead(holdUntil, now, timeZone)}` : null,
    heldReason: holding ? (reading.hold?.reason ?? null) : null,
    age: ageMs >= OLD_READING_MS ? `as of ${roughDuration(ageMs)} ago` : null,
  };
}

/**
 * Whether a window's gauge says its tool is held. A hold is the tool's, but it names the window that caused it: only
 * that window's gauge says so, unless the hold names none or a window not shown (then each of the tool's gauges does).
 */
export function showsHold(reading: PlanWindowStatusV1, windows: readonly PlanWindowStatusV1[]): boolean {
  const held = reading.hold?.window;
  if (reading.hold === undefined) return false;
  if (held === undefined || held === reading.window) return true;
  return !windows.some((other) => other.tool === reading.tool && other.window === held);
}
