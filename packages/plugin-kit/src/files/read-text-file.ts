import { readRegularFile, type RegularFileRead } from './read-regular-file.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes as text, or the line of the first byte that is not UTF-8 (rather than replacing it silently). */
export function decodeUtf8(bytes: Uint8Array): { ok: true; text: string } | { ok: false; line: number } {
  try {
    return { ok: true, text: strictUtf8.decode(bytes) };
  } catch {
    // A newline byte is never part of a multi-byte character, so each line decodes on its own.
    let line = 1;
    for (let start = 0; start <= bytes.length; line++) {
      const newline = bytes.indexOf(0x0a, start);
      const end = newline === -1 ? bytes.length : newline;
      try {
        strictUtf8.decode(bytes.subarray(start, end));
      } catch {
        return { ok: false, line };
      }
      if (newline === -1) break;
      start = newline + 1;
    }
    return { ok: false, line: 1 };
  }
}

export type TextFileRead =
  | { ok: true; text: string }
  | Exclude<RegularFileRead, { ok: true }>
  /** `not-utf8`: `line` holds the first byte that is not UTF-8. */
  | { ok: false; reason: 'not-utf8'; message: string; line: number };

/** A text file read strictly: an ordinary file of at most `maxBytes` (see `readRegularFile`), all of it UTF-8. */
export function readTextFile(path: string, options: { maxBytes: number }): TextFileRead {
  const read = readRegularFile(path, options);
  if (!read.ok) return read;
  const decoded = decodeUtf8(read.bytes);
  if (!decoded.ok)
    return {
      ok: false,
      reason: 'not-utf8',
      message: `it is not UTF-8 text (line ${decoded.line})`,
      line: decoded.line,
    };
  return { ok: true, text: decoded.text };
}
