import { constants, existsSync } from 'node:fs';
import { lstat, mkdir, open, realpath, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { OutsideRootError } from '@llm-service/plugin-kit';

/**
 * Making a folder and removing a file below the work directory the way the plugin kit's `writeFileInside` writes:
 * each directory is opened with O_DIRECTORY | O_NOFOLLOW relative to the one before (through `/proc/self/fd/N`, as
 * Node 20 has no `openat`), so a directory swapped for a link meanwhile can never send a mkdir or an unlink outside
 * the work directory. Where `/proc/self/fd` does not exist, the path is checked with `lstat` first (a window remains
 * there, as in the kit). The kit does not export its directory walk, so it is repeated here; it belongs in the kit
 * once a second plugin needs it.
 */
const canOpenRelative = process.platform === 'linux' && existsSync('/proc/self/fd');

function segmentsOf(relativePath: string): string[] {
  const segments = relativePath.split('/');
  if (
    relativePath.startsWith('/') ||
    relativePath.includes('\0') ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..')
  )
    throw new OutsideRootError(`'${relativePath}' is not a path inside the directory`);
  return segments;
}

async function openDirectory(
  root: string,
  segments: readonly string[],
  relativePath: string,
  create: boolean,
): Promise<FileHandle> {
  const directoryFlags = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
  let directory = await open(root, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    for (const segment of segments) {
      const at = `/proc/self/fd/${directory.fd}/${segment}`;
      let next: FileHandle;
      try {
        next = await open(at, directoryFlags);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && create) {
          // mkdir never follows a link at its last segment: a link there is EEXIST, and the open below refuses it.
          await mkdir(at, { mode: 0o755 }).catch((mkdirError: unknown) => {
            if ((mkdirError as NodeJS.ErrnoException).code !== 'EEXIST') throw mkdirError;
          });
          next = await open(at, directoryFlags).catch((reopenError: unknown) => {
            throw linkError(reopenError, segment, relativePath);
          });
        } else {
          throw linkError(error, segment, relativePath);
        }
      }
      await directory.close();
      directory = next;
    }
    return directory;
  } catch (error) {
    await directory.close().catch(() => undefined);
    throw error;
  }
}

function linkError(error: unknown, segment: string, relativePath: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ELOOP' || code === 'ENOTDIR'
    ? new OutsideRootError(`'${segment}' in '${relativePath}' is not a directory (a link?)`)
    : error;
}

/** Creates `root/relativeDir` and the folders on the way, refusing any that is a link (OutsideRootError). */
export async function makeDirectoryInside(root: string, relativeDir: string): Promise<void> {
  const segments = segmentsOf(relativeDir);
  if (!canOpenRelative) {
    let path = root;
    for (const segment of segments) {
      path = join(path, segment);
      const stats = await lstat(path).catch(() => undefined);
      if (stats === undefined) await mkdir(path).catch(() => undefined);
      else if (!stats.isDirectory())
        throw new OutsideRootError(`'${segment}' in '${relativeDir}' is not a directory`);
    }
    if ((await realpath(path)) !== join(await realpath(root), ...segments))
      throw new OutsideRootError(`'${relativeDir}' leads outside the directory`);
    return;
  }
  const directory = await openDirectory(root, segments, relativeDir, true);
  await directory.close();
}

/**
 * Removes the file `root/relativePath` (a link there is removed itself, never its target); false when it was gone
 * already.
 */
export async function removeFileInside(root: string, relativePath: string): Promise<boolean> {
  const segments = segmentsOf(relativePath);
  const name = segments.pop()!;
  try {
    if (!canOpenRelative) {
      const parent = join(root, ...segments);
      if ((await realpath(parent)) !== join(await realpath(root), ...segments))
        throw new OutsideRootError(`'${relativePath}' leads outside the directory`);
      await unlink(join(parent, name));
      return true;
    }
    const directory = await openDirectory(root, segments, relativePath, false);
    try {
      await unlink(`/proc/self/fd/${directory.fd}/${name}`);
      await directory.sync().catch(() => undefined);
    } finally {
      await directory.close().catch(() => undefined);
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
