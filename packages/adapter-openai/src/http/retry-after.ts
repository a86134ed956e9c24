/** Turns the header's delay into an ISO 8601 instant, from `now`. */
function instantAfter(ms: number, now: number): string {
  return new Date(now + Math.max(0, ms)).toISOString();
}

/**
 * When a rate limit lifts, from the response's headers: `retry-after-ms` (OpenAI's, in milliseconds), else
 * `Retry-After` in seconds or as an HTTP date (RFC 9110 section 10.2.3). Undefined when neither is there or readable:
 * the kernel then backs off as configured.
 */
export function resetsAtFrom(headers: Pick<Headers, 'get'>, now = Date.now()): string | undefined {
  const milliseconds = headers.get('retry-after-ms')?.trim();
  if (milliseconds !== undefined && /^\d+(?:\.\d+)?$/.test(milliseconds)) {
    return instantAfter(Number(milliseconds), now);
  }
  const value = headers.get('retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(?:\.\d+)?$/.test(value)) return instantAfter(Number(value) * 1000, now);
  // HTTP dates (IMF-fixdate and the two obsolete forms) start with the day's name; Date.parse would take "-5" too.
  const date = /^[A-Za-z]/.test(value) ? Date.parse(value) : Number.NaN;
  // A date in the past means "now"; one that does not parse is ignored rather than guessed.
  return Number.isNaN(date) ? undefined : instantAfter(date - now, now);
}
