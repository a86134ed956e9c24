import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRecording, type RecordedRunMeta, type Recording } from '@llm-service/testkit/testing';

// The parser and classifier tests in src/ import these from here, with the fixtures they read.
export { chunked, runResultOf } from '@llm-service/testkit/testing';

export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export interface FixtureMeta extends RecordedRunMeta {
  responseRequests: number;
  /** When the run ended, for reset times codex printed relative to it. */
  endedAt: string;
  timedOut?: boolean;
  /** The zone codex printed local times in. */
  timeZone: string;
  /** What the server was scripted to send, for the parser tests to check against. */
  server?: Record<string, unknown>;
}

/** A recorded run of the real codex: its stdout bytes and how it ended. */
export function readFixture(name: string): Recording<FixtureMeta> {
  return readRecording<FixtureMeta>(fixturesDir, name);
}
