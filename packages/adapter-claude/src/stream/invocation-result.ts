import type { InvocationResult, Usage } from '@llm-service/spec';
import { busiestModel, sumUsage, type Spending } from '@llm-service/plugin-kit';
import type { ResultEvent } from './stream-events.js';
import type { StreamState } from './stream-parser.js';

const count = (value: number | undefined): number =>
  value !== undefined && value > 0 ? Math.round(value) : 0;

/**
 * Token totals of the run. `modelUsage` (per model) is preferred over `usage`: it covers every model the run used
 * (a helper model included) and stays filled where `usage` is zeroed (a run stopped by `--max-budget-usd`).
 * `input_tokens` is already the uncached part, as core's Usage wants; cache creation counts as cache writes.
 */
export function usageOf(result: ResultEvent): Usage {
  const perModel = Object.values(result.modelUsage ?? {});
  if (perModel.length > 0) {
    return sumUsage(
      perModel.map((entry) => ({
        inputTokens: count(entry.inputTokens),
        outputTokens: count(entry.outputTokens),
        cacheReadTokens: count(entry.cacheReadInputTokens),
        cacheWriteTokens: count(entry.cacheCreationInputTokens),
      })),
    );
  }
  return {
    inputTokens: count(result.usage?.input_tokens),
    outputTokens: count(result.usage?.output_tokens),
    cacheReadTokens: count(result.usage?.cache_read_input_tokens),
    cacheWriteTokens: count(result.usage?.cache_creation_input_tokens),
  };
}

/** What a run's result line says it spent, for a run that failed after paying for turns. */
export function spendingOf(result: ResultEvent): Spending {
  return {
    usage: usageOf(result),
    ...(result.total_cost_usd === undefined ? {} : { reportedCostUsd: result.total_cost_usd }),
  };
}

/** The model that did most of the answering when no assistant message named one. */
function answeringModel(result: ResultEvent): string | undefined {
  return busiestModel(
    Object.entries(result.modelUsage ?? {}).map(
      ([model, entry]) => [model, count(entry.outputTokens)] as const,
    ),
  );
}

/** The InvocationResult of a successful run, from its `result` line and what the stream said before it. */
export function toInvocationResult(
  state: StreamState,
  result: ResultEvent,
  context: { requestedModel: string; exitCode: number; processDurationMs: number },
): InvocationResult {
  const sessionId = result.session_id ?? state.init?.session_id;
  return {
    text: result.result ?? state.lastMessageText,
    usage: usageOf(result),
    ...(result.total_cost_usd === undefined ? {} : { reportedCostUsd: result.total_cost_usd }),
    model: state.answerModel ?? answeringModel(result) ?? state.init?.model ?? context.requestedModel,
    exitCode: context.exitCode,
    durationMs: result.duration_ms ?? context.processDurationMs,
    ...(sessionId === undefined ? {} : { sessionId }),
    ...(result.num_turns === undefined ? {} : { turns: result.num_turns }),
  };
}
