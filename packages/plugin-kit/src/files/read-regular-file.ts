import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export type RegularFileRead =
  | { ok: true; bytes: Buffer }
  /** `missing`: no such file; `not-regular`: a device, FIFO, socket or directory; `too-large`: over the cap. */
  | { ok: false; reason: 'missing' | 'not-regular' | 'too-large'; message: string }
  | { ok: false; reason: 'unreadable'; message: string; code: string | undefined };

const formatBytes = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;

/** A size against the cap, in bytes where the rounded figures would read the same ("1.0 MiB; the limit is 1.0 MiB"). */
function sizeAgainstCap(size: number, cap: number): { size: string; cap: string } {
  const rounded = { size: formatBytes(size), cap: formatBytes(cap) };
  if (rounded.size !== rounded.cap) return rounded;
  const exact = (bytes: number) => `${bytes.toLocaleString('en-US')} bytes`;
  return { size: exact(size), cap: exact(cap) };
}

/**
 * Reads a file that must be an ordinary file of at most `maxBytes`. A link to `/dev/zero` or a FIFO would otherwise be
 * read forever (or block forever), and a huge file read whole: it is opened without blocking, checked with `fstat`
 * on the opened descriptor (so a swap after the check changes nothing), and read up to one byte past the cap (so a
 * file that grows while being read is refused too).
 */
export function readRegularFile(path: string, options: { maxBytes: number }): RegularFileRead {
  let descriptor: number;
  try {
    descriptor = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ok: false, reason: 'missing', message: 'it does not exist' };
    return { ok: false, reason: 'unreadable', message: `it cannot be read (${code ?? 'error'})`, code };
  }
  try {
    const stat = fstatSync(descriptor);
    if (!stat.isFile()) {
      return {
        ok: false,
        reason: 'not-regular',
        message: 'it is not a regular file (a device, FIFO, socket or directory)',
      };
    }
    if (stat.size > options.maxBytes) {
      const figures = sizeAgainstCap(stat.size, options.maxBytes);
      return {
        ok: false,
        reason: 'too-large',
        message: `it is ${figures.size}; the limit is ${figures.cap}`,
      };
    }
    // Unfilled: only the bytes read are ever used, and zeroing a cap-sized buffer would cost every start.
    const buffer = Buffer.allocUnsafe(Math.min(stat.size, options.maxBytes) + 1);
    let grown = buffer;
    let length = 0;
    for (;;) {
      if (length === grown.length) {
        // Longer than fstat said: the file is growing while read.
        const next = Buffer.allocUnsafe(Math.min(grown.length * 2, options.maxBytes + 1));
        grown.copy(next, 0, 0, length);
        grown = next;
      }
      const read = readSync(descriptor, grown, length, grown.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > options.maxBytes)
        return {
          ok: false,
          reason: 'too-large',
          message: `it grew past the limit while read; the limit is ${formatBytes(options.maxBytes)}`,
        };
    }
    return { ok: true, bytes: grown.subarray(0, length) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, reason: 'unreadable', message: `it cannot be read (${code ?? 'error'})`, code };
  } finally {
    closeSync(descriptor);
  }
}
