import { constants, existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import {
  link,
  lstat,
  lutimes,
  mkdir,
  open,
  readdir,
  realpath,
  unlink,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';
import { OutsideRootError } from '@llm-service/plugin-kit';

/**
 * A directory below the work directory, held open so that every later step resolves against it and never against a
 * path someone can swap for a link meanwhile: the technique of the plugin kit's `writeFileInside` (each level opened
 * with O_DIRECTORY | O_NOFOLLOW relative to the one before, through `/proc/self/fd/N/NAME`), extended with what the
 * kit does not offer: creating the levels, an exclusive create (O_EXCL), listing, times, removal. Where
 * `/proc/self/fd` does not exist, the path is checked with `realpath` and used directly (a window remains there).
 */
export interface HeldDirectory {
  /** The path of an entry of the directory, for calls that take a path (through `/proc/self/fd/N` on Linux). */
  entry(name: string): string;
  list(): Promise<string[]>;
  /** Creates `name` with `data`, failing with EEXIST when it exists: the atomic step of a claim, never half written. */
  createExclusive(name: string, data: string): Promise<void>;
  /** The entry's bytes and modification time, or undefined when it is missing or not a regular file. */
  read(name: string, maxBytes: number): Promise<{ bytes: Buffer; mtimeMs: number } | undefined>;
  /** Sets the entry's times to now; false when it is gone. */
  touch(name: string, at: Date): Promise<boolean>;
  /** Removes the entry; false when it was already gone. */
  remove(name: string): Promise<boolean>;
  close(): Promise<void>;
}

const canOpenRelative = process.platform === 'linux' && existsSync('/proc/self/fd');
const directoryFlags = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

function checkName(name: string): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0'))
    throw new OutsideRootError(`'${name}' is not a plain file name`);
}

/**
 * Opens (and with `create`, makes) `root/segments…`, refusing a level that is a link or not a directory with
 * OutsideRootError. `root` itself may be reached through links (the user chose it).
 */
export async function openDirectoryInside(
  root: string,
  segments: readonly string[],
  options: { create: boolean },
): Promise<HeldDirectory> {
  for (const segment of segments) checkName(segment);
  if (!canOpenRelative) return openByPath(root, segments, options);
  let directory: FileHandle = await open(root, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    for (const segment of segments) {
      const at = `/proc/self/fd/${directory.fd}/${segment}`;
      if (options.create) {
        await mkdir(at, { mode: 0o755 }).catch((error: unknown) => {
          if (codeOf(error) !== 'EEXIST') throw error;
        });
      }
      let next: FileHandle;
      try {
        next = await open(at, directoryFlags);
      } catch (error) {
        if (codeOf(error) === 'ELOOP' || codeOf(error) === 'ENOTDIR')
          throw new OutsideRootError(
            `'${segments.join('/')}' under ${root}: '${segment}' is a link or not a directory`,
          );
        throw error;
      }
      await directory.close();
      directory = next;
    }
  } catch (error) {
    await directory.close().catch(() => undefined);
    throw error;
  }
  const held = directory;
  return heldDirectory(
    (name) => {
      checkName(name);
      return `/proc/self/fd/${held.fd}/${name}`;
    },
    `/proc/self/fd/${held.fd}`,
    () => held.close(),
  );
}

async function openByPath(
  root: string,
  segments: readonly string[],
  options: { create: boolean },
): Promise<HeldDirectory> {
  const realRoot = await realpath(root);
  const path = join(realRoot, ...segments);
  if (options.create) await mkdir(path, { recursive: true, mode: 0o755 });
  if ((await realpath(path)) !== path)
    throw new OutsideRootError(`'${segments.join('/')}' under ${root} goes through a link`);
  return heldDirectory(
    (name) => {
      checkName(name);
      return join(path, name);
    },
    path,
    async () => undefined,
  );
}

function heldDirectory(
  entry: (name: string) => string,
  self: string,
  close: () => Promise<void>,
): HeldDirectory {
  return {
    entry,
    list: () => readdir(self),
    async createExclusive(name, data) {
      // The bytes go to a private temp file first, which link(2) then gives the name: link fails with EEXIST when
      // the name exists (atomic on every file system, NFS included), and the file appears with all its bytes, so a
      // reader never sees it half written, even after a SIGKILL. The temp name starts with a dot (ignored by all).
      const temp = `.${name}.${randomUUID()}.tmp`;
      const handle = await open(
        entry(temp),
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o644,
      );
      try {
        try {
          await handle.writeFile(data);
          await handle.sync();
        } finally {
          await handle.close();
        }
        await link(entry(temp), entry(name));
      } finally {
        await unlink(entry(temp)).catch(() => undefined);
      }
    },
    async read(name, maxBytes) {
      let handle: FileHandle;
      try {
        handle = await open(entry(name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
      } catch (error) {
        const code = codeOf(error);
        if (code === 'ENOENT' || code === 'ELOOP' || code === 'EISDIR' || code === 'ENOTDIR')
          return undefined;
        throw error;
      }
      try {
        const stats = await handle.stat();
        if (!stats.isFile()) return undefined;
        const buffer = Buffer.alloc(Math.min(stats.size, maxBytes));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
        return { bytes: buffer.subarray(0, bytesRead), mtimeMs: stats.mtimeMs };
      } finally {
        await handle.close();
      }
    },
    async touch(name, at) {
      try {
        // lutimes: a link put in the lease's place is not followed.
        await lutimes(entry(name), at, at);
        return true;
      } catch (error) {
        if (codeOf(error) === 'ENOENT') return false;
        throw error;
      }
    },
    async remove(name) {
      try {
        const stats = await lstat(entry(name));
        if (stats.isDirectory()) return false;
        await unlink(entry(name));
        return true;
      } catch (error) {
        if (codeOf(error) === 'ENOENT') return false;
        throw error;
      }
    },
    close,
  };
}
