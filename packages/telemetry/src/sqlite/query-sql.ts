import type {
  AggregateRow,
  AggregateSubgrouping,
  CostCheckV1,
  InvocationFilter,
  SavingsRowV1,
  StoreAggregateRequestV1,
  StoredInvocationV1,
} from '@llm-service/spec';
import type { Database } from '../store/driver.js';
import { filterSql } from './filter-sql.js';
import { p95Sql } from './percentile-sql.js';

/** Rows `invocations()` returns when the filter sets no limit. */
export const defaultInvocationLimit = 1_000;

/** Attempts that count in savings: finished with a cost, and a baseline priced from the same usage. */
const savingsRows = 'baseline_cost_usd IS NOT NULL AND computed_cost_usd IS NOT NULL';

/**
 * An attempt's baseline: what the requested model would have cost with the same usage. A downgraded attempt whose
 * request then escalated to the requested model saved nothing: the baseline request would not have made it, so its
 * baseline is 0 and its whole cost counts as a loss (the escalation's own row has baseline = actual).
 */
const baselineExpression = `CASE WHEN i.model <> i.baseline_model AND EXISTS (
    SELECT 1 FROM invocations e WHERE e.invocation_id = i.invocation_id AND e.reason = 'escalation'
  ) THEN 0 ELSE i.baseline_cost_usd END`;

/** Rows of `invocations` as StoredInvocationV1 reads them. */
const recordColumns = `invocation_id AS invocationId, chain_id AS chainId, attempt, started_at AS startedAt,
  finished_at AS finishedAt, agent, task_type AS taskType, tool, model, reason, status, error_kind AS errorKind,
  input_tokens AS inputTokens, output_tokens AS outputTokens, cache_read_tokens AS cacheReadTokens,
  cache_write_tokens AS cacheWriteTokens, cost_usd AS costUsd, cost_source AS costSource, latency_ms AS latencyMs,
  project, message, force_reason AS forceReason, task_id AS taskId, billing, pid`;

const aggregateColumns = `COUNT(*) AS invocations,
  SUM(status = 'success') AS successes,
  SUM(input_tokens) AS inputTokens,
  SUM(output_tokens) AS outputTokens,
  SUM(cache_read_tokens) AS cacheReadTokens,
  SUM(cache_write_tokens) AS cacheWriteTokens,
  TOTAL(cost_usd) AS costUsd,
  TOTAL(CASE WHEN cost_source = 'estimated' THEN cost_usd END) AS estimatedCostUsd,
  SUM(cost_source = 'unknown') AS unknownCostInvocations,
  AVG(CASE WHEN status = 'success' THEN latency_ms END) AS averageLatencyMs,
  ${p95Sql("CASE WHEN status = 'success' THEN latency_ms END")} AS p95LatencyMs`;

const groupColumns: Record<AggregateSubgrouping, string> = {
  agent: 'agent',
  model: 'model',
  tool: 'tool',
  'task-type': "COALESCE(task_type, '(none)')",
  project: 'project',
  task: "COALESCE(task_id, '(none)')",
};

interface RawAggregate {
  grp: string;
  sub?: string;
  invocations: number;
  successes: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  costUsd: number;
  estimatedCostUsd: number;
  unknownCostInvocations: number | null;
  averageLatencyMs: number | null;
  p95LatencyMs: number | null;
}

function toAggregateRow(raw: RawAggregate): AggregateRow {
  return {
    group: raw.grp,
    ...(raw.sub === undefined ? {} : { subgroup: raw.sub }),
    invocations: raw.invocations,
    successes: raw.successes ?? 0,
    inputTokens: raw.inputTokens ?? 0,
    outputTokens: raw.outputTokens ?? 0,
    cacheReadTokens: raw.cacheReadTokens ?? 0,
    cacheWriteTokens: raw.cacheWriteTokens ?? 0,
    costUsd: raw.costUsd,
    estimatedCostUsd: raw.estimatedCostUsd,
    unknownCostInvocations: raw.unknownCostInvocations ?? 0,
    averageLatencyMs: raw.averageLatencyMs === null ? null : Math.round(raw.averageLatencyMs),
    p95LatencyMs: raw.p95LatencyMs,
  };
}

export function selectInvocations(
  db: Database,
  filter: InvocationFilter,
  order: 'asc' | 'desc',
): StoredInvocationV1[] {
  const where = filterSql(filter);
  const direction = order === 'asc' ? 'ASC' : 'DESC';
  return db
    .prepare(
      `SELECT ${recordColumns} FROM invocations WHERE ${where.sql}
       ORDER BY started_at ${direction}, id ${direction} LIMIT ?`,
    )
    .all(...where.parameters, filter.limit ?? defaultInvocationLimit) as StoredInvocationV1[];
}

