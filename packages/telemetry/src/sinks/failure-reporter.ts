import { redactSecrets } from '@llm-service/plugin-kit';

export interface WarnLogger {
  warn(message: string): void;
}

/** Reports a sink's first failure once, counts the rest, and mentions the count when the sink is disposed. */
export class FailureReporter {
  #reported = false;
  #lostLater = 0;

  constructor(
    private readonly what: string,
    private readonly logger: WarnLogger,
  ) {}

  report(error: unknown, lostEvents = 1): void {
    if (this.#reported) {
      this.#lostLater += lostEvents;
      return;
    }
    this.#reported = true;
    const message = error instanceof Error ? error.message : String(error);
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
