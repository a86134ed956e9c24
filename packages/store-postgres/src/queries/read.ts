import type {
  AggregateRow,
  AggregateSubgrouping,
  AttemptRowV1,
  CostCheckV1,
  InvocationFilter,
  SavingsRowV1,
  StoreAggregateRequestV1,
  StoredInvocationV1,
} from '@llm-service/spec';
import type { ClientBase } from 'pg';
import { schemaName } from '../schema/migrations.js';
import { filterSql, Parameters } from './filter.js';
import { attemptSelect, storedInvocationSelect } from './rows.js';

const invocations = `${schemaName}.invocations`;

/** Rows `invocations()` returns when the filter sets no limit. */
const defaultLimit = 1_000;

/**
 * The 95th percentile by nearest rank: of the n values sorted, the ceil(0.95 × n)-th. That is PostgreSQL's
 * `percentile_disc` (the first value whose position reaches the fraction), so no arithmetic of ours is needed; the
 * double 0.95 is a hair below 0.95, so the product never rounds up past an integer rank. percentile.test.ts checks
 * it against a sort.
 */
const p95 = (values: string) => `percentile_disc(0.95) WITHIN GROUP (ORDER BY ${values})`;

const aggregateColumns = `COUNT(*) AS invocations,
  COUNT(*) FILTER (WHERE status = 'success') AS successes,
  COALESCE(SUM(input_tokens), 0) AS "inputTokens",
  COALESCE(SUM(output_tokens), 0) AS "outputTokens",
  COALESCE(SUM(cache_read_tokens), 0) AS "cacheReadTokens",
  COALESCE(SUM(cache_write_tokens), 0) AS "cacheWriteTokens",
  COALESCE(SUM(cost_usd), 0) AS "costUsd",
  COALESCE(SUM(cost_usd) FILTER (WHERE cost_source = 'estimated'), 0) AS "estimatedCostUsd",
  COUNT(*) FILTER (WHERE cost_source = 'unknown') AS "unknownCostInvocations",
  AVG(latency_ms) FILTER (WHERE status = 'success') AS "averageLatencyMs",
  ${p95('latency_ms')} FILTER (WHERE status = 'success') AS "p95LatencyMs"`;

const groupColumns: Record<AggregateSubgrouping, string> = {
  agent: 'agent',
  model: 'model',
  tool: 'tool',
  'task-type': "COALESCE(task_type, '(none)')",
  project: 'project',
  task: "COALESCE(task_id, '(none)')",
};

type RawAggregate = Omit<AggregateRow, 'group' | 'subgroup'> & { grp: string; sub?: string };

function toRow(raw: RawAggregate): AggregateRow {
  const { grp, sub, averageLatencyMs, ...numbers } = raw;
  return {
    group: grp,
    ...(sub === undefined ? {} : { subgroup: sub }),
    ...numbers,
    averageLatencyMs: averageLatencyMs === null ? null : Math.round(averageLatencyMs),
  };
}

export async function selectInvocations(
  client: ClientBase,
  filter: InvocationFilter,
  order: 'asc' | 'desc',
): Promise<StoredInvocationV1[]> {
  const parameters = new Parameters();
  const where = filterSql(filter, parameters);
  const direction = order === 'asc' ? 'ASC' : 'DESC';
  const limit = parameters.add(filter.limit ?? defaultLimit);
  const result = await client.query<StoredInvocationV1>(
    `SELECT ${storedInvocationSelect} FROM ${invocations} WHERE ${where}
     ORDER BY started_at ${direction}, id ${direction} LIMIT ${limit}`,
    parameters.values,
  );
  return result.rows;
}

export async function selectSpan(
  client: ClientBase,
  filter: InvocationFilter,
): Promise<{ first: string; last: string } | null> {
  const parameters = new Parameters();
  const result = await client.query<{ first: string | null; last: string | null }>(
    `SELECT MIN(started_at) AS first, MAX(started_at) AS last FROM ${invocations}
     WHERE ${filterSql(filter, parameters)}`,
    parameters.values,
  );
  const row = result.rows[0];
  return row?.first && row.last ? { first: row.first, last: row.last } : null;
}

/** One pass per request: column groups most expensive first, buckets in the order given (time order). */
export async function selectAggregate(
  client: ClientBase,
  request: StoreAggregateRequestV1,
): Promise<AggregateRow[]> {
  const parameters = new Parameters();
  const subgroup = request.thenBy === undefined ? '' : `, ${groupColumns[request.thenBy]} AS sub`;
  const bySubgroup = request.thenBy === undefined ? '' : ', sub';
  if (typeof request.groupBy === 'object') {
    const { buckets } = request.groupBy;
    if (buckets.length === 0) return [];
    const starts = parameters.add(buckets.map((bucket) => bucket.start.toISOString()));
    const ends = parameters.add(buckets.map((bucket) => bucket.end.toISOString()));
    const labels = parameters.add(buckets.map((bucket) => bucket.label));
    const where = filterSql(request.filter, parameters, 'i.');
    const result = await client.query<RawAggregate>(
      `SELECT b.label AS grp${subgroup}, ${aggregateColumns}
       FROM unnest(${starts}::timestamptz[], ${ends}::timestamptz[], ${labels}::text[])
              WITH ORDINALITY AS b(bucket_start, bucket_end, label, position)
       JOIN ${invocations} i ON i.started_at >= b.bucket_start AND i.started_at < b.bucket_end
       WHERE ${where}
       GROUP BY b.position, b.label${bySubgroup}
       ORDER BY b.position${bySubgroup === '' ? '' : ', "costUsd" DESC, sub'}`,
      parameters.values,
    );
    return result.rows.map(toRow);
  }
  const where = filterSql(request.filter, parameters);
  const result = await client.query<RawAggregate>(
    `SELECT ${groupColumns[request.groupBy]} AS grp${subgroup}, ${aggregateColumns}
     FROM ${invocations} WHERE ${where}
     GROUP BY grp${bySubgroup} ORDER BY "costUsd" DESC, invocations DESC, grp${bySubgroup}`,
    parameters.values,
  );
  return result.rows.map(toRow);
}

