import type { LlmServiceEvent } from '../../events/events.js';

/** A subscriber that records events somewhere (SQLite, JSONL, an audit log). */
export interface TelemetrySinkV1 {
  readonly specificationVersion: 'v1';
  readonly id: string;
  /** Called synchronously for every event; slow work must be queued, never done here. */
  handle(event: LlmServiceEvent): void;
  /**
   * Commits what was handed over so far. Rejects when any of it could not be recorded: the kernel settles an
   * attempt's budget reservation only after every sink's flush resolved, so a cost is never released unrecorded.
   */
  flush(): Promise<void>;
  dispose(): Promise<void>;
}
