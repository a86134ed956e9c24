import { redactSecrets } from '@llm-service/plugin-kit';
import { damagedDatabaseError, isDamage, isDiskFull } from '../errors.js';

export interface WarnLogger {
  warn(message: string): void;
}

/** Reports a sink's first failure once, counts the rest, and mentions the count when the sink is disposed. */
export class FailureReporter {
  #reported = false;
  #lostLater = 0;
  #spooledSaid = false;

  constructor(
    private readonly what: string,
    private readonly logger: WarnLogger,
    /** The file written, so that a full disk is named as such. */
    private readonly path?: string,
  ) {}

  /** What went wrong, in the user's words: "disk full" and "damaged" rather than SQLite's. */
  #describe(error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    if (isDiskFull(error, this.path))
      return `disk full: no space left on the file system of ${this.path ?? 'the telemetry files'}`;
    // A damaged page is found by the statement that reads it: said the same way as damage found on opening.
    if (this.path !== undefined && isDamage(error)) return damagedDatabaseError(this.path, error).message;
    return message;
  }

  report(error: unknown, lostEvents = 1): void {
    if (this.#reported) {
      this.#lostLater += lostEvents;
      return;
    }
    this.#reported = true;
    const message = this.#describe(error);
    const hint = (error as { hint?: unknown } | null)?.hint;
    try {
      this.logger.warn(
        `${this.what} not recorded (${lostEvents} event${lostEvents === 1 ? '' : 's'} lost): ${redactSecrets(message)}` +
          (typeof hint === 'string' ? ` (${hint})` : ''),
      );
    } catch {
      // A logger that throws (a closed stderr) must not fail the request either.
    }
  }

  /** Writes the store refused, kept in the spool for the next run: said once, since nothing is lost. */
  spooled(error: unknown, events: number, spoolPath: string): void {
    if (this.#spooledSaid) return;
    this.#spooledSaid = true;
    try {
      this.logger.warn(
        `${this.what} kept in ${spoolPath} to record later (${events} event${events === 1 ? '' : 's'}): ` +
          redactSecrets(this.#describe(error)),
      );
    } catch {
      // As above.
    }
  }

  /** Says how many lines of the spool a replay could not read (and dropped). */
  unreadableSpool(lines: number, spoolPath: string): void {
    if (lines === 0) return;
    try {
      this.logger.warn(`${this.what}: ${lines} line(s) of ${spoolPath} could not be read and were dropped`);
    } catch {
      // As above.
    }
  }

  summarise(): void {
    if (this.#lostLater === 0) return;
    try {
      this.logger.warn(`${this.what}: ${this.#lostLater} more event(s) could not be recorded`);
    } catch {
      // As above.
    }
    this.#lostLater = 0;
  }
}
