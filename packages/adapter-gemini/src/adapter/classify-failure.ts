import { AdapterError, type AdapterErrorKind, type PlanWindowReading } from '@llm-service/spec';
import {
  exitCodeOption,
  exitFailure,
  outputTail,
  spawnFailure,
  stoppedRunFailure,
  streamOutputFailure,
  type RunToolResult,
  type StreamExpectations,
  type ToolRunContext,
} from '@llm-service/plugin-kit';
import type { StreamState } from '../stream/stream-parser.js';

/** What the user can do about each failure gemini reports, shown when the request fails on it. */
export const geminiHints = {
  notInstalled: 'install the Gemini CLI: npm i -g @google/gemini-cli',
  invalidKey:
    "gemini's API key is invalid: set GEMINI_API_KEY to a valid key (https://aistudio.google.com/apikey)",
  noCredentials:
    'gemini has no usable credentials: set GEMINI_API_KEY and select API-key auth ({"security":{"auth":{"selectedType":"gemini-api-key"}}} in ~/.gemini/settings.json)',
  individualAccount:
    'Gemini CLI no longer serves individual Google accounts: set GEMINI_API_KEY and select API-key auth in ~/.gemini/settings.json',
  'rate-limit':
    "wait until the Gemini API's rate limit resets, or add a fallback_chain entry on another tool",
  'plan-limit':
    "the Gemini API key's quota is used up (daily quotas reset at midnight Pacific time): raise it in AI Studio or Google Cloud, or add a fallback_chain entry on another tool",
  overloaded:
    'the Gemini API is overloaded: try again in a minute, or add a fallback_chain entry on another tool',
  'context-too-long':
    "the prompt does not fit the model's context window: shorten it, or route it to a model with a larger window",
  untrusted:
    "gemini refused to run in an untrusted folder: this gemini may predate --skip-trust; set GEMINI_CLI_TRUST_WORKSPACE=true in the tool's env",
  sandbox:
    'gemini could not start its sandbox: check the sandbox option (adapter_options.gemini.sandbox) and that docker or podman is there',
  config:
    "gemini could not load its settings: check ~/.gemini/settings.json and the project's .gemini/settings.json",
  turnLimit: 'gemini reached its maxSessionTurns setting: raise model.maxSessionTurns in its settings.json',
  input:
    'gemini refused its input: an empty prompt, or a flag value it does not take (check adapter_options.gemini)',
} as const;

/**
 * The exit codes of gemini's fatal errors (`FatalError` subclasses in @google/gemini-cli-core 0.61.0). An API error
 * ends a headless run with `process.exit(<HTTP status>)`, which the OS truncates to its low byte (400 → 144,
 * 429 → 173, 503 → 247): see `apiStatusOfExitCode`.
 */
export const geminiExitCodes = {
  authentication: 41,
  input: 42,
  sandbox: 44,
  config: 52,
  turnLimit: 53,
  toolExecution: 54,
  untrustedWorkspace: 55,
  cancelled: 130,
} as const;

/** What gemini prints on stdout with `--output-format stream-json`, for the message when it printed something else. */
const geminiStream: StreamExpectations = {
  output: "gemini's stream-json output",
  program: 'the Gemini CLI',
  ending: 'a result line',
};

export interface FailureContext extends ToolRunContext {
  /** When the run ended: a retry delay gemini reported counts from here. */
  endedAt: Date;
}

