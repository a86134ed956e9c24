import type { LlmServiceEvent } from '../events/events.js';

/** A subscriber that records events somewhere (SQLite, JSONL, an audit log). */
export interface TelemetrySinkV1 {
  readonly specificationVersion: 'v1';
  readonly id: string;
  /** Called synchronously for every event; slow work must be queued, never done here. */
  handle(event: LlmServiceEvent): void;
  flush(): Promise<void>;
  dispose(): Promise<void>;
}
