import type { Billing, CostSource } from '@llm-service/spec';

/** Every column of `invocations` but `id`, in the order the INSERT statement binds them. */
export const invocationColumns = [
  'invocation_id',
  'chain_id',
  'attempt',
  'started_at',
  'finished_at',
  'agent',
  'task_type',
  'tool',
  'model',
  'reason',
  'status',
  'error_kind',
  'message',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'total_tokens',
  'cost_usd',
  'cost_source',
  'computed_cost_usd',
  'price_hash',
  'baseline_model',
  'baseline_cost_usd',
  'latency_ms',
  'exit_code',
  'session_id',
  'turns',
  'prompt_sha256',
  'prompt_tokens_estimate',
  'force_reason',
  'pid',
  'project',
  'task_id',
  'billing',
] as const;

export type InvocationStatus = 'running' | 'success' | 'failed' | 'blocked' | 'timeout' | 'cancelled';

/** One row of `invocations` as the sink builds it (prompt_sha256 still the plain hash until it is written). */
export interface InvocationRow {
  invocationId: string;
  chainId: string;
  attempt: number;
  startedAt: string;
  finishedAt: string | null;
  agent: string;
  taskType: string | null;
  tool: string;
  model: string;
  reason: string;
  status: InvocationStatus;
  errorKind: string | null;
  message: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number | null;
  costSource: CostSource | null;
  computedCostUsd: number | null;
  priceHash: string | null;
  baselineModel: string | null;
  baselineCostUsd: number | null;
  latencyMs: number | null;
  exitCode: number | null;
  sessionId: string | null;
  turns: number | null;
  promptSha256: string | null;
  promptTokensEstimate: number | null;
  forceReason: string | null;
  pid: number | null;
  project: string;
  taskId: string | null;
  billing: Billing;
}

export const insertInvocationSql = `INSERT INTO invocations (${invocationColumns.join(', ')}) VALUES (${invocationColumns
  .map(() => '?')
  .join(', ')})`;

/** The INSERT's parameters; `keyedHash` replaces the plain prompt hash. */
export function insertParameters(row: InvocationRow, keyedHash: string | null): unknown[] {
  return [
    row.invocationId,
    row.chainId,
    row.attempt,
    row.startedAt,
    row.finishedAt,
    row.agent,
    row.taskType,
    row.tool,
    row.model,
    row.reason,
    row.status,
    row.errorKind,
    row.message,
    row.inputTokens,
    row.outputTokens,
    row.cacheReadTokens,
    row.cacheWriteTokens,
    row.inputTokens + row.outputTokens + row.cacheReadTokens + row.cacheWriteTokens,
    row.costUsd,
    row.costSource,
    row.computedCostUsd,
    row.priceHash,
    row.baselineModel,
    row.baselineCostUsd,
    row.latencyMs,
    row.exitCode,
    row.sessionId,
    row.turns,
    keyedHash,
    row.promptTokensEstimate,
    row.forceReason,
    row.pid,
    row.project,
    row.taskId,
    row.billing,
  ];
}

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
    promptSha256: null,
    promptTokensEstimate: null,
    forceReason: null,
    pid: null,
    project: 'default',
    taskId: null,
    // What an attempt of a kernel before plugin API 1.9 was: paid by the token.
    billing: 'api',
  };
}
