import { statSync } from 'node:fs';

/**
 * A file's size, modification and change times and inode, as one string: what a change to its content changes, so an
 * equal stamp lets a digest or a decision made from the file stand (as git's index does). The change time and a
 * replaced file's inode cannot be set back, unlike a modification time (`touch -d`); Linux filesystems keep times to
 * the nanosecond, read here to a fraction of a microsecond. Undefined when there is no file or it cannot be looked at.
 */
export function fileStamp(path: string): string | undefined {
  try {
    const stats = statSync(path, { throwIfNoEntry: false });
    return stats && `${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}:${stats.ino}`;
  } catch {
    return undefined;
  }
}
