import { watch as watchFiles, type FSWatcher } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { taskFolders } from '../file/layout.js';
import { scanWorkDir } from './scan.js';

export interface WatchOptions {
  /** How often the folders are listed again, for changes the file watcher missed. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Calls closer together than this are one call. Default 50 ms. */
  debounceMs?: number;
}

/**
 * What the folders hold: every task file's name, size and modification time, and which folder each is in (its inode
 * and change time). The folders count because a folder moved away and back, or swapped for a link and back, between
 * two listings leaves the same files with the same times, yet a reader that listed in between saw none of them: a
 * rename changes the moved folder's change time, so the next listing notices and the reader lists again.
 */
export async function workDirSignature(workDir: string): Promise<string> {
  const { keys } = await scanWorkDir(workDir);
  const folders = new Set<string>(taskFolders);
  for (const key of keys) folders.add(dirname(key));
  const parts = await Promise.all([
    ...[...folders].sort().map(async (folder) => {
      const found = await lstat(join(workDir, folder)).catch(() => undefined);
      return `${folder}/\0${found ? `${found.ino}\0${found.ctimeMs}` : '-'}`;
    }),
    ...keys.map(async (key) => {
      const stats = await stat(join(workDir, key)).catch(() => undefined);
      return `${key}\0${stats?.size ?? -1}\0${stats?.mtimeMs ?? -1}`;
    }),
  ]);
  return parts.join('\n');
}

/**
 * Calls `onChange` when a task file may have changed: the recursive file watcher of Node for each task folder, for
 * speed, and a listing of the folders every `pollIntervalMs`, for what a watcher misses (a folder created after it
 * started, a work directory that did not exist yet or was replaced, file systems without events). Changes to hidden
 * files (temp files of atomic writes, the lock) are ignored. The process stays alive while it watches; the returned
 * function stops watching.
 */
export function watchWorkDir(workDir: string, onChange: () => void, options: WatchOptions = {}): () => void {
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const debounceMs = options.debounceMs ?? 50;
  let closed = false;
  let pending: NodeJS.Timeout | undefined;
  let signature: string | undefined;
  const watchers = new Map<string, FSWatcher>();

  const fire = () => {
    if (closed || pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      if (!closed) onChange();
    }, debounceMs);
  };

  const attach = () => {
    for (const folder of taskFolders) {
      if (watchers.has(folder)) continue;
      try {
        const watcher = watchFiles(
          join(workDir, folder),
          { recursive: true, persistent: false },
          (_event, name) => {
            const file = typeof name === 'string' ? name : '';
            if (file.split(/[\\/]/).some((segment) => segment.startsWith('.'))) return;
            fire();
          },
        );
        watcher.on('error', () => {
          watcher.close();
          watchers.delete(folder);
        });
        watchers.set(folder, watcher);
      } catch {
        // Not there yet: the next listing attaches it.
      }
    }
  };

  let polling = false;
  const poll = async () => {
    if (closed || polling) return;
    polling = true;
    try {
      const next = await workDirSignature(workDir).catch(() => '');
      if (signature !== undefined && next !== signature) {
        // A folder replaced or created: watch it afresh.
        for (const watcher of watchers.values()) watcher.close();
        watchers.clear();
        fire();
      }
      signature = next;
      attach();
    } finally {
      polling = false;
    }
  };

  attach();
  void poll();
  // The timer keeps the process alive while it watches (the file watchers do not, so that one handle decides).
  const timer = setInterval(() => void poll(), pollIntervalMs);
  return () => {
    closed = true;
    clearInterval(timer);
    clearTimeout(pending);
    for (const watcher of watchers.values()) watcher.close();
    watchers.clear();
  };
}
