import { AdapterError, type Usage } from '@llm-service/spec';

/** What a run reported spending before it failed: token usage, the tool's own cost, or both. */
export interface Spending {
  usage?: Usage;
  reportedCostUsd?: number;
}

const spentAnything = (usage: Usage | undefined) =>
  usage !== undefined &&
  usage.inputTokens + usage.outputTokens + usage.cacheReadTokens + usage.cacheWriteTokens > 0;

/**
 * The same failure, carrying what the run spent before it failed (a paid turn before a budget cap, output with usage
 * before a non-zero exit), so the kernel records that cost on the attempt and charges it to the budgets instead of
 * releasing the reservation as if the attempt had cost nothing. A run that reported nothing keeps the error as it is.
 */
export function withSpending(error: AdapterError, spending: Spending | undefined): AdapterError {
  if (!spending) return error;
  const usage = spentAnything(spending.usage) ? spending.usage : undefined;
  if (usage === undefined && spending.reportedCostUsd === undefined) return error;
  return new AdapterError(error.kind, error.message, {
    retrySameTool: error.retrySameTool,
    fallback: error.fallback,
    detail: error.detail,
    exitCode: error.toolExitCode,
    cause: error.cause,
    usage: usage ?? spending.usage,
    reportedCostUsd: spending.reportedCostUsd,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    ...(error.resetsAt === undefined ? {} : { resetsAt: error.resetsAt }),
  });
}
