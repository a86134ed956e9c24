import { AdapterError } from '@llm-service/spec';
import {
  agentOptionsOrDefaults,
  prepareRun,
  runWithParser,
  throwIfCancelled,
  type ReportLimits,
  type ToolRun,
  toolRunContext,
  withSpending,
} from '@llm-service/plugin-kit';
import { buildArgs } from '../argv/build-args.js';
import { readAppendSystemPrompt } from '../argv/system-prompt.js';
import { spendingOf, toInvocationResult } from '../stream/invocation-result.js';
import { ClaudeStreamParser } from '../stream/stream-parser.js';
import { classifyFailure, isAuthRetry, planLimitRejection } from './classify-failure.js';
import { claudeAgentOptionsSchema, type ClaudeAgentOptions } from '../config/claude-schema.js';
import type { ClaudeTool } from './settings.js';
import { claudeChildEnvironment, installHint } from './tool-environment.js';

/**
 * The `rejected` reading a plan-limit failure must follow. claude 2.1.328 prints it as a `rate_limit_event` before
 * the refusal; a release that only says `usage_limit_reached` still gets one, from the refusal's own fields.
 */
function reportRejection(state: ClaudeStreamParser['state'], reportLimits: ReportLimits): void {
  const rejection = planLimitRejection(state);
  if (rejection === undefined) return;
  const printed = state.planWindows.some(
    (reading) => reading.window === rejection.window && reading.status === 'rejected',
  );
  if (!printed) reportLimits([rejection]);
}

/**
 * Runs one attempt of `claude` to completion: checks what can be checked before starting anything, streams answer
 * text through `emit` as the model produces it, and turns the outcome into a result or an AdapterError.
 */
export const runInvocation: ToolRun<ClaudeTool, ClaudeAgentOptions> = async (
  request,
  signal,
  emit,
  reportLimits,
) => {
  const options = agentOptionsOrDefaults(request.adapterOptions, claudeAgentOptionsSchema);
  const env = claudeChildEnvironment(request.env, request.tool);
  const prepared = prepareRun(request, env, { installHint });
  if (request.maxBudgetUsd !== undefined && !(request.maxBudgetUsd > 0)) {
    // claude refuses a cap of 0 or less; a run that may spend nothing cannot run at all, here or elsewhere.
    const message = `the per-request cost cap is $${request.maxBudgetUsd}: nothing may be spent`;
    throw new AdapterError('tool-error', message, { fallback: false });
  }
  const args = buildArgs({
    model: request.model,
    options,
    appendSystemPrompt: await readAppendSystemPrompt(options, request.configDir),
    configDir: request.configDir,
    maxBudgetUsd: request.maxBudgetUsd,
  });
  throwIfCancelled(signal);

  // claude retries a 401 like any failed request. A static key from the environment cannot start working on a
  // retry, so the run is stopped at the first refusal and the chain moves on; other credential sources (OAuth, a key
  // helper) may refresh themselves on a retry, so claude is left to finish those.
  const stop = new AbortController();
  const forwardAbort = () => stop.abort(signal.reason);
  signal.addEventListener('abort', forwardAbort, { once: true });
  let stoppedForAuth = false;
  const parser = new ClaudeStreamParser({
    onText: emit,
    onLimits: (windows) => reportLimits(windows),
    onRetry: (retry) => {
      if (isAuthRetry(retry) && parser.state.init?.apiKeySource === 'ANTHROPIC_API_KEY' && !signal.aborted) {
        stoppedForAuth = true;
        stop.abort();
      }
    },
  });
  try {
    const run = await runWithParser(parser, request, { ...prepared, args, env, signal: stop.signal });
    const failure = classifyFailure(run, parser.state, {
      ...toolRunContext(request, prepared.binaryPath),
      stoppedForAuth: stoppedForAuth && !signal.aborted,
    });
    if (failure?.kind === 'plan-limit') reportRejection(parser.state, reportLimits);
    // A run that failed after paid turns (stopped at its budget cap or turn limit) still reported what it spent.
    if (failure) throw withSpending(failure, parser.state.result && spendingOf(parser.state.result));
    throwIfCancelled(signal);
    const result = toInvocationResult(parser.state, parser.state.result!, {
      requestedModel: request.model,
      exitCode: run.exitCode ?? 0,
      processDurationMs: run.durationMs,
    });
    // An answer that came without stream events (a release that stopped sending them) still reaches the caller.
    if (parser.state.emittedText.length === 0 && result.text.length > 0) parser.emitText(result.text);
    return result;
  } finally {
    signal.removeEventListener('abort', forwardAbort);
  }
};
