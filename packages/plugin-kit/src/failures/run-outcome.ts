import { AdapterError, type AdapterErrorKind } from '@llm-service/spec';
import type { RunToolResult } from '../process/run-tool.js';
import type { AnswerStreamState } from '../stream/json-lines.js';

/** About 2 KB of the end of a tool's output goes into messages: enough for the error, short enough to read. */
export const outputTailChars = 2048;

/** The end of a tool's output for a message: trimmed, and cut to its last `outputTailChars` behind an ellipsis. */
export function outputTail(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > outputTailChars ? `…${trimmed.slice(-outputTailChars)}` : trimmed;
}

/** `30`, `2.5`: a timeout in the seconds tools.yaml states it in. */
export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(1);
}

/** `exited with code 2`, or `was killed by SIGTERM` for a tool that ended on a signal. */
export function describeExit(run: Pick<RunToolResult, 'exitCode' | 'signal'>): string {
  return run.exitCode === null
    ? `was killed by ${run.signal ?? 'a signal'}`
    : `exited with code ${run.exitCode}`;
}

/** The tool's exit code as AdapterError options: none for a tool killed by a signal. */
export function exitCodeOption(run: Pick<RunToolResult, 'exitCode'>): { exitCode?: number } {
  return run.exitCode === null ? {} : { exitCode: run.exitCode };
}

/**
 * A tool that could not be started at all. ENOENT after the binary was found means it vanished since (`not-installed`,
 * with `notInstalledHint` to say how to install it); the rest (EACCES, …) is the tool's failure to start.
 */
export function spawnFailure(
  error: NodeJS.ErrnoException,
  binaryPath: string,
  notInstalledHint?: string,
): AdapterError {
  const where = `'${binaryPath}'`;
  if (error.code === 'ENOENT') {
    return new AdapterError('not-installed', `could not start ${where}: the file was not found`, {
      cause: error,
      ...(notInstalledHint === undefined ? {} : { hint: notInstalledHint }),
    });
  }
  if (error.code === 'EACCES')
    return new AdapterError('tool-error', `could not start ${where}: permission denied`, { cause: error });
  return new AdapterError('tool-error', `could not start ${where}: ${error.message}`, { cause: error });
}

/** What a tool's stdout should have been, for the message when it was not. */
export interface StreamExpectations {
  /** What stdout should have been, e.g. `Claude Code's stream-json output`. */
  output: string;
  /** The program the binary should be, e.g. `Claude Code`. */
  program: string;
  /** What marks a finished run, e.g. `a result line`; a run that exited 0 without it is cut short. */
  ending: string;
}

/**
 * The two ways a run without a verdict in its stream fails as `bad-output`: stdout was not the tool's event stream
 * (another program, or a release that prints something else), or the tool exited 0 before its stream ended. Undefined
 * for a run that failed with a non-zero exit: its exit status and stderr say more. `stderrTail` is the adapter's
 * `outputTail` of stderr (cleaned of its tool's noise where it has any).
 */
export function streamOutputFailure(
  run: Pick<RunToolResult, 'exitCode'>,
  stderrTail: string,
  stream: Pick<AnswerStreamState, 'events' | 'unreadableLines' | 'firstBytes'>,
  context: Pick<ToolRunContext, 'toolId' | 'binaryPath'>,
  expected: StreamExpectations,
): AdapterError | undefined {
  const exit = exitCodeOption(run);
  if (stream.events === 0 && stream.unreadableLines > 0) {
    return new AdapterError(
      'bad-output',
      `'${context.toolId}' did not print ${expected.output} (is '${context.binaryPath}' ${expected.program}?); it began with: ${JSON.stringify(stream.firstBytes)}`,
      { detail: stream.firstBytes, ...exit },
    );
  }
  if (run.exitCode === 0) {
    return new AdapterError(
      'bad-output',
      `'${context.toolId}' exited without ${expected.ending}${stream.events === 0 ? ' and printed nothing' : ''}`,
      { detail: stream.firstBytes || stderrTail || undefined, ...exit },
    );
  }
  return undefined;
}

/**
 * A run the caller cancelled or the timeout stopped: checked before anything the tool printed, since what a killed
 * tool printed or returned afterwards is a consequence, not its verdict. `note` ends the timeout's message (what the
 * tool was doing, e.g. its own retries); `stderrTail` is its detail.
 */
export function stoppedRunFailure(
  run: Pick<RunToolResult, 'cancelled' | 'timedOut'>,
  stderrTail: string,
  context: { toolId: string; timeoutMs: number; note?: string; timeoutHint?: string },
): AdapterError | undefined {
  if (run.cancelled) return new AdapterError('cancelled', 'cancelled');
  if (!run.timedOut) return undefined;
  return new AdapterError(
    'timeout',
    `'${context.toolId}' timed out after ${formatSeconds(context.timeoutMs)} s${context.note ?? ''}`,
    {
      detail: stderrTail || undefined,
      ...(context.timeoutHint === undefined ? {} : { hint: context.timeoutHint }),
    },
  );
}

/** What a CLI adapter's failure classification needs of every run, besides what its tool printed. */
export interface ToolRunContext {
  toolId: string;
  binaryPath: string;
  timeoutMs: number;
  /** `retry.same_tool`: whether llm-service itself may run the tool again after a rate limit or overload. */
  retrySameTool: boolean;
}

/** The `ToolRunContext` of one attempt, for a tool whose schema adds `retry.same_tool`. */
export function toolRunContext(
  request: { toolId: string; timeoutMs: number; tool: { retry: { same_tool: boolean } } },
  binaryPath: string,
): ToolRunContext {
  return {
    toolId: request.toolId,
    binaryPath,
    timeoutMs: request.timeoutMs,
    retrySameTool: request.tool.retry.same_tool,
  };
}

/**
 * A tool that exited non-zero (or was killed) without a verdict in its output: `'id' exited with code 2: <detail>`.
 * `detail` is the adapter's tail of what the tool printed; `note` follows it in the message (a version hint, say).
 */
export function exitFailure(
  kind: AdapterErrorKind,
  run: Pick<RunToolResult, 'exitCode' | 'signal'>,
  detail: string,
  context: Pick<ToolRunContext, 'toolId'>,
  extra: { note?: string; hint?: string | undefined } = {},
): AdapterError {
  const status = describeExit(run);
  return new AdapterError(
    kind,
    detail ? `'${context.toolId}' ${status}: ${detail}${extra.note ?? ''}` : `'${context.toolId}' ${status}`,
    {
      detail: detail || undefined,
      ...exitCodeOption(run),
      ...(extra.hint === undefined ? {} : { hint: extra.hint }),
    },
  );
}
