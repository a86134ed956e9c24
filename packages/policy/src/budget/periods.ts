/**
 * Budget periods come from the plugin kit's calendar, the same one the telemetry spend ledger counts in, so a budget
 * resets exactly when its spend starts counting afresh. Re-exported here under the names the policy files import.
 */
export { periodRange, type PeriodRange } from '@llm-service/plugin-kit';

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
