import type { PlanWindowStatus } from '@llm-service/spec';

/**
 * An instant a program gave as a number since the epoch, as ISO 8601. Programs give seconds (Claude's `resetsAt`,
 * Codex's `resets_at`) or milliseconds; a value past 10^11 is read as milliseconds, since in seconds it would lie
 * thousands of years ahead. Undefined for what is not a usable instant.
 */
export function epochToIsoTime(value: number): string | undefined {
  if (!Number.isFinite(value) || value <= 0) return undefined;
  const milliseconds = value >= 1e11 ? value : value * 1000;
  const date = new Date(milliseconds);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * A provider's word for a window's standing as a reading's status: `allowed_warning` (Anthropic) is `warning`.
 * Undefined for a word this copy does not know, which the caller drops rather than guesses.
 */
export function planWindowStatus(word: string): PlanWindowStatus | undefined {
  switch (word) {
    case 'allowed':
      return 'allowed';
    case 'allowed_warning':
    case 'warning':
      return 'warning';
    case 'rejected':
      return 'rejected';
    default:
      return undefined;
  }
}
