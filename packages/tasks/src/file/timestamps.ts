import { isIsoUtc } from './schema.js';
import { isoSeconds } from './layout.js';

/**
 * Times as people and older tools wrote them (YAML 1.1 timestamps: `2026-11-28 14:00`, `2026-11-28T14:00:00+01:00`,
 * `2026-11-28`), read as the instant they name (UTC when no zone is given) and written the way task files hold them,
 * ISO 8601 UTC with `Z`. Undefined for anything else, which is left for a person to fix rather than guessed at.
 */
const looseTimestamp =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?[ \t]*(Z|[+-]\d{1,2}(?::?\d{2})?)?$/;

export function normalizeTimestamp(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : isoSeconds(value);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (isIsoUtc(trimmed)) return trimmed;
  const match = looseTimestamp.exec(trimmed);
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone = 'Z'] = match;
  const millis = fraction ? Math.round(Number(`0${fraction}`) * 1000) : 0;
  const utc = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  const check = new Date(utc);
  if (
    check.getUTCFullYear() !== Number(year) ||
    check.getUTCMonth() !== Number(month) - 1 ||
    check.getUTCDate() !== Number(day) ||
    check.getUTCHours() !== Number(hour) ||
    check.getUTCMinutes() !== Number(minute) ||
    check.getUTCSeconds() !== Number(second)
  )
    return undefined;
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const zoneMatch = /^([+-])(\d{1,2}):?(\d{2})?$/.exec(zone);
    if (!zoneMatch) return undefined;
    const sign = zoneMatch[1] === '-' ? -1 : 1;
    offsetMinutes = sign * (Number(zoneMatch[2]) * 60 + Number(zoneMatch[3] ?? 0));
  }
  const instant = new Date(utc + millis - offsetMinutes * 60_000);
  const iso = instant.toISOString();
  return millis === 0 ? isoSeconds(instant) : iso;
}
