import { join } from 'node:path';
import { acquireLockFile } from '@llm-service/plugin-kit';
import { TaskError } from '../errors.js';

/** The lock file in the work directory (hidden: watchers and the board ignore dot files). */
export const LOCK_FILE = '.tasks.lock';

/**
 * Work on one work directory one at a time, this process's and other processes' alike, so a transition's check of
 * the revision and its write are one step for every writer. Within the process, a queue per directory; between
 * processes, a lock file (the plugin kit's, taken without blocking the event loop: one try, then a timer). The queue
 * is module state on purpose: it stands for this process, whichever store or kernel asks. A lock file older than
 * `staleMs` was left by a crash and is taken over.
 */
const queues = new Map<string, Promise<unknown>>();

export interface WorkDirLockOptions {
  /** How long to wait for another process (default 15 s). */
  waitMs?: number;
  /** A lock file older than this was left by a crash and is taken over (default 10 s; a move holds it milliseconds). */
  staleMs?: number;
}

export function withWorkDirLock<T>(
  realWorkDir: string,
  work: () => Promise<T>,
  options: WorkDirLockOptions = {},
): Promise<T> {
  const previous = queues.get(realWorkDir) ?? Promise.resolve();
  const run = previous.then(async () => {
    const release = await acquire(join(realWorkDir, LOCK_FILE), options);
    try {
      return await work();
    } finally {
      release();
    }
  });
  const settled = run.catch(() => undefined);
  queues.set(realWorkDir, settled);
  void settled.then(() => {
    if (queues.get(realWorkDir) === settled) queues.delete(realWorkDir);
  });
  return run;
}

async function acquire(lockPath: string, options: WorkDirLockOptions): Promise<() => void> {
  const deadline = Date.now() + (options.waitMs ?? 15_000);
  for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
    const release = acquireLockFile(lockPath, { waitMs: 0, staleMs: options.staleMs ?? 10_000 });
    if (release) return release;
    if (Date.now() > deadline) {
      throw new TaskError('E_TASK_LOCKED', `another process holds the task lock ${lockPath}`, {
        hint: 'try again; if no llm-service is running, remove the lock file',
      });
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}
