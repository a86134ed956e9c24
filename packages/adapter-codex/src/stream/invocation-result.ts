import { emptyUsage, type InvocationResult, type Usage } from '@llm-service/spec';
import type { CodexUsage } from './codex-events.js';
import type { EventState } from './event-parser.js';

/**
 * codex's usage in core's terms. codex passes the Responses API's counts on: `input_tokens` is the whole prompt,
 * cache reads (`cached_input_tokens`) and writes (`cache_write_input_tokens`) included, so both are taken out of
 * input and counted apart, each priced once at its own rate. `output_tokens` already includes
 * `reasoning_output_tokens` (the API's `output_tokens_details.reasoning_tokens` is a part of its `output_tokens`, and
 * codex 0.169.0 reports the two as the service sent them), so reasoning is priced as output and not added again.
 */
export function usageOf(usage: CodexUsage | undefined): Usage {
  if (usage === undefined) return { ...emptyUsage };
  const cacheReadTokens = Math.min(usage.cached_input_tokens, usage.input_tokens);
  const cacheWriteTokens = Math.min(usage.cache_write_input_tokens, usage.input_tokens - cacheReadTokens);
  return {
    inputTokens: usage.input_tokens - cacheReadTokens - cacheWriteTokens,
    outputTokens: usage.output_tokens,
    cacheReadTokens,
    cacheWriteTokens,
  };
}

/** The InvocationResult of a run that completed its turn. codex does not name the model that answered: it is the one asked for. */
export function toInvocationResult(
  state: EventState,
  context: { requestedModel: string; exitCode: number; durationMs: number },
): InvocationResult {
  return {
    text: state.emittedText,
    usage: usageOf(state.usage),
    model: context.requestedModel,
    exitCode: context.exitCode,
    durationMs: context.durationMs,
    ...(state.threadId === undefined ? {} : { sessionId: state.threadId }),
    turns: state.turnsCompleted,
  };
}
