import { closeSync, openSync, statSync, unlinkSync } from 'node:fs';

export interface LockFileOptions {
  /** How long to wait for another holder (default 1 s). */
  waitMs?: number;
  /** A lock file older than this was left by a crash and is taken over (default 10 s). */
  staleMs?: number;
}

/** Sleeps the thread: lock holders are other processes, so there is nothing to do meanwhile. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

/**
 * Takes a lock between processes: a file created with O_EXCL, so exactly one creator wins. Returns the function that
 * releases it, or undefined when another holder kept it past `waitMs`. Node has no portable `flock`; a lock file works
 * on every file system and is visible (and removable) by a person when something goes wrong.
 */
export function acquireLockFile(lockPath: string, options: LockFileOptions = {}): (() => void) | undefined {
  const deadline = Date.now() + (options.waitMs ?? 1_000);
  const staleMs = options.staleMs ?? 10_000;
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    try {
      closeSync(openSync(lockPath, 'wx', 0o600));
      return () => {
        try {
          unlinkSync(lockPath);
        } catch {
          // Taken over as stale by another process: nothing of ours is left to remove.
        }
      };
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    try {
      if (Date.now() - statSync(lockPath).mtimeMs > staleMs) unlinkSync(lockPath);
    } catch {
      // Released meanwhile.
    }
    if (Date.now() > deadline) return undefined;
    pause(wait);
  }
}
