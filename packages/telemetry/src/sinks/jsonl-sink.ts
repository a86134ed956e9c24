import {
  closeSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  statSync,
  writeSync,
  constants as fsConstants,
} from 'node:fs';
import { dirname } from 'node:path';
import type { LlmServiceEvent, TelemetrySinkV1 } from '@llm-service/spec';
import { acquireLockFile, redactSecrets } from '@llm-service/plugin-kit';
import { FailureReporter, type WarnLogger } from './failure-reporter.js';

export interface JsonlSinkOptions {
  path: string;
  /** Rotate when the file would grow past this size. */
  maxBytes: number;
  /** Rotated files kept (`events.jsonl.1` is the newest). */
  maxFiles: number;
  captureContent: boolean;
  /** Keys a prompt's SHA-256 as the SQLite sink does; undefined drops the field. */
  keyPromptHash: (promptSha256: string) => string | undefined;
  logger: WarnLogger;
  /** `writeSync`, replaceable so that a test can fail a write part-way, as a full disk does. */
  write?: (fd: number, buffer: Buffer, offset: number, length: number) => number;
}

/** Read as well as append: a line a full disk cut short is read back to be removed. */
const appendFlags = fsConstants.O_RDWR | fsConstants.O_APPEND | fsConstants.O_CREAT;

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

/** The event as it may be stored: no prompt or answer text unless capture is on, secrets redacted, hash keyed. */
export function sanitiseEvent(
  event: LlmServiceEvent,
  captureContent: boolean,
  keyPromptHash: (promptSha256: string) => string | undefined,
): Record<string, unknown> | undefined {
  switch (event.type) {
    case 'invocation.output':
      return captureContent ? { ...event } : undefined;
    case 'invocation.succeeded': {
      if (captureContent) return { ...event };
      const { text: _text, ...rest } = event;
      return rest;
    }
    case 'request.received':
    case 'invocation.started':
      return { ...event, promptSha256: keyPromptHash(event.promptSha256) };
    case 'invocation.failed':
    case 'fallback.used':
    case 'budget.warned':
      return { ...event, message: redactSecrets(event.message) };
    case 'budget.blocked':
      return { ...event, message: redactSecrets(event.message), hints: event.hints.map(redactSecrets) };
    case 'policy.decided':
      return event.message === undefined ? { ...event } : { ...event, message: redactSecrets(event.message) };
    default:
      return { ...event };
  }
}

/**
 * Removes the start of a line a failed write left at the end of the file (a full disk takes what fits), so the next
 * line is not glued onto it. Only when the file still ends with exactly those bytes: another process may have
 * appended after them, and its line must stay.
 */
function undoPartialLine(fd: number, partial: Buffer): void {
  try {
    const size = fstatSync(fd).size;
    if (size < partial.length) return;
    const tail = Buffer.alloc(partial.length);
    readSync(fd, tail, 0, partial.length, size - partial.length);
    if (tail.equals(partial)) ftruncateSync(fd, size - partial.length);
  } catch {
    // The file cannot be read back (opened for writing only, or gone): nothing safe to undo.
  }
}

/**
 * Appends one event a line. Each line is a single write(2) on a file opened with O_APPEND, so lines from several
 * processes never interleave; rotation (by size) renames files under a lock file, and writers that still hold the
 * renamed file notice it and reopen the path.
 */
export class JsonlSink implements TelemetrySinkV1 {
  readonly specificationVersion = 'v1' as const;
  readonly id = 'jsonl';
  readonly #options: JsonlSinkOptions;
  readonly #reporter: FailureReporter;
  #fd: number | undefined;
  #disposed = false;

  constructor(options: JsonlSinkOptions) {
    this.#options = options;
    this.#reporter = new FailureReporter('telemetry (JSONL)', options.logger, options.path);
  }

  handle(event: LlmServiceEvent): void {
    if (this.#disposed) return;
    try {
      const record = sanitiseEvent(event, this.#options.captureContent, this.#options.keyPromptHash);
      if (record) this.#append(Buffer.from(`${JSON.stringify(record)}\n`));
    } catch (error) {
      this.#reporter.report(error);
    }
  }

  async flush(): Promise<void> {
    // Every line is written when its event arrives.
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    this.#close();
    this.#reporter.summarise();
  }

  #open(): number {
    mkdirSync(dirname(this.#options.path), { recursive: true, mode: 0o700 });
    this.#fd = openSync(this.#options.path, appendFlags, 0o600);
    return this.#fd;
  }

  #close(): void {
    if (this.#fd === undefined) return;
    try {
      closeSync(this.#fd);
    } catch {
      // Already closed.
    }
    this.#fd = undefined;
  }

  /** The open file, reopened when another process rotated the path away from it. */
  #current(): { fd: number; size: number } {
    let fd = this.#fd ?? this.#open();
    let opened = fstatSync(fd);
    let atPath: ReturnType<typeof statSync> | undefined;
    try {
      atPath = statSync(this.#options.path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
    }
    if (!atPath || atPath.ino !== opened.ino || atPath.dev !== opened.dev) {
      this.#close();
      fd = this.#open();
      opened = fstatSync(fd);
    }
    return { fd, size: opened.size };
  }

  #append(line: Buffer): void {
    const current = this.#current();
    let fd = current.fd;
    if (current.size > 0 && current.size + line.length > this.#options.maxBytes) {
      this.#rotate(line.length);
      fd = this.#current().fd;
    }
    const write = this.#options.write ?? writeSync;
    let written = 0;
    try {
      while (written < line.length) written += write(fd, line, written, line.length - written);
    } catch (error) {
      if (written > 0) undoPartialLine(fd, line.subarray(0, written));
      throw error;
    }
  }

  #rotate(incoming: number): void {
    const { path, maxBytes, maxFiles } = this.#options;
    const release = acquireLockFile(`${path}.lock`);
    if (!release) return; // Someone else is rotating for too long: append to the current file.
    try {
      let size: number;
      try {
        size = statSync(path).size;
      } catch {
        return; // Rotated and not yet recreated by anyone: the next open creates it.
      }
      if (size === 0 || size + incoming <= maxBytes) return; // Another process rotated meanwhile.
      for (let index = maxFiles - 1; index >= 1; index--) {
        try {
          renameSync(`${path}.${index}`, `${path}.${index + 1}`);
        } catch (error) {
          if (errorCode(error) !== 'ENOENT') throw error;
        }
      }
      renameSync(path, `${path}.1`);
    } finally {
      release();
      this.#close();
    }
  }
}