/** Attempts that count in savings: both the baseline and what ran priced from the same usage. */
const savingsRows = 'i.baseline_cost_usd IS NOT NULL AND i.computed_cost_usd IS NOT NULL';

/**
 * A downgraded attempt whose request then escalated saved nothing: the baseline request would not have needed it,
 * so its baseline is 0 and its whole cost a loss (the escalation's own row has baseline = actual).
 */
const baseline = `CASE WHEN i.model <> i.baseline_model AND EXISTS (
    SELECT 1 FROM ${invocations} e WHERE e.invocation_id = i.invocation_id AND e.reason = 'escalation'
  ) THEN 0 ELSE i.baseline_cost_usd END`;

/** Whole: one row whose group is `all`. By reason or agent: most saved first. */
export async function selectSavings(
  client: ClientBase,
  filter: InvocationFilter,
  by: 'reason' | 'agent' | undefined,
): Promise<SavingsRowV1[]> {
  const parameters = new Parameters();
  const where = filterSql(filter, parameters, 'i.');
  const group = by === undefined ? "'all'::text" : `i.${by}`;
  const result = await client.query<SavingsRowV1>(
    `SELECT ${group} AS "group", COALESCE(SUM(${baseline}), 0) AS "baselineUsd",
       COALESCE(SUM(i.computed_cost_usd), 0) AS "actualUsd", COUNT(*) AS invocations
     FROM ${invocations} i WHERE ${where} AND ${savingsRows}
     ${by === undefined ? '' : `GROUP BY i.${by} ORDER BY COALESCE(SUM(${baseline}), 0) - COALESCE(SUM(i.computed_cost_usd), 0) DESC, i.${by}`}`,
    parameters.values,
  );
  return result.rows;
}

export async function selectLatency(
  client: ClientBase,
  filter: InvocationFilter,
): Promise<{ average: number | null; p95: number | null }> {
  const parameters = new Parameters();
  const where = filterSql({ ...filter, status: 'success' }, parameters);
  const result = await client.query<{ average: number | null; p95: number | null }>(
    `SELECT AVG(latency_ms) AS average, ${p95('latency_ms')} AS p95 FROM ${invocations} WHERE ${where}`,
    parameters.values,
  );
  const row = result.rows[0] ?? { average: null, p95: null };
  return { average: row.average === null ? null : Math.round(row.average), p95: row.p95 };
}

export async function selectCostCheck(client: ClientBase, filter: InvocationFilter): Promise<CostCheckV1> {
  const parameters = new Parameters();
  const where = filterSql(filter, parameters);
  const result = await client.query<CostCheckV1>(
    `SELECT COUNT(*) AS "toolReportedCalls", COALESCE(SUM(cost_usd), 0) AS "toolReportedUsd",
       COALESCE(SUM(computed_cost_usd), 0) AS "computedUsd",
       COUNT(*) FILTER (WHERE ABS(cost_usd - computed_cost_usd) > GREATEST(0.0001, 0.05 * ABS(computed_cost_usd)))
         AS disagreeing
     FROM ${invocations} WHERE cost_source = 'tool' AND ${where}`,
    parameters.values,
  );
  return result.rows[0] ?? { toolReportedCalls: 0, toolReportedUsd: 0, computedUsd: 0, disagreeing: 0 };
}

export async function countAll(client: ClientBase): Promise<number> {
  const result = await client.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${invocations}`);
  return result.rows[0]?.n ?? 0;
}

/** Keyset paging on the unique (invocation_id, attempt) index, in byte order of the id as SQLite's. */
export async function selectExport(
  client: ClientBase,
  after: { invocationId: string; attempt: number } | undefined,
  limit: number,
): Promise<AttemptRowV1[]> {
  const result = after
    ? await client.query<AttemptRowV1>(
        `SELECT ${attemptSelect} FROM ${invocations} WHERE (invocation_id, attempt) > ($1, $2)
         ORDER BY invocation_id, attempt LIMIT $3`,
        [after.invocationId, after.attempt, limit],
      )
    : await client.query<AttemptRowV1>(
        `SELECT ${attemptSelect} FROM ${invocations} ORDER BY invocation_id, attempt LIMIT $1`,
        [limit],
      );
  return result.rows;
}
