import { AdapterError } from '@llm-service/spec';
import type { RunToolResult } from '@llm-service/plugin-kit';
import type { ErrorPatternKind, GenericYamlToolSettings } from '../config/tool-schema.js';

/** About 2 KB of the end of the tool's output goes into messages: enough for the error, short enough to read. */
export const failureTailChars = 2048;

/** Checked in this order, so a message that mentions both a login and a limit counts as auth (the user must act). */
const patternKinds: readonly ErrorPatternKind[] = ['auth', 'rate-limit', 'overloaded'];

export interface FailureContext {
  toolId: string;
  binaryPath: string;
  timeoutMs: number;
  settings: GenericYamlToolSettings;
  /** The end of stdout, for tools that report errors there. */
  stdoutTail: string;
  /** The variables tools.yaml names for the tool (`env_required`, `env`), which a login hint can point at. */
  keyVariables?: readonly string[];
}

function tail(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > failureTailChars ? `…${trimmed.slice(-failureTailChars)}` : trimmed;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return Number.isInteger(seconds) ? String(seconds) : seconds.toFixed(1);
}

function spawnFailure(error: NodeJS.ErrnoException, context: FailureContext): AdapterError {
  const where = `'${context.binaryPath}'`;
  switch (error.code) {
    case 'ENOENT':
      // findExecutable saw the file, so it vanished since, or its `#!` interpreter is missing.
      return new AdapterError(
        'not-installed',
        `could not start ${where}: the file or its interpreter was not found`,
        {
          cause: error,
        },
      );
    case 'EACCES':
      return new AdapterError(
        'tool-error',
        `could not start ${where}: permission denied (check the file's execute bit, its interpreter, and noexec mounts)`,
        { cause: error },
      );
    default:
      return new AdapterError('tool-error', `could not start ${where}: ${error.message}`, { cause: error });
  }
}

/** What the user can do when a tool's output matched one of its `error_patterns`. */
function hintFor(kind: ErrorPatternKind, context: FailureContext): string {
  const keys = context.keyVariables ?? [];
  const named = keys.length > 0 ? ` (tools.yaml names ${keys.join(', ')})` : '';
  switch (kind) {
    case 'auth':
      return `log ${context.toolId} in, or set the API key it reads${named}; \`llm-service tools\` shows which key variables are set`;
    case 'rate-limit':
      return `wait until ${context.toolId}'s rate limit resets, or add a fallback_chain entry on another tool`;
    case 'overloaded':
      return `${context.toolId}'s service is overloaded: try again in a minute, or add a fallback_chain entry on another tool`;
  }
}

/** The kind an `error_patterns` entry assigns to this output, if any. */
export function matchErrorPatterns(
  settings: GenericYamlToolSettings,
  output: string,
): ErrorPatternKind | undefined {
  const patterns = settings.error_patterns;
  if (!patterns) return undefined;
  for (const kind of patternKinds) {
    for (const source of patterns[kind] ?? []) {
      if (new RegExp(source, 'i').test(output)) return kind;
    }
  }
  return undefined;
}

/**
 * Why a finished run failed, or undefined when it succeeded. Order matters: a cancel or timeout kills the tool, and
 * the exit status that follows is a consequence, not the tool's own verdict.
 */
export function classifyFailure(result: RunToolResult, context: FailureContext): AdapterError | undefined {
  if (result.spawnError) return spawnFailure(result.spawnError, context);
  if (result.cancelled) return new AdapterError('cancelled', 'cancelled');
  if (result.timedOut) {
    return new AdapterError('timeout', `timed out after ${formatSeconds(context.timeoutMs)} s`, {
      detail: tail(result.stderr) || undefined,
    });
  }
  if (result.exitCode === 0) return undefined;

  const stderr = tail(result.stderr);
  // Tools report errors on either stream; stderr first since that is where most put them.
  const detail = stderr || tail(context.stdoutTail);
  const status =
    result.exitCode === null
      ? `was killed by ${result.signal ?? 'a signal'}`
      : `exited with code ${result.exitCode}`;
  const message = detail ? `'${context.toolId}' ${status}: ${detail}` : `'${context.toolId}' ${status}`;
  const options = {
    detail: detail || undefined,
    ...(result.exitCode === null ? {} : { exitCode: result.exitCode }),
  };
  const kind = matchErrorPatterns(context.settings, `${result.stderr}\n${context.stdoutTail}`);
  const hint = kind === undefined ? undefined : hintFor(kind, context);
  return new AdapterError(kind ?? 'tool-error', message, { ...options, ...(hint ? { hint } : {}) });
}
