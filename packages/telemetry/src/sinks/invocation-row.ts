import type { AttemptRowV1, AttemptStatus } from '@llm-service/spec';

export type InvocationStatus = AttemptStatus;

/**
 * One attempt's row as the sink builds it. `promptHash` holds the plain SHA-256 until the row is written: it is keyed
 * with the store's secret then (a spooled row keeps it plain until it is replayed).
 */
export type InvocationRow = AttemptRowV1;

/** A row with every field present, so all rows share one object shape (a spread here costs microseconds). */
export function emptyRow(
  fields: Pick<InvocationRow, 'invocationId' | 'chainId' | 'attempt' | 'startedAt'>,
): InvocationRow {
  return {
    invocationId: fields.invocationId,
    chainId: fields.chainId,
    attempt: fields.attempt,
    startedAt: fields.startedAt,
    finishedAt: null,
    project: 'default',
    taskId: null,
    agent: 'unknown',
    taskType: null,
    tool: 'unknown',
    model: 'unknown',
    reason: 'unknown',
    status: 'running',
    errorKind: null,
    message: null,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: null,
    costSource: null,
    computedCostUsd: null,
    priceHash: null,
    baselineModel: null,
    baselineCostUsd: null,
    latencyMs: null,
    exitCode: null,
    sessionId: null,
    turns: null,
    promptHash: null,
    promptTokensEstimate: null,
    forceReason: null,
    pid: null,
    // What an attempt of a kernel before plugin API 1.9 was: paid by the token.
    billing: 'api',
    answer: null,
  };
}
