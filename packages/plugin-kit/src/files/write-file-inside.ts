import { randomUUID } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { replaceThroughTemp, writeFileAtomic, type AtomicWriteOptions } from './write-file-atomic.js';

/** Thrown when `relativePath` is not a plain path below the root, or a directory on the way is a link. */
export class OutsideRootError extends Error {
  readonly code = 'E_OUTSIDE_ROOT';
}

const canOpenRelative = process.platform === 'linux' && existsSync('/proc/self/fd');

function segmentsOf(relativePath: string): string[] {
  const segments = relativePath.split('/');
  if (
    isAbsolute(relativePath) ||
    relativePath.includes('\0') ||
    segments.some((segment) => segment === '' || segment === '.' || segment === '..')
  )
    throw new OutsideRootError(`'${relativePath}' is not a path inside the directory`);
  return segments;
}

/**
 * Replaces `root/relativePath` atomically (as `writeFileAtomic`), such that the file can only ever land inside
 * `root`, even while someone swaps a directory on the way for a symbolic link. Node 20 has no `openat`: each directory
 * is opened with O_DIRECTORY | O_NOFOLLOW relative to the one before, through `/proc/self/fd/N/NAME`, so every step
 * resolves against a directory already held open, never against a path that can change under it. The temp file is
 * created and renamed inside the last directory held. Where `/proc/self/fd` does not exist, the path is written with
 * `writeFileAtomic` after the caller's own checks.
 */
export async function writeFileInside(
  root: string,
  relativePath: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const segments = segmentsOf(relativePath);
  const name = segments.pop()!;
  if (!canOpenRelative) return writeFileAtomic(`${root}/${relativePath}`, data, options);
  const directory = await openDirectoryInside(root, segments, relativePath);
  try {
    const at = (entry: string) => `/proc/self/fd/${directory.fd}/${entry}`;
    await replaceThroughTemp(at(`.${name}.${randomUUID()}.tmp`), at(name), data, options);
    await directory.sync().catch(() => undefined);
  } finally {
    await directory.close().catch(() => undefined);
  }
}

/** A file read by `readFileInside`: its bytes, and its permission bits (so a rewrite can keep them). */
export interface FileInside {
  bytes: Buffer;
  mode: number;
}

/**
 * Reads `root/relativePath` the way `writeFileInside` writes it: each directory opened relative to the one before and
 * never through a link, and the file itself opened without following a link, so a directory swapped for a link
 * meanwhile can never make it read a file outside `root`. Undefined when there is no regular file there (missing, a
 * directory, a device, a link); throws OutsideRootError when a directory on the way is a link. Where
 * `/proc/self/fd` does not exist, the path is checked with `realpath` first (a window remains there).
 */
export async function readFileInside(root: string, relativePath: string): Promise<FileInside | undefined> {
  const segments = segmentsOf(relativePath);
  const name = segments.pop()!;
  const fileFlags = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
  let handle: FileHandle;
  try {
    if (canOpenRelative) {
      const directory = await openDirectoryInside(root, segments, relativePath);
      try {
        handle = await open(`/proc/self/fd/${directory.fd}/${name}`, fileFlags);
      } finally {
        await directory.close().catch(() => undefined);
      }
    } else {
      const path = join(root, relativePath);
      if ((await realpath(path)) !== path) return undefined;
      handle = await open(path, fileFlags);
    }
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return undefined;
    return { bytes: await handle.readFile(), mode: stats.mode & 0o7777 };
  } finally {
    await handle.close();
  }
}

/** "No file here (any more)": missing, or a link where a file was (O_NOFOLLOW's ELOOP). */
function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EISDIR';
}

/**
 * Opens the directory `segments` names below `root`, each level with O_DIRECTORY | O_NOFOLLOW relative to the level
 * before, through `/proc/self/fd/N/NAME` (Node 20 has no `openat`). A level that is a link is an OutsideRootError; one
 * that is missing (moved away meanwhile) an ENOENT error.
 */
async function openDirectoryInside(
  root: string,
  segments: readonly string[],
  relativePath: string,
): Promise<FileHandle> {
  const directoryFlags = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
  let directory: FileHandle = await open(root, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    for (const segment of segments) {
      let next: FileHandle;
      try {
        next = await open(`/proc/self/fd/${directory.fd}/${segment}`, directoryFlags);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ELOOP' || code === 'ENOTDIR')
          throw new OutsideRootError(`'${segment}' in '${relativePath}' is not a directory (a link?)`);
        throw error;
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
