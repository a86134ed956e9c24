import { emptyUsage, type InvocationResult, type Usage } from '@llm-service/spec';
import { busiestModel, sumUsage, type Spending } from '@llm-service/plugin-kit';
import type { ModelStats, ResultEvent } from './stream-events.js';
import type { StreamState } from './stream-parser.js';

const count = (value: number | undefined): number =>
  value !== undefined && value > 0 ? Math.round(value) : 0;

/**
 * One model's usage. Uncached input is `input` (gemini's `prompt − cached`, computed the same way when absent); cache
 * reads are `cached`; output is the candidates plus the thought tokens, which Google bills as output. stream-json
 * lists no thought count of its own, but its `total_tokens` is the API's `totalTokenCount`, the prompt plus
 * candidates plus thoughts: what is left of the total once prompt and candidates are taken out is the thoughts. (A
 * built-in tool's `toolUsePromptTokenCount` would land there too; the Gemini CLI's own tools send none.)
 */
export function modelUsage(stats: ModelStats): Usage {
  const prompt = count(stats.input_tokens);
  const cached = count(stats.cached);
  const candidates = count(stats.output_tokens);
  const thoughts = Math.max(0, count(stats.total_tokens) - prompt - candidates);
  return {
    inputTokens: stats.input === undefined ? Math.max(0, prompt - cached) : count(stats.input),
    outputTokens: candidates + thoughts,
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
  };
}

/**
 * Token totals of the run, summed over every model it used (a helper model included). The run-wide figures are used
 * only when the result line has no per-model ones.
 */
export function usageOf(result: ResultEvent): Usage {
  const stats = result.stats;
  if (stats === undefined) return { ...emptyUsage };
  const perModel = Object.values(stats.models ?? {});
  if (perModel.length === 0) return modelUsage(stats);
  return sumUsage(perModel.map(modelUsage));
}

/** What a failed run's result line says it spent (a turn before a tool failure, say). */
export function spendingOf(result: ResultEvent | undefined): Spending | undefined {
  return result === undefined ? undefined : { usage: usageOf(result) };
}

/** The model that did most of the answering. */
function answeringModel(result: ResultEvent): string | undefined {
  return busiestModel(
    Object.entries(result.stats?.models ?? {}).map(
      ([model, stats]) => [model, modelUsage(stats).outputTokens] as const,
    ),
  );
}

/** The InvocationResult of a successful run, from its `result` line and what the stream said before it. */
export function toInvocationResult(
  state: StreamState,
  result: ResultEvent,
  context: { requestedModel: string; exitCode: number; processDurationMs: number },
): InvocationResult {
  const sessionId = state.init?.session_id;
  return {
    text: state.emittedText,
    usage: usageOf(result),
    // A result line without stats (a release that dropped them) says nothing of usage: the kernel then estimates it.
    ...(result.stats === undefined ? { usageReported: false } : {}),
    model: answeringModel(result) ?? state.init?.model ?? context.requestedModel,
    exitCode: context.exitCode,
    durationMs: context.processDurationMs,
    ...(sessionId === undefined ? {} : { sessionId }),
  };
}
