import { randomUUID } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** The file's permissions; the umask does not apply. Default 0o644 less the umask, as a plain write. */
  mode?: number;
}

/**
 * A temp file beside the target (a rename is only atomic within one file system), named with a leading dot so that
 * watchers of the directory (the task board's, say) never show it.
 */
function temporaryPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
}

/**
 * Writes `data` to a new file at `temp`, flushes it and renames it over `target`; removes the temp file on any error.
 * The paths may go through `/proc/self/fd` (see `writeFileInside`): the temp file is opened without following a link.
 */
export async function replaceThroughTemp(
  temp: string,
  target: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions,
): Promise<void> {
  try {
    const handle = await open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      options.mode ?? 0o666,
    );
    try {
      await handle.writeFile(data);
      // open() applied the umask; a given mode (the replaced file's, say) must hold exactly.
      if (options.mode !== undefined) await handle.chmod(options.mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // rename(2) replaces a link at `target` itself; it never writes through one.
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * Replaces a file so that readers see the old bytes or the new ones, never part of a file, even across a crash:
 * write a temp file, flush it, rename it over the target, then flush the directory.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await replaceThroughTemp(temporaryPath(path), path, data, options);
  await syncDirectory(dirname(path));
}

/** `writeFileAtomic` for callers that cannot wait (a command's last write before exit). */
export function writeFileAtomicSync(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): void {
  const temp = temporaryPath(path);
  try {
    const descriptor = openSync(temp, 'wx', options.mode ?? 0o666);
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      for (let written = 0; written < bytes.length;)
        written += writeSync(descriptor, bytes, written, bytes.length - written);
      if (options.mode !== undefined) fchmodSync(descriptor, options.mode);
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** Makes the rename itself durable. Best effort: some platforms cannot open a directory for syncing. */
async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The file's own bytes are already synced; losing only the rename on a crash leaves the old, valid file.
  }
}
