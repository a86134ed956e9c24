import { AdapterError } from '@llm-service/spec';
import { exitFailure, formatSeconds, outputTail as tail, type RunToolResult } from '@llm-service/plugin-kit';
import type { ErrorPatternKind, GenericYamlToolSettings } from '../config/tool-schema.js';

/**
 * Checked in this order: a message that mentions both a login and a limit counts as auth (the user must act), and a
 * used-up plan counts before a passing rate limit (retrying would not help).
 */
const patternKinds: readonly ErrorPatternKind[] = [
  'auth',
  'plan-limit',
  'rate-limit',
  'overloaded',
  'context-too-long',
];

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
    case 'plan-limit':
      return `${context.toolId}'s plan or quota is used up until it resets: add a fallback_chain entry on another tool, or raise the plan`;
    case 'context-too-long':
      return `the prompt is too long for this model: shorten it or its context files, or route it to a model with a larger window`;
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
  const kind = matchErrorPatterns(context.settings, `${result.stderr}\n${context.stdoutTail}`);
  return exitFailure(kind ?? 'tool-error', result, detail, context, {
    hint: kind === undefined ? undefined : hintFor(kind, context),
  });
}
