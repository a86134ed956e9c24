import { processAlive } from '@llm-service/plugin-kit';

/** A `running` row older than this is abandoned even if a process with its pid exists (pids are reused). */
export const defaultAbandonedAfterMs = 6 * 60 * 60 * 1000;

export interface AbandonedCheck {
  isAlive?: (pid: number) => boolean;
  abandonedAfterMs?: number;
  now?: () => Date;
}

/** A running row is abandoned when its process is gone or it has run implausibly long. */
export function isAbandoned(
  row: { pid: number | null; startedAt: string },
  check: AbandonedCheck = {},
): boolean {
  const isAlive = check.isAlive ?? processAlive;
  const now = (check.now ?? (() => new Date()))().getTime();
  if (now - Date.parse(row.startedAt) > (check.abandonedAfterMs ?? defaultAbandonedAfterMs)) return true;
  return row.pid === null || !isAlive(row.pid);
}
