import { OutsideRootError, readFileInside, type FileInside } from '@llm-service/plugin-kit';

export type TaskFile = FileInside;

/**
 * Reads the regular file a key names, or returns undefined if there is none there that the board may show: missing,
 * a directory, a symlink, or reached through a symlinked directory. Showing (or, worse, rewriting) a file outside the
 * work directory because a link points there would let anyone who can write the work directory read the server's
 * files: the file is read through directories held open, as the plugin kit's `readFileInside` does, so a directory
 * swapped for a link between a check and the read cannot send it elsewhere. `realWorkDir` is the work directory's
 * realpath.
 */
export async function readTaskFile(realWorkDir: string, key: string): Promise<TaskFile | undefined> {
  try {
    return await readFileInside(realWorkDir, key);
  } catch (error) {
    if (error instanceof OutsideRootError) return undefined;
    throw error;
  }
}
