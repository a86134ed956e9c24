import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunToolResult } from '@llm-service/plugin-kit';

export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export interface FixtureMeta {
  description: string;
  args: string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  messageRequests: number;
}

/** A recorded run of the real claude: its stdout bytes and how it ended. */
export function readFixture(name: string): { stdout: Buffer; meta: FixtureMeta } {
  return {
    stdout: readFileSync(join(fixturesDir, `${name}.jsonl`)),
    meta: JSON.parse(readFileSync(join(fixturesDir, `${name}.meta.json`), 'utf8')) as FixtureMeta,
  };
}

/** The RunToolResult that recorded run would have given. */
export function runResultOf(meta: FixtureMeta, overrides: Partial<RunToolResult> = {}): RunToolResult {
  return {
    exitCode: meta.exitCode,
    signal: meta.signal,
    stdout: Buffer.alloc(0),
    stderr: meta.stderr,
    timedOut: false,
    cancelled: false,
    durationMs: 100,
    spawnError: undefined,
    ...overrides,
  };
}

/** Cuts bytes into pieces of varying size, splitting lines and multi-byte characters, as a pipe may. */
export function chunked(bytes: Buffer, sizes: readonly number[] = [1, 7, 64, 3, 512, 2]): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0, index = 0; offset < bytes.length; index++) {
    const size = sizes[index % sizes.length]!;
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}