export function selectSpan(db: Database, filter: InvocationFilter): { first: string; last: string } | null {
  const where = filterSql(filter);
  const bounds = db
    .prepare(`SELECT MIN(started_at) AS first, MAX(started_at) AS last FROM invocations WHERE ${where.sql}`)
    .get(...where.parameters) as { first: string | null; last: string | null };
  return bounds.first === null || bounds.last === null ? null : { first: bounds.first, last: bounds.last };
}

/**
 * Aggregates per group in one pass (p95 by nearest rank: see percentile-sql.ts). Column groups come most expensive
 * first; calendar buckets in time order. With `thenBy`, each group is split by a second column, in the same pass.
 */
export function selectAggregate(db: Database, request: StoreAggregateRequestV1): AggregateRow[] {
  const where = filterSql(request.filter);
  const subgroup = request.thenBy === undefined ? '' : `, ${groupColumns[request.thenBy]} AS sub`;
  const bySubgroup = request.thenBy === undefined ? '' : ', sub';
  const { groupBy } = request;
  if (typeof groupBy === 'object') {
    const buckets = groupBy.buckets.map((bucket) => [
      bucket.start.toISOString(),
      bucket.end.toISOString(),
      bucket.label,
    ]);
    const rows = db
      .prepare(
        `WITH buckets AS MATERIALIZED (
           SELECT json_extract(value, '$[0]') AS bucket_start, json_extract(value, '$[1]') AS bucket_end,
                  json_extract(value, '$[2]') AS label
           FROM json_each(?))
         SELECT label AS grp${subgroup}, ${aggregateColumns}
         FROM buckets JOIN invocations ON started_at >= bucket_start AND started_at < bucket_end
         WHERE ${where.sql}
         GROUP BY label${bySubgroup} ORDER BY label${bySubgroup === '' ? '' : ', costUsd DESC, sub'}`,
      )
      .all(JSON.stringify(buckets), ...where.parameters) as RawAggregate[];
    return rows.map(toAggregateRow);
  }
  const rows = db
    .prepare(
      `SELECT ${groupColumns[groupBy]} AS grp${subgroup}, ${aggregateColumns}
       FROM invocations WHERE ${where.sql}
       GROUP BY grp${bySubgroup} ORDER BY costUsd DESC, invocations DESC, grp${bySubgroup}`,
    )
    .all(...where.parameters) as RawAggregate[];
  return rows.map(toAggregateRow);
}

export function selectSavings(
  db: Database,
  filter: InvocationFilter,
  by?: 'reason' | 'agent',
): SavingsRowV1[] {
  const where = filterSql(filter);
  if (by === undefined) {
    const whole = db
      .prepare(
        `SELECT TOTAL(${baselineExpression}) AS baselineUsd, TOTAL(computed_cost_usd) AS actualUsd,
           COUNT(*) AS invocations
         FROM invocations i WHERE ${where.sql} AND ${savingsRows}`,
      )
      .get(...where.parameters) as Omit<SavingsRowV1, 'group'>;
    return [{ group: 'all', ...whole }];
  }
  return db
    .prepare(
      `SELECT ${by} AS "group", TOTAL(${baselineExpression}) AS baselineUsd, TOTAL(computed_cost_usd) AS actualUsd,
         COUNT(*) AS invocations
       FROM invocations i WHERE ${where.sql} AND ${savingsRows}
       GROUP BY ${by} ORDER BY baselineUsd - actualUsd DESC, ${by}`,
    )
    .all(...where.parameters) as SavingsRowV1[];
}

export function selectLatency(
  db: Database,
  filter: InvocationFilter,
): { average: number | null; p95: number | null } {
  const where = filterSql({ ...filter, status: 'success' });
  const row = db
    .prepare(
      `SELECT AVG(latency_ms) AS average, ${p95Sql('latency_ms')} AS p95 FROM invocations WHERE ${where.sql}`,
    )
    .get(...where.parameters) as { average: number | null; p95: number | null };
  return { average: row.average === null ? null : Math.round(row.average), p95: row.p95 };
}

/** How tool-reported costs compare with the price table (an index holds just those attempts). */
export function selectCostCheck(db: Database, filter: InvocationFilter): CostCheckV1 {
  const where = filterSql(filter);
  const row = db
    .prepare(
      `SELECT COUNT(*) AS toolReportedCalls, TOTAL(cost_usd) AS toolReportedUsd,
         TOTAL(computed_cost_usd) AS computedUsd,
         TOTAL(ABS(cost_usd - computed_cost_usd) > MAX(0.0001, 0.05 * ABS(computed_cost_usd))) AS disagreeing
       FROM invocations WHERE cost_source = 'tool' AND ${where.sql}`,
    )
    .get(...where.parameters) as CostCheckV1;
  return { ...row, disagreeing: Math.round(row.disagreeing) };
}

export function selectCount(db: Database): number {
  return (db.prepare('SELECT COUNT(*) AS n FROM invocations').get() as { n: number }).n;
}
