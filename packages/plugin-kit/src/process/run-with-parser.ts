import { runTool, type RunToolResult } from './run-tool.js';
import type { PreparedRun } from './prepare-run.js';

/** Reads a tool's stdout as it arrives (a stream parser). */
export interface StdoutParser {
  push(chunk: Buffer): void;
  end(): void;
}

/**
 * Runs a CLI that reads its prompt on stdin and streams its answer on stdout: every chunk goes to `parser` as it
 * arrives, so answer text reaches the caller while the tool works; when this resolves the parser has seen all of it.
 * Timeout and `signal` end the tool's whole process group (see `runTool`).
 */
export async function runWithParser(
  parser: StdoutParser,
  request: { prompt: Uint8Array; timeoutMs: number },
  run: PreparedRun & { args: readonly string[]; env: Record<string, string>; signal: AbortSignal },
): Promise<RunToolResult> {
  const result = await runTool({
    file: run.binaryPath,
    args: run.args,
    cwd: run.cwd,
    env: run.env,
    input: request.prompt,
    timeoutMs: request.timeoutMs,
    signal: run.signal,
    onStdout: (chunk) => parser.push(chunk),
  });
  parser.end();
  return result;
}