/** Colour codes gemini puts on stderr when it thinks a terminal reads it. */
// eslint-disable-next-line no-control-regex -- ESC is exactly what is being matched
const ansiEscapes = /\u001b\[[0-9;]*[A-Za-z]/g;

/** Start-up notices gemini 0.61 prints on every headless run: not why anything failed. */
const startupNoise = /^(?:Warning: 256-color support not detected\.|Ripgrep is not available\.|\[STARTUP\] )/;

/** The end of gemini's stderr for a message, without its colours and start-up notices. */
function tail(text: string): string {
  return outputTail(
    text
      .replace(ansiEscapes, '')
      .split('\n')
      .filter((line) => !startupNoise.test(line))
      .join('\n'),
  );
}

/** The HTTP status behind an exit code gemini took from `process.exit(status)`, or undefined for its own codes. */
export function apiStatusOfExitCode(exitCode: number | null): number | undefined {
  if (exitCode === null) return undefined;
  // 400–511 come out as 144–255; gemini's own codes are all below 144 (130 is its cancel).
  return exitCode >= 144 && exitCode <= 255 ? exitCode + 256 : undefined;
}

/** The HTTP status of the API error gemini ended on: from the error JSON it quotes, its stderr, or its exit code. */
export function apiStatusOf(message: string, stderr: string, exitCode: number | null): number | undefined {
  const quoted = /"code"\s*:\s*(\d{3})\b/.exec(message)?.[1] ?? /^\s*status: (\d{3})\s*$/m.exec(stderr)?.[1];
  return quoted === undefined ? apiStatusOfExitCode(exitCode) : Number(quoted);
}

/** `Suggested retry after 7s.` / `Please retry in 1.5s` → milliseconds. */
export function retryDelayMsOf(text: string): number | undefined {
  const match = /(?:Suggested retry after|Please retry in)\s+([0-9]+(?:\.[0-9]+)?)(ms|s)\b/i.exec(text);
  if (match === null) return undefined;
  const value = Number(match[1]);
  if (!Number.isFinite(value)) return undefined;
  return Math.round(match[2] === 'ms' ? value : value * 1000);
}

const invalidKeyPattern =
  /API_KEY_INVALID|API key not valid|API key expired|invalid authentication credentials|UNAUTHENTICATED|PERMISSION_DENIED/i;
const noCredentialsPattern =
  /Invalid auth method selected|you must specify the GEMINI_API_KEY|GEMINI_API_KEY environment variable/i;
/** The sign-in refusal Google's Code Assist service sends for individual accounts since 2026-06 (reasonCode UNSUPPORTED_CLIENT). */
const individualAccountPattern =
  /no longer supported for Gemini Code Assist for individuals|UNSUPPORTED_CLIENT/i;
const contextTooLongPattern =
  /input token count[^\n]*exceeds|exceeds the maximum number of tokens|context (?:window|length) exceeded/i;
/** gemini's `TerminalQuotaError` wordings: a quota that waiting a few seconds will not bring back. */
const quotaExhaustedPattern =
  /exhausted your daily quota|exhausted your capacity|TerminalQuotaError|QUOTA_EXHAUSTED|INSUFFICIENT_G1_CREDITS_BALANCE|limit:\s*0(?![\d.])/i;
const rateLimitPattern =
  /RESOURCE_EXHAUSTED|Resource has been exhausted|RetryableQuotaError|rate limit|Suggested retry after/i;
const overloadedPattern = /overloaded|UNAVAILABLE|MODEL_CAPACITY_EXHAUSTED/i;
/** An answer stream cut off: the socket closed mid-event, or the stream ended without a finish reason. */
const truncatedPattern =
  /\bterminated\b|ended without a finish reason|incomplete json segment|premature close/i;

/**
 * The `rejected` reading a used-up quota is reported as before its `plan-limit` failure. gemini 0.61 names no window
 * and no reset time (`You have exhausted your daily quota on this model.`, a `TerminalQuotaError`), so the window is
 * `quota` and the reading has no `resetsAt`. Undefined for every other failure, the refused individual sign-in
 * (also `plan-limit`) included: that is no quota that will come back.
 */
export function quotaReading(failure: AdapterError): PlanWindowReading | undefined {
  if (failure.kind !== 'plan-limit') return undefined;
  const said = `${failure.message}\n${failure.detail ?? ''}`;
  if (individualAccountPattern.test(said) || !quotaExhaustedPattern.test(said)) return undefined;
  return { window: 'quota', status: 'rejected' };
}

interface ApiFailure {
  kind: AdapterErrorKind;
  hint?: string;
  resetsAt?: string;
  retrySameTool?: boolean;
  fallback?: boolean;
}

/** The kind of an API failure from what gemini printed about it (result message, error lines, stderr, exit code). */
export function apiFailureOf(
  text: string,
  stderr: string,
  exitCode: number | null,
  context: FailureContext,
): ApiFailure | undefined {
  const everything = `${text}\n${stderr}`;
  const status = apiStatusOf(text, stderr, exitCode);
  if (individualAccountPattern.test(everything))
    return { kind: 'plan-limit', hint: geminiHints.individualAccount };
  if (contextTooLongPattern.test(everything))
    return { kind: 'context-too-long', hint: geminiHints['context-too-long'] };
  if (noCredentialsPattern.test(everything) || exitCode === geminiExitCodes.authentication)
    return { kind: 'auth', hint: geminiHints.noCredentials };
  if (status === 401 || status === 403 || invalidKeyPattern.test(everything))
    return { kind: 'auth', hint: geminiHints.invalidKey };
  if (quotaExhaustedPattern.test(everything)) return { kind: 'plan-limit', hint: geminiHints['plan-limit'] };
  // Before the rate-limit wording: gemini names a 503 a `RetryableQuotaError` too.
  if (status === 503 || status === 529 || overloadedPattern.test(everything))
    return { kind: 'overloaded', hint: geminiHints.overloaded, retrySameTool: context.retrySameTool };
  if (status === 429 || rateLimitPattern.test(everything)) {
    const delayMs = retryDelayMsOf(everything);
    return {
      kind: 'rate-limit',
      hint: geminiHints['rate-limit'],
      // gemini has already spent its own retries (general.maxAttempts): ours only when asked for.
      retrySameTool: context.retrySameTool,
      ...(delayMs === undefined
        ? {}
        : { resetsAt: new Date(context.endedAt.getTime() + delayMs).toISOString() }),
    };
  }
  if (truncatedPattern.test(text)) return { kind: 'bad-output' };
  return undefined;
}

/** gemini's own fatal exits, which say what went wrong by their code alone. */
function fatalExitFailure(
  exitCode: number,
  said: string,
  base: { detail?: string | undefined; exitCode?: number },
  context: FailureContext,
): AdapterError | undefined {
  const message = `'${context.toolId}' exited with code ${exitCode}: ${said}`;
  switch (exitCode) {
    case geminiExitCodes.untrustedWorkspace:
      return new AdapterError('tool-error', message, { ...base, hint: geminiHints.untrusted });
    case geminiExitCodes.sandbox:
      return new AdapterError('tool-error', message, { ...base, hint: geminiHints.sandbox });
    case geminiExitCodes.config:
      return new AdapterError('tool-error', message, { ...base, hint: geminiHints.config });
    case geminiExitCodes.turnLimit:
      // The turns were paid for: another candidate would start the task again on top of them.
      return new AdapterError('tool-error', message, {
        ...base,
        fallback: false,
        hint: geminiHints.turnLimit,
      });
    case geminiExitCodes.input:
      // gemini refused the prompt or a flag's value (FatalInputError): the same request fails the same way here.
      return new AdapterError('tool-error', message, { ...base, hint: geminiHints.input });
    case geminiExitCodes.cancelled:
      return new AdapterError('cancelled', `'${context.toolId}' was cancelled: ${said}`, base);
    default:
      return undefined;
  }
}

/**
 * Why a finished run failed, or undefined when it succeeded. Order matters: a cancel or timeout kills gemini, and
 * what it printed or returned afterwards is a consequence, not its verdict.
 */
export function classifyFailure(
  run: RunToolResult,
  state: StreamState,
  context: FailureContext,
): AdapterError | undefined {
  if (run.spawnError) return spawnFailure(run.spawnError, context.binaryPath, geminiHints.notInstalled);
  const stopped = stoppedRunFailure(run, tail(run.stderr), context);
  if (stopped) return stopped;
  const result = state.result;
  if (result?.status === 'success') return undefined;

  const stderr = tail(run.stderr);
  const base = { detail: stderr || undefined, ...exitCodeOption(run) };
  const said =
    result?.error?.message?.trim() ||
    state.errors
      .map((error) => error.message?.trim())
      .filter(Boolean)
      .join('; ') ||
    stderr;

  if (run.exitCode !== null) {
    const fatal = fatalExitFailure(run.exitCode, said || 'no message', base, context);
    if (fatal) return fatal;
  }
  const api = apiFailureOf(said, run.stderr, run.exitCode, context);
  if (api !== undefined) {
    const { kind, ...options } = api;
    const message =
      api.kind === 'bad-output'
        ? `'${context.toolId}' got a cut-off answer: ${said}`
        : `'${context.toolId}' reported: ${said}`;
    return new AdapterError(kind, message, { ...base, ...options });
  }
  if (result !== undefined) {
    return new AdapterError(
      'tool-error',
      `'${context.toolId}' reported: ${said || `status ${result.status}`}`,
      base,
    );
  }
  const unreadable = streamOutputFailure(run, stderr, state, context, geminiStream);
  if (unreadable) return unreadable;
  // yargs' wording for a flag or value this gemini does not take: most likely an older release.
  const versionHint = /Unknown argument|Invalid values:|Not enough arguments/i.test(run.stderr)
    ? ' (check that the installed Gemini CLI takes these flags; `gemini --version` should be 0.61 or later)'
    : '';
  return exitFailure('tool-error', run, stderr, context, { note: versionHint });
}
