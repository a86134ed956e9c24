import { AdapterError, type AdapterErrorKind, type PlanWindowReading } from '@llm-service/spec';
import {
  epochToIsoTime,
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
import type { ApiRetryEvent } from '../stream/stream-events.js';
import type { StreamState } from '../stream/stream-parser.js';

/** What the user can do about each failure claude reports, shown when the request fails on it. */
const claudeHints = {
  auth: 'log claude in: run `claude` once and use /login, or set ANTHROPIC_API_KEY (`llm-service tools` shows which credentials it finds)',
  refusedKey:
    'ANTHROPIC_API_KEY is set but refused: replace it with a valid key, or unset it to use your claude login',
  'rate-limit':
    'wait until the limit resets (a subscription resets every 5 hours, see `claude /status`), or add a fallback_chain entry on another tool',
  overloaded: 'the API is overloaded: try again in a minute, or add a fallback_chain entry on another tool',
  'plan-limit':
    'a window of the Claude subscription is used up until its reset time: wait for it, or add a fallback_chain entry on another tool',
} as const;

export interface FailureContext extends ToolRunContext {
  /** Set when the adapter stopped claude itself because its static API key was refused. */
  stoppedForAuth: boolean;
}

/** What claude prints on stdout with `--output-format stream-json`, for the message when it printed something else. */
const claudeStream: StreamExpectations = {
  output: "Claude Code's stream-json output",
  program: 'Claude Code',
  ending: 'a result line',
};

/** What `claude` said when it could not authenticate, for runs that end without a structured status. */
const authPattern =
  /not logged in|please run \/login|invalid api key|invalid x-api-key|failed to authenticate|authentication_error|oauth token (?:has )?expired/i;

/** An API failure that retrying on this tool cannot cure: a refused credential. */
export function isAuthRetry(retry: ApiRetryEvent): boolean {
  return retry.error_status === 401 || retry.error_status === 403 || retry.error === 'authentication_failed';
}

/** `after 2 retries by claude (last: HTTP 529)`, or '' when claude did not retry. */
function retriesNote(retries: readonly ApiRetryEvent[]): string {
  const last = retries.at(-1);
  if (last === undefined) return '';
  const status = last.error_status == null ? (last.error ?? 'no response') : `HTTP ${last.error_status}`;
  return ` (after ${retries.length} ${retries.length === 1 ? 'retry' : 'retries'} by claude; last: ${status})`;
}

/**
 * The kind of an API failure claude reported, from its structured fields first (the HTTP status and the API's error
 * type, in the result line and the synthetic assistant message), then from its wording.
 */
export function apiFailureKind(state: StreamState): AdapterErrorKind | undefined {
  const result = state.result;
  const status = result?.api_error_status ?? state.apiError?.status;
  const type = result?.api_error_type ?? state.apiError?.type;
  const error = state.apiError?.error;
  if (
    status === 401 ||
    status === 403 ||
    type === 'authentication_error' ||
    type === 'permission_error' ||
    error === 'authentication_failed'
  ) {
    return 'auth';
  }
  // claude's own name for a refusal on a used-up subscription window, which no retry before the reset can cure.
  if (result?.api_error === 'usage_limit_reached' || state.apiError?.apiError === 'usage_limit_reached')
    return 'plan-limit';
  if (status === 429 || type === 'rate_limit_error' || error === 'rate_limit') return 'rate-limit';
  if (status === 529 || status === 503 || type === 'overloaded_error' || error === 'overloaded')
    return 'overloaded';
  if (authPattern.test(`${result?.result ?? ''}\n${state.apiError?.text ?? ''}`)) return 'auth';
  return undefined;
}

/**
 * The window a `usage_limit_reached` refusal names and when it resets: from the refusal's own `rate_limit_info`, else
 * from the last `rejected` reading claude printed before it. Undefined when the run was not refused on a plan window.
 */
export function planLimitRejection(state: StreamState): PlanWindowReading | undefined {
  if (apiFailureKind(state) !== 'plan-limit') return undefined;
  const info = state.apiError?.rateLimitInfo;
  const printed = state.planWindows.findLast((reading) => reading.status === 'rejected');
  const window = info?.rateLimitType ?? printed?.window;
  if (window === undefined) return undefined;
  const resetsAt =
    (info?.resetsAt === undefined ? undefined : epochToIsoTime(info.resetsAt)) ??
    state.planWindows.findLast((reading) => reading.window === window && reading.status === 'rejected')
      ?.resetsAt;
  return { window, status: 'rejected', ...(resetsAt === undefined ? {} : { resetsAt }) };
}

/**
 * claude checks `--max-budget-usd` after each model turn, so the turn that crosses the cap has already run (and been
 * paid for). When that turn ended the answer (`end_turn`), the answer is whole: it counts as an answer, with its true
 * cost, rather than a failure after the full text was printed. A turn that wanted to go on (`tool_use`) was cut short.
 */
export function isCompletedOverBudget(state: StreamState): boolean {
  return state.result?.subtype === 'error_max_budget_usd' && state.result.stop_reason === 'end_turn';
}

/** Why a run that printed a result line with `is_error: true` failed. */
function reportedFailure(state: StreamState, run: RunToolResult, context: FailureContext): AdapterError {
  const result = state.result!;
  const said = result.result?.trim() || result.errors?.join('; ') || state.apiError?.text || result.subtype;
  const base = {
    detail: tail(run.stderr) || undefined,
    ...exitCodeOption(run),
  };
  if (result.subtype === 'error_max_budget_usd') {
    // The per-request cap is the policy's second line of defence: another candidate would spend on top of it.
    return new AdapterError(
      'tool-error',
      `'${context.toolId}' stopped at its --max-budget-usd cap: ${said}`,
      {
        ...base,
        fallback: false,
      },
    );
  }
  const kind = apiFailureKind(state) ?? 'tool-error';
  const message = `'${context.toolId}' reported: ${said ?? 'an error'}${retriesNote(state.retries)}`;
  switch (kind) {
    case 'auth':
      return new AdapterError('auth', message, { ...base, retrySameTool: false, hint: claudeHints.auth });
    case 'plan-limit': {
      const resetsAt = planLimitRejection(state)?.resetsAt;
      // claude does not retry this refusal, and nor should anyone before the reset.
      return new AdapterError('plan-limit', message, {
        ...base,
        retrySameTool: false,
        hint: claudeHints['plan-limit'],
        ...(resetsAt === undefined ? {} : { resetsAt }),
      });
    }
    case 'rate-limit':
    case 'overloaded':
      // claude has already spent its own bounded retries (CLAUDE_CODE_MAX_RETRIES): ours only when asked for.
      return new AdapterError(kind, message, {
        ...base,
        retrySameTool: context.retrySameTool,
        hint: claudeHints[kind],
      });
    default:
      return new AdapterError(kind, message, base);
  }
}

/**
 * Why a finished run failed, or undefined when it succeeded. Order matters: a cancel or timeout kills claude, and
 * what it printed or returned afterwards is a consequence, not its verdict.
 */
export function classifyFailure(
  run: RunToolResult,
  state: StreamState,
  context: FailureContext,
): AdapterError | undefined {
  if (run.spawnError) return spawnFailure(run.spawnError, context.binaryPath);
  if (context.stoppedForAuth) {
    const retry = state.retries.find(isAuthRetry);
    const status = retry?.error_status == null ? 'refused' : `HTTP ${retry.error_status}`;
    return new AdapterError(
      'auth',
      `'${context.toolId}': the API refused ANTHROPIC_API_KEY (${status}); stopped claude instead of letting it retry a key that cannot work`,
      { retrySameTool: false, hint: claudeHints.refusedKey },
    );
  }
  const stopped = stoppedRunFailure(run, tail(run.stderr), { ...context, note: retriesNote(state.retries) });
  if (stopped) return stopped;
  if (state.result !== undefined) {
    if (isCompletedOverBudget(state)) return undefined;
    if (state.result.is_error === true) return reportedFailure(state, run, context);
    // A result without is_error: true is an answer, whatever the exit status says.
    return undefined;
  }

  const stderr = tail(run.stderr);
  const unreadable = streamOutputFailure(run, stderr, state, context, claudeStream);
  if (unreadable) return unreadable;
  const kind: AdapterErrorKind = authPattern.test(run.stderr) ? 'auth' : 'tool-error';
  // commander's wording for a flag or value this claude does not take: most likely an older release.
  const hint =
    kind === 'tool-error' && /unknown option|error: option/i.test(run.stderr)
      ? ` (check that the installed Claude Code takes these flags; \`claude --version\` should be 2.1 or later)`
      : '';
  return exitFailure(kind, run, stderr, context, { note: hint });
}
