import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRecording, type RecordedRunMeta, type Recording } from '@llm-service/testkit/testing';

// The parser and classifier tests in src/ import these from here, with the fixtures they read.
export { chunked, runResultOf } from '@llm-service/testkit/testing';

export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export interface FixtureMeta extends RecordedRunMeta {
  /** `streamGenerateContent` requests the server received during the run. */
  generateRequests: number;
}

/** A recorded run of the real gemini: its stdout bytes and how it ended. */
export function readFixture(name: string): Recording<FixtureMeta> {
  return readRecording<FixtureMeta>(fixturesDir, name);
}
