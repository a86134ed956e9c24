import { AdapterError, type AdapterErrorKind, type PlanWindowReading } from '@llm-service/spec';
import {
  describeExit,
  exitCodeOption,
  exitFailure,
  outputTail as tail,
  spawnFailure,
  stoppedRunFailure,
  streamOutputFailure,
  type RunToolResult,
  type StreamExpectations,
  type ToolRunContext,
} from '@llm-service/plugin-kit';
import type { CodexRetry, EventState } from '../stream/event-parser.js';
import { codexHints } from './hints.js';
import { parseTryAgainAt, parseTryAgainIn } from './reset-time.js';

/** What codex prints on stdout with `exec --json`, for the message when it printed something else. */
const codexStream: StreamExpectations = {
  output: "codex's --json events",
  program: 'the Codex CLI',
  ending: 'completing its turn',
};

export interface FailureContext extends ToolRunContext {
  /** When the run ended: reset times codex prints are relative to it. */
  now: Date;
  /** The zone codex printed local times in. */
  timeZone: string;
}

/** The kind of a failure codex reported, with what the adapter can add to it. */
export interface ReportedFailure {
  kind: AdapterErrorKind;
  hint: string | undefined;
  resetsAt: Date | undefined;
  /** A failure llm-service's own retry might cure (rate limit, overload), when the tool opts in. */
  transient: boolean;
}

/** ` (after 5 retries by codex)`, or '' when codex did not retry. */
function retriesNote(retries: readonly CodexRetry[]): string {
  if (retries.length === 0) return '';
  const last = retries.at(-1)!;
  return ` (after ${retries.length} ${retries.length === 1 ? 'retry' : 'retries'} by codex; last: ${last.reason})`;
}

/**
 * The kind of failure behind codex's message. codex 0.169.0 prints its own wording for the failures it recognises
 * (checked against the Responses test server, see the README's table) and `unexpected status <code> …` for others.
 */
export function classifyMessage(
  message: string,
  context: Pick<FailureContext, 'now' | 'timeZone'>,
): ReportedFailure {
  const plain = (kind: AdapterErrorKind, hint?: string, transient = false): ReportedFailure => ({
    kind,
    hint,
    resetsAt: undefined,
    transient,
  });
  if (/^Missing environment variable/i.test(message) || /not logged in|codex login/i.test(message))
    return plain('auth', codexHints.notLoggedIn);
  if (/\b(401|403)\b.*(Unauthorized|Forbidden)|invalid_api_key|Incorrect API key/i.test(message))
    return plain('auth', codexHints.refused);
  if (/hit your usage limit/i.test(message)) {
    return {
      kind: 'plan-limit',
      hint: codexHints.planLimit,
      resetsAt: parseTryAgainAt(message, context.now, context.timeZone),
      transient: false,
    };
  }
  if (/^Quota exceeded|insufficient_quota|exceeded your current quota/i.test(message))
    return plain('plan-limit', codexHints.quota);
  if (/context window|context_length_exceeded|maximum context length/i.test(message))
    return plain('context-too-long', codexHints['context-too-long']);
  if (/rate limit|\b429\b|Too Many Requests/i.test(message)) {
    return {
      kind: 'rate-limit',
      hint: codexHints['rate-limit'],
      resetsAt: parseTryAgainIn(message, context.now),
      transient: true,
    };
  }
  // codex says "high demand" for a 500; 502-504 keep their status.
  if (
    /high demand|overloaded|server_is_overloaded|slow_down/i.test(message) ||
    /\b(500|502|503|504)\b/.test(message)
  )
    return plain('overloaded', codexHints.overloaded, true);
  if (/stream closed before response\.completed/i.test(message))
    return plain('bad-output', codexHints.truncated);
  return plain('tool-error', undefined);
}

function reportedFailure(
  said: string,
  run: RunToolResult,
  state: EventState,
  context: FailureContext,
): AdapterError {
  const failure = classifyMessage(said, context);
  const resetsAt = failure.resetsAt?.toISOString();
  return new AdapterError(
    failure.kind,
    `'${context.toolId}' reported: ${said}${retriesNote(state.retries)}`,
    {
      ...exitCodeOption(run),
      detail: tail(run.stderr) || undefined,
      ...(failure.hint === undefined ? {} : { hint: failure.hint }),
      ...(resetsAt === undefined ? {} : { resetsAt }),
      // codex has spent its own retries by now: llm-service's only when the tool opts in.
      ...(failure.transient ? { retrySameTool: context.retrySameTool } : {}),
    },
  );
}

/**
 * The window behind a plan-limit failure, as a `rejected` reading. codex 0.169.0 prints no rate-limit fields in
 * `--json` output (neither the `x-codex-primary-*` headers nor `codex.rate_limits` events reach it: checked against
 * the Responses test server), only its refusal: `You’ve hit your usage limit. … try again at 2:15 PM.`, or `… usage
 * limit for GPT-5.5-Codex-Spark. Switch to another model now, …` for a model's own limit. It does not say which of the
 * plan's windows ran out, so the window is named as codex names the limit: `usage_limit` (after the service's
 * `usage_limit_reached`), the model limit's own name, or `quota` for an API account out of credit.
 */
export function planLimitReading(state: EventState, failure: AdapterError): PlanWindowReading | undefined {
  if (failure.kind !== 'plan-limit') return undefined;
  const said = state.turnFailed ?? state.lastError ?? '';
  const limitName = /hit your usage limit for (.+?)\. Switch to/i.exec(said)?.[1]?.trim();
  const window = /hit your usage limit/i.test(said) ? (limitName ?? 'usage_limit') : 'quota';
  return {
    window,
    status: 'rejected',
    ...(failure.resetsAt === undefined ? {} : { resetsAt: failure.resetsAt }),
  };
}

/**
 * Why a finished run failed, or undefined when it answered. Order matters: a cancel or timeout kills codex, and what it
 * printed or returned afterwards is a consequence, not its verdict.
 */
export function classifyFailure(
  run: RunToolResult,
  state: EventState,
  context: FailureContext,
): AdapterError | undefined {
  if (run.spawnError) return spawnFailure(run.spawnError, context.binaryPath, codexHints.notInstalled);
  const stopped = stoppedRunFailure(run, tail(run.stderr), {
    ...context,
    note: retriesNote(state.retries),
    timeoutHint: codexHints.timeout,
  });
  if (stopped) return stopped;
  // A turn that failed says why in `turn.failed` (the same text as the `error` line before it).
  const said = state.turnFailed ?? (state.turnsCompleted === 0 ? state.lastError : undefined);
  if (said !== undefined) return reportedFailure(said, run, state, context);
  if (state.turnsCompleted > 0 && run.exitCode === 0) return undefined;

  const stderr = tail(run.stderr);
  const unreadable = streamOutputFailure(run, stderr, state, context, codexStream);
  if (unreadable) return unreadable;
  const status = describeExit(run);
  if (run.signal === 'SIGINT' || run.exitCode === 130)
    return new AdapterError('cancelled', `'${context.toolId}' was interrupted (${status})`);
  // clap's wording for a flag or value this codex does not take: most likely another release.
  const versionHint = /unexpected argument|invalid value|unrecognized subcommand/i.test(run.stderr)
    ? codexHints.version
    : undefined;
  const kind = classifyMessage(stderr, context).kind === 'auth' ? 'auth' : 'tool-error';
  return exitFailure(kind, run, stderr, context, {
    hint: kind === 'auth' ? codexHints.notLoggedIn : versionHint,
  });
}
