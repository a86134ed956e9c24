import type { AttemptRowV1 } from '@llm-service/spec';

/** The columns of `invocations` and the AttemptRowV1 field each holds, in the order writes bind them. */
export const attemptColumns = [
  ['invocation_id', 'invocationId'],
  ['chain_id', 'chainId'],
  ['attempt', 'attempt'],
  ['started_at', 'startedAt'],
  ['finished_at', 'finishedAt'],
  ['project', 'project'],
  ['task_id', 'taskId'],
  ['agent', 'agent'],
  ['task_type', 'taskType'],
  ['tool', 'tool'],
  ['model', 'model'],
  ['reason', 'reason'],
  ['status', 'status'],
  ['error_kind', 'errorKind'],
  ['message', 'message'],
  ['input_tokens', 'inputTokens'],
  ['output_tokens', 'outputTokens'],
  ['cache_read_tokens', 'cacheReadTokens'],
  ['cache_write_tokens', 'cacheWriteTokens'],
  ['cost_usd', 'costUsd'],
  ['cost_source', 'costSource'],
  ['computed_cost_usd', 'computedCostUsd'],
  ['price_hash', 'priceHash'],
  ['baseline_model', 'baselineModel'],
  ['baseline_cost_usd', 'baselineCostUsd'],
  ['latency_ms', 'latencyMs'],
  ['exit_code', 'exitCode'],
  ['session_id', 'sessionId'],
  ['turns', 'turns'],
  ['prompt_hash', 'promptHash'],
  ['prompt_tokens_estimate', 'promptTokensEstimate'],
  ['force_reason', 'forceReason'],
  ['pid', 'pid'],
  ['billing', 'billing'],
  ['answer', 'answer'],
] as const satisfies readonly (readonly [string, keyof AttemptRowV1])[];

/** Every column under its AttemptRowV1 name. */
export const attemptSelect = attemptColumns.map(([column, field]) => `${column} AS "${field}"`).join(', ');

/** The columns of a StoredInvocationV1 (an InvocationRecord and its pid). */
export const storedInvocationSelect = [
  'invocationId',
  'chainId',
  'attempt',
  'startedAt',
  'finishedAt',
  'agent',
  'taskType',
  'tool',
  'model',
  'reason',
  'status',
  'errorKind',
  'inputTokens',
  'outputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'costUsd',
  'costSource',
  'latencyMs',
  'project',
  'message',
  'forceReason',
  'taskId',
  'billing',
  'pid',
]
  .map((field) => {
    const column = attemptColumns.find(([, name]) => name === field)?.[0];
    return `${column} AS "${field}"`;
  })
  .join(', ');
