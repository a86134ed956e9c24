import { isValidTimeZone, localDate, startOfLocalDate } from '@llm-service/plugin-kit';

const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * The zone codex writes reset times in: its local one, which is the child's `TZ` when that names a zone, else the
 * zone of this machine (the one codex reads from /etc/localtime too).
 */
export function codexTimeZone(env: Readonly<Record<string, string | undefined>>): string {
  const configured = env.TZ?.replace(/^:/, '');
  if (configured && isValidTimeZone(configured)) return configured;
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/**
 * When a usage limit lifts, from codex's `… try again at 8:53 AM.` (today, in its local zone) or
 * `… try again at Dec 10th, 2026 7:55 AM.` (another day). codex prints the minute and drops the seconds, so the end of
 * that minute is returned: the first moment the limit has surely lifted. Undefined when the message names no time
 * (`Try again later.`).
 */
export function parseTryAgainAt(message: string, now: Date, timeZone: string): Date | undefined {
  const match =
    /try again at (?:([A-Za-z]{3}) (\d{1,2})(?:st|nd|rd|th), (\d{4}) )?(\d{1,2}):(\d{2}) ?([AP]M)/i.exec(
      message,
    );
  if (!match) return undefined;
  const [, monthName, dayText, yearText, hourText, minuteText, meridiem] = match;
  let date = localDate(now, timeZone);
  if (monthName !== undefined) {
    const month = months.indexOf(monthName.toLowerCase()) + 1;
    if (month === 0) return undefined;
    date = { year: Number(yearText), month, day: Number(dayText) };
  }
  const hour12 = Number(hourText);
  const minute = Number(minuteText);
  if (hour12 < 1 || hour12 > 12 || minute > 59) return undefined;
  const hour = (hour12 % 12) + (meridiem!.toUpperCase() === 'PM' ? 12 : 0);
  // Wall-clock arithmetic from local midnight: off by the DST shift only on the two nights a year it happens.
  return new Date(startOfLocalDate(date, timeZone).getTime() + (hour * 60 + minute + 1) * 60_000);
}

/** When a rate limit lifts, from the service's `Please try again in 7.5s.` (also `in 120ms`, `in 2m`) as codex passes it on. */
export function parseTryAgainIn(message: string, now: Date): Date | undefined {
  const match = /try again in (\d+(?:\.\d+)?)\s*(ms|s|sec(?:ond)?s?|m|min(?:ute)?s?)\b/i.exec(message);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2]!.toLowerCase();
  const ms = unit === 'ms' ? amount : unit.startsWith('m') ? amount * 60_000 : amount * 1000;
  return new Date(now.getTime() + Math.ceil(ms));
}
