import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** How a recorded run of a real tool ended; an adapter's fixtures add what its tests check besides. */
export interface RecordedRunMeta {
  description: string;
  args: string[];
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** A recorded run: the tool's stdout as the bytes it wrote, and how the run ended. */
export interface Recording<TMeta extends RecordedRunMeta = RecordedRunMeta> {
  stdout: Buffer;
  meta: TMeta;
}

/**
 * Writes a run of a real tool into `dir` (created if needed) as `<name>.jsonl`, its stdout as it was, and
 * `<name>.meta.json`: how it ended (exit code, signal, stderr) and what `meta` adds. `meta.stderr` replaces the
 * run's, for a recorder that takes out what differs on every run (temporary paths).
 */
export function writeRecording<TMeta extends RecordedRunMeta>(
  dir: string,
  name: string,
  run: Pick<ToolRunResult, 'stdout' | 'exitCode' | 'signal' | 'stderr'>,
  meta: Omit<TMeta, 'exitCode' | 'signal' | 'stderr'> & { stderr?: string },
): void {
  const { description, args, ...rest } = meta;
  const written = {
    description,
    args,
    exitCode: run.exitCode,
    signal: run.signal,
    stderr: run.stderr,
    ...rest,
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.jsonl`), run.stdout);
  // Two-space JSON with a final newline: a re-recording's diff shows only what the tool changed.
  writeFileSync(join(dir, `${name}.meta.json`), `${JSON.stringify(written, null, 2)}\n`);
}

/** Reads what `writeRecording` wrote; the meta's type is the adapter's word for what its recorder put there. */
export function readRecording<TMeta extends RecordedRunMeta>(dir: string, name: string): Recording<TMeta> {
  return {
    stdout: readFileSync(join(dir, `${name}.jsonl`)),
    meta: JSON.parse(readFileSync(join(dir, `${name}.meta.json`), 'utf8')) as TMeta,
  };
}

/** Structurally plugin-kit's `RunToolResult`, so the testkit needs no runtime beyond spec. */
export interface ToolRunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  spawnError: NodeJS.ErrnoException | undefined;
}

/**
 * The run result the recorded run would have given, for feeding a failure classifier; stdout is empty because
 * adapters stream it to their parser instead of collecting it.
 */
export function runResultOf<TMeta extends Pick<RecordedRunMeta, 'exitCode' | 'signal' | 'stderr'>>(
  meta: TMeta,
  overrides: Partial<ToolRunResult> = {},
): ToolRunResult {
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
export function chunked(bytes: Uint8Array, sizes: readonly number[] = [1, 7, 64, 3, 512, 2]): Buffer[] {
  if (sizes.length === 0 || sizes.some((size) => !Number.isInteger(size) || size <= 0))
    throw new Error(`chunk sizes must be positive integers, not [${sizes.join(', ')}]`);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: Buffer[] = [];
  for (let offset = 0, index = 0; offset < buffer.length; index++) {
    const size = sizes[index % sizes.length]!;
    chunks.push(buffer.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}
