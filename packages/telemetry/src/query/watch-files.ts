import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Calls `onChange` when a file named by `paths`, or one beside it sharing its name as a prefix, changes: a SQLite
 * commit in WAL mode writes `<db>-wal`, and the JSONL sink rotates to `<file>.1`. The directories are watched, not the
 * files, so a file created or replaced later is seen. A directory that does not exist (yet) is skipped: readers also
 * poll, so watching only makes them faster.
 */
export function watchFiles(paths: readonly string[], onChange: () => void): () => void {
  const watchers: FSWatcher[] = [];
  const namesByDirectory = new Map<string, string[]>();
  for (const path of paths) {
    const names = namesByDirectory.get(dirname(path)) ?? [];
    names.push(basename(path));
    namesByDirectory.set(dirname(path), names);
  }
  for (const [directory, names] of namesByDirectory) {
    try {
      const watcher = watch(directory, { persistent: false }, (_event, file) => {
        if (file === null || names.some((name) => file.startsWith(name))) onChange();
      });
      // A watched directory that is removed reports an error: stop watching it, polling carries on.
      watcher.on('error', () => watcher.close());
      watchers.push(watcher);
    } catch {
      // Missing or unwatchable directory: see above.
    }
  }
  return () => {
    for (const watcher of watchers) watcher.close();
  };
}
