import { formatLocalDate, localDate } from '@llm-service/plugin-kit';
import type { InvocationFilter, InvocationRecord, AggregateRow } from '@llm-service/spec';
import type { GroupBy, RunningRecord, SavingsRow, TelemetryQuery } from '../query/telemetry-query.js';
import type { ReportWindow } from './window.js';

export type StatsGroupBy = 'agent' | 'model' | 'tool' | 'task-type' | 'project' | 'task' | 'day';

export interface StatsFigures {
  group: string;
  /** Attempts recorded (a fallback chain of three tries counts three), including running and blocked ones. */
  invocations: number;
  successes: number;
  /** successes / invocations; null when there are none. */
  successRate: number | null;
  running: number;
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number; total: number };
  costUsd: number;
  /** The part of `costUsd` estimated from counted tokens (tools that report no usage). */
  estimatedCostUsd: number;
  /** Attempts whose cost is unknown (no usage reported, no estimator loaded): not in `costUsd`. */
  unknownCostCalls: number;
  /** Of successful attempts (p95: the nearest-rank 95th percentile). */
  latencyMs: { average: number | null; p95: number | null };
}

export interface StatsGroup extends StatsFigures {
  /** This group's part of the total: of invocations, and of cost (null when the total cost is zero). */
  share: { invocations: number; costUsd: number | null };
}

/** The documented `stats --json` shape (packages/telemetry/README.md); fields are only ever added. */
export interface StatsReport {
  version: 1;
  database: { path: string; exists: boolean };
  window: {
    period: ReportWindow['period'];
    since: string | null;
    until: string | null;
    timezone: string;
    description: string;
  };
  groupBy: StatsGroupBy;
  chainId: string | null;
  /** The project shown; null for every project (`--all-projects`, a chain or a task). */
  project: string | null;
  /** The task shown (`--task`), or null. */
  taskId: string | null;
  groups: StatsGroup[];
  total: StatsFigures;
  running: { count: number; abandoned: number };
  costCheck: { toolReportedCalls: number; toolReportedUsd: number; computedUsd: number; disagreeing: number };
  /** With --savings: what ran against what the requested models would have cost, in all, by reason and by agent. */
  savings: {
    baselineUsd: number;
    actualUsd: number;
    savedUsd: number;
    invocations: number;
    byReason: SavingsRow[];
    byAgent: SavingsRow[];
  } | null;
  /** The attempts of the chain, oldest first, when --chain-id is given. */
  invocations: InvocationRecord[] | null;
  /** Rows in the whole database, to tell an empty window from an empty database. */
  recordedInTotal: number;
}

export interface StatsRequest {
  databasePath: string;
  databaseExists: boolean;
  window: ReportWindow;
  groupBy: StatsGroupBy;
  chainId: string | undefined;
  taskId: string | undefined;
  project: string | undefined;
  savings: boolean;
}

function figures(row: AggregateRow, running: number): StatsFigures {
  return {
    group: row.group,
    invocations: row.invocations,
    successes: row.successes,
    successRate: row.invocations === 0 ? null : row.successes / row.invocations,
    running,
    tokens: {
      input: row.inputTokens,
      output: row.outputTokens,
      cacheRead: row.cacheReadTokens,
      cacheWrite: row.cacheWriteTokens,
      total: row.inputTokens + row.outputTokens + row.cacheReadTokens + row.cacheWriteTokens,
    },
    costUsd: row.costUsd,
    estimatedCostUsd: row.estimatedCostUsd,
    unknownCostCalls: row.unknownCostInvocations,
    latencyMs: { average: row.averageLatencyMs, p95: row.p95LatencyMs },
  };
}

function emptyRow(group: string): AggregateRow {
  return {
    group,
    invocations: 0,
    successes: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd: 0,
    estimatedCostUsd: 0,
    unknownCostInvocations: 0,
    averageLatencyMs: null,
    p95LatencyMs: null,
  };
}

/** The group a running attempt falls in, as the aggregate query groups it. */
function groupOf(record: RunningRecord, groupBy: StatsGroupBy, timezone: string): string {
  switch (groupBy) {
    case 'agent':
      return record.agent;
    case 'model':
      return record.model;
    case 'tool':
      return record.tool;
    case 'task-type':
      return record.taskType ?? '(none)';
    case 'project':
      return record.project;
    case 'task':
      return record.taskId ?? '(none)';
    case 'day':
      return formatLocalDate(localDate(new Date(record.startedAt), timezone));
  }
}

