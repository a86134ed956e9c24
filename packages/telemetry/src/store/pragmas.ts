import type { Database } from './driver.js';

/** How long a writer waits for another process's write lock before giving up (better-sqlite3's `timeout`). */
export const defaultBusyTimeoutMs = 5_000;

export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
}

/** Blocks the thread for a short while; only used while another process converts a fresh file to WAL. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * WAL lets readers (stats, the dashboard) run beside writers, and with `synchronous = NORMAL` a commit needs no
 * fsync: a crash of the process (even SIGKILL) loses no committed transaction; only a power cut may lose the last
 * ones. Switching a fresh file to WAL takes an exclusive lock that the busy handler does not wait for, so a few
 * processes opening one new file at once retry here.
 */
export function applyPragmas(db: Database, busyTimeoutMs: number): void {
  const deadline = Date.now() + busyTimeoutMs;
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    try {
      db.pragma('journal_mode = WAL');
      break;
    } catch (error) {
      if (!isBusyError(error) || Date.now() > deadline) throw error;
      pause(wait);
    }
  }
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Keep the WAL file from growing without bound after a burst of writes.
  db.pragma('journal_size_limit = 67108864');
}
