import { randomUUID } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
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
    const at = (entry: string) => `/proc/self/fd/${directory.fd}/${entry}`;
    await replaceThroughTemp(at(`.${name}.${randomUUID()}.tmp`), at(name), data, options);
    await directory.sync().catch(() => undefined);
  } finally {
    await directory.close().catch(() => undefined);
  }
}