/**
 * Everything `stats` shows, from the query service: one aggregate pass for the groups; the total's sums come from
 * the groups, its latency from an index-only pass (when there is more than one group); the cost check reads an
 * index of tool-reported attempts only; running attempts come from a partial index.
 */
export async function buildStatsReport(
  query: TelemetryQuery | undefined,
  request: StatsRequest,
): Promise<StatsReport> {
  const { window } = request;
  const filter: InvocationFilter = {
    ...(window.since ? { since: window.since } : {}),
    ...(window.until ? { until: window.until } : {}),
    ...(request.chainId !== undefined ? { chainId: request.chainId } : {}),
    ...(request.project !== undefined ? { project: request.project } : {}),
    ...(request.taskId !== undefined ? { taskId: request.taskId } : {}),
  };
  const rows = query
    ? await query.aggregate({ filter, groupBy: request.groupBy as GroupBy, timezone: window.timezone })
    : [];
  const total = emptyRow('total');
  for (const row of rows) {
    total.invocations += row.invocations;
    total.successes += row.successes;
    total.inputTokens += row.inputTokens;
    total.outputTokens += row.outputTokens;
    total.cacheReadTokens += row.cacheReadTokens;
    total.cacheWriteTokens += row.cacheWriteTokens;
    total.costUsd += row.costUsd;
    total.estimatedCostUsd += row.estimatedCostUsd;
    total.unknownCostInvocations += row.unknownCostInvocations;
  }
  if (rows.length === 1) {
    total.averageLatencyMs = rows[0]!.averageLatencyMs;
    total.p95LatencyMs = rows[0]!.p95LatencyMs;
  } else if (rows.length > 1 && query) {
    const latency = await query.latency(filter);
    total.averageLatencyMs = latency.average;
    total.p95LatencyMs = latency.p95;
  }
  const running = query ? await query.runningDetail(filter) : [];
  const runningByGroup = new Map<string, number>();
  for (const record of running) {
    const group = groupOf(record, request.groupBy, window.timezone);
    runningByGroup.set(group, (runningByGroup.get(group) ?? 0) + 1);
  }
  const costCheck = query
    ? await query.costCheck(filter)
    : { toolReportedCalls: 0, toolReportedUsd: 0, computedUsd: 0, disagreeing: 0 };
  const savings = request.savings && query ? await query.savings(filter) : undefined;
  const byReason = savings && query ? await query.savingsBy(filter, 'reason') : [];
  const byAgent = savings && query ? await query.savingsBy(filter, 'agent') : [];
  const invocations =
    request.chainId !== undefined || request.taskId !== undefined
      ? ((await query?.invocations({ ...filter, limit: 1_000 }, 'asc')) ?? [])
      : null;
  const recordedInTotal = query ? await query.totalRows() : 0;
  return {
    version: 1,
    database: { path: request.databasePath, exists: request.databaseExists },
    window: {
      period: window.period,
      since: window.since?.toISOString() ?? null,
      until: window.until?.toISOString() ?? null,
      timezone: window.timezone,
      description: window.description,
    },
    groupBy: request.groupBy,
    chainId: request.chainId ?? null,
    project: request.project ?? null,
    taskId: request.taskId ?? null,
    groups: rows.map((row) => ({
      ...figures(row, runningByGroup.get(row.group) ?? 0),
      share: {
        invocations: total.invocations === 0 ? 0 : row.invocations / total.invocations,
        costUsd: total.costUsd === 0 ? null : row.costUsd / total.costUsd,
      },
    })),
    total: figures(total, running.length),
    running: { count: running.length, abandoned: running.filter((row) => row.abandoned).length },
    costCheck,
    savings: savings
      ? {
          baselineUsd: savings.baselineUsd,
          actualUsd: savings.actualUsd,
          savedUsd: savings.baselineUsd - savings.actualUsd,
          invocations: savings.invocations,
          byReason,
          byAgent,
        }
      : request.savings
        ? { baselineUsd: 0, actualUsd: 0, savedUsd: 0, invocations: 0, byReason: [], byAgent: [] }
        : null,
    invocations,
    recordedInTotal,
  };
}
