import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { join } from 'node:path';

export interface TaskFile {
  bytes: Buffer;
  /** Permission bits, so a rewrite can keep them. */
  mode: number;
}

/**
 * Reads the regular file a key names, or returns undefined if there is none there that the board may show: missing,
 * a directory, a symlink, or reached through a symlinked directory. Showing (or, worse, rewriting) a file outside the
 * work directory because a link points there would let anyone who can write the work directory read the server's
 * files. `realWorkDir` is the work directory's realpath.
 */
export async function readTaskFile(realWorkDir: string, key: string): Promise<TaskFile | undefined> {
  const path = join(realWorkDir, ...key.split('/'));
  try {
    if ((await realpath(path)) !== path) return undefined;
    // O_NOFOLLOW: the last component cannot have become a symlink since the check above.
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) return undefined;
      return { bytes: await handle.readFile(), mode: stats.mode & 0o7777 };
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

/** The errors meaning "no file here (any more)": a task file that vanished mid-read was deleted or moved. */
function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EISDIR';
}
