import { periodsBetween, type CalendarPeriod } from '@llm-service/plugin-kit';
import type {
  AggregateGrouping,
  AggregateRow,
  AggregateSubgrouping,
  InvocationFilter,
  InvocationRecord,
  TelemetryQueryV1,
} from '@llm-service/spec';
import { MissingDatabaseError, type TelemetryStore } from '../store/store.js';
import { filterSql } from './filter-sql.js';
import { p95Sql } from './percentile-sql.js';
import { isAbandoned, type AbandonedCheck } from './processes.js';
import { watchFiles } from './watch-files.js';

export type GroupBy = AggregateGrouping;
/** The second grouping of a two-level aggregate (a chart's series within each day, say). */
export type SubgroupBy = AggregateSubgrouping;

/** What `stats` shows per group (the contract's aggregate). */
export type DetailedAggregateRow = AggregateRow;

/** Tool-reported costs against the price table's, over the attempts a filter selects. */
export interface CostCheck {
  toolReportedCalls: number;
  toolReportedUsd: number;
  /** What the price table gives for those same attempts. */
  computedUsd: number;
  /** Attempts where the two differ by more than 5% (and more than $0.0001). */
  disagreeing: number;
}

export interface RunningRecord extends InvocationRecord {
  pid: number | null;
  /** The process that started it is gone (or it has run implausibly long). */
  abandoned: boolean;
}

/** Money saved by policies in one group of attempts. */
export interface SavingsRow {
  group: string;
  baselineUsd: number;
  actualUsd: number;
  savedUsd: number;
  invocations: number;
}

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

/** Rows of `invocations` as InvocationRecord reads them. */
const recordColumns = `invocation_id AS invocationId, chain_id AS chainId, attempt, started_at AS startedAt,
  finished_at AS finishedAt, agent, task_type AS taskType, tool, model, reason, status, error_kind AS errorKind,
  input_tokens AS inputTokens, output_tokens AS outputTokens, cache_read_tokens AS cacheReadTokens,
  cache_write_tokens AS cacheWriteTokens, cost_usd AS costUsd, cost_source AS costSource, latency_ms AS latencyMs,
  project, message, force_reason AS forceReason, task_id AS taskId, billing`;

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

const calendarPeriods: Record<'day' | 'week' | 'month', CalendarPeriod> = {
  day: 'day',
  week: 'week',
  month: 'month',
};

interface RawAggregate {
  grp: string;
  sub?: string;
  invocations: number;
  successes: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
  estimatedCostUsd: number;
  unknownCostInvocations: number | null;
  averageLatencyMs: number | null;
  p95LatencyMs: number | null;
}

function toDetailed(raw: RawAggregate): DetailedAggregateRow {
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

export interface TelemetryQueryOptions extends AbandonedCheck {
  /** Rows `invocations()` returns when the filter sets no limit. */
  defaultLimit?: number;
  /** The JSONL event stream, when one is configured: `watch()` reports its appends too. */
  jsonlPath?: string;
}

/**
 * TelemetryQueryV1 over the SQLite store. A database that does not exist yet reads as empty; nothing here writes.
 */
export class SqliteTelemetryQuery implements TelemetryQueryV1 {
  readonly specificationVersion = 'v1' as const;
  readonly #store: TelemetryStore;
  readonly #options: TelemetryQueryOptions;

  constructor(store: TelemetryStore, options: TelemetryQueryOptions = {}) {
    this.#store = store;
    this.#options = options;
  }

  async invocations(filter: InvocationFilter): Promise<readonly InvocationRecord[]> {
    return this.invocationsNow(filter);
  }

  /** Synchronous form of `invocations()`, newest first (oldest first with `order: 'asc'`). */
  invocationsNow(filter: InvocationFilter, order: 'asc' | 'desc' = 'desc'): InvocationRecord[] {
    const db = this.#read();
    if (!db) return [];
    const where = filterSql(filter);
    const direction = order === 'asc' ? 'ASC' : 'DESC';
    return db
      .prepare(
        `SELECT ${recordColumns} FROM invocations WHERE ${where.sql} ORDER BY started_at ${direction}, id ${direction} LIMIT ?`,
      )
      .all(...where.parameters, filter.limit ?? this.#options.defaultLimit ?? 1_000) as InvocationRecord[];
  }

  async aggregate(request: {
    filter: InvocationFilter;
    groupBy: GroupBy;
    thenBy?: SubgroupBy;
    timezone?: string;
  }): Promise<readonly AggregateRow[]> {
    return this.aggregateNow(request.filter, request.groupBy, request.timezone, request.thenBy);
  }

  /**
   * Aggregates per group in one pass of SQLite (p95 by nearest rank: of the n successful attempts' latencies
   * sorted, the ceil(0.95 × n)-th; see percentile-sql.ts). Groups by agent, model, tool and task
   * type come most expensive first; days, ISO weeks and months (of `timezone`, default UTC) in time order. With
   * `thenBy`, each group is split by a second column (rows carry `subgroup`), in the same pass.
   */
  aggregateNow(
    filter: InvocationFilter,
    groupBy: GroupBy,
    timezone = 'UTC',
    thenBy?: SubgroupBy,
  ): DetailedAggregateRow[] {
    const db = this.#read();
    if (!db) return [];
    const where = filterSql(filter);
    const subgroup = thenBy === undefined ? '' : `, ${groupColumns[thenBy]} AS sub`;
    const bySubgroup = thenBy === undefined ? '' : ', sub';
    if (groupBy === 'day' || groupBy === 'week' || groupBy === 'month') {
      let since = filter.since;
      let until = filter.until;
      if (!since || !until) {
        const bounds = db
          .prepare(
            `SELECT MIN(started_at) AS first, MAX(started_at) AS last FROM invocations WHERE ${where.sql}`,
          )
          .get(...where.parameters) as { first: string | null; last: string | null };
        if (bounds.first === null || bounds.last === null) return [];
        since ??= new Date(bounds.first);
        until ??= new Date(Date.parse(bounds.last) + 1);
      }
      const buckets = periodsBetween(calendarPeriods[groupBy], since, until, timezone).map((range) => [
        range.start.toISOString(),
        range.end.toISOString(),
        range.label,
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
      return rows.map(toDetailed);
    }
    const rows = db
      .prepare(
        `SELECT ${groupColumns[groupBy]} AS grp${subgroup}, ${aggregateColumns}
         FROM invocations WHERE ${where.sql}
         GROUP BY grp${bySubgroup} ORDER BY costUsd DESC, invocations DESC, grp${bySubgroup}`,
      )
      .all(...where.parameters) as RawAggregate[];
    return rows.map(toDetailed);
  }

  async running(): Promise<readonly InvocationRecord[]> {
    return this.runningNow({}).map(({ pid: _pid, abandoned, ...record }) =>
      abandoned ? { ...record, status: 'abandoned' } : record,
    );
  }

  /** Rows still `running`, each marked abandoned when its process is gone or it is older than the threshold. */
  runningNow(filter: InvocationFilter): RunningRecord[] {
    const db = this.#read();
    if (!db) return [];
    const where = filterSql({ ...filter, status: 'running' });
    const rows = db
      .prepare(`SELECT ${recordColumns}, pid FROM invocations WHERE ${where.sql} ORDER BY started_at`)
      .all(...where.parameters) as (InvocationRecord & { pid: number | null })[];
    return rows.map((row) => ({ ...row, abandoned: isAbandoned(row, this.#options) }));
  }

  async savings(filter: InvocationFilter): Promise<{ baselineUsd: number; actualUsd: number }> {
    return this.savingsNow(filter);
  }

  /** Attempts whose baseline is known: what the agent's requested model would have cost, and what ran (both from
   * the price table, so they compare like with like). */
  savingsNow(filter: InvocationFilter): { baselineUsd: number; actualUsd: number; invocations: number } {
    const db = this.#read();
    if (!db) return { baselineUsd: 0, actualUsd: 0, invocations: 0 };
    const where = filterSql(filter);
    return db
      .prepare(
        `SELECT TOTAL(${baselineExpression}) AS baselineUsd, TOTAL(computed_cost_usd) AS actualUsd, COUNT(*) AS invocations
         FROM invocations i WHERE ${where.sql} AND ${savingsRows}`,
      )
      .get(...where.parameters) as { baselineUsd: number; actualUsd: number; invocations: number };
  }

  /** Savings per policy reason (`cost_optimization`, `escalation`, …) or per agent, most saved first. */
  savingsByNow(filter: InvocationFilter, by: 'reason' | 'agent'): SavingsRow[] {
    const db = this.#read();
    if (!db) return [];
    const where = filterSql(filter);
    const rows = db
      .prepare(
        `SELECT ${by} AS grp, TOTAL(${baselineExpression}) AS baselineUsd, TOTAL(computed_cost_usd) AS actualUsd,
           COUNT(*) AS invocations
         FROM invocations i WHERE ${where.sql} AND ${savingsRows}
         GROUP BY grp ORDER BY baselineUsd - actualUsd DESC, grp`,
      )
      .all(...where.parameters) as {
      grp: string;
      baselineUsd: number;
      actualUsd: number;
      invocations: number;
    }[];
    return rows.map((row) => ({
      group: row.grp,
      baselineUsd: row.baselineUsd,
      actualUsd: row.actualUsd,
      savedUsd: row.baselineUsd - row.actualUsd,
      invocations: row.invocations,
    }));
  }

  /** Average and p95 latency of the successful attempts a filter selects, over all groups at once. */
  latencyNow(filter: InvocationFilter): { average: number | null; p95: number | null } {
    const db = this.#read();
    if (!db) return { average: null, p95: null };
    const where = filterSql({ ...filter, status: 'success' });
    const row = db
      .prepare(
        `SELECT AVG(latency_ms) AS average, ${p95Sql('latency_ms')} AS p95 FROM invocations WHERE ${where.sql}`,
      )
      .get(...where.parameters) as { average: number | null; p95: number | null };
    return { average: row.average === null ? null : Math.round(row.average), p95: row.p95 };
  }

  /** How tool-reported costs compare with the price table (an index holds just those attempts). */
  costCheckNow(filter: InvocationFilter): CostCheck {
    const db = this.#read();
    if (!db) return { toolReportedCalls: 0, toolReportedUsd: 0, computedUsd: 0, disagreeing: 0 };
    const where = filterSql(filter);
    const row = db
      .prepare(
        `SELECT COUNT(*) AS toolReportedCalls, TOTAL(cost_usd) AS toolReportedUsd,
           TOTAL(computed_cost_usd) AS computedUsd,
           TOTAL(ABS(cost_usd - computed_cost_usd) > MAX(0.0001, 0.05 * ABS(computed_cost_usd))) AS disagreeing
         FROM invocations WHERE cost_source = 'tool' AND ${where.sql}`,
      )
      .get(...where.parameters) as CostCheck;
    return { ...row, disagreeing: Math.round(row.disagreeing) };
  }

  /** Rows in the whole database (for "nothing in this window, but N in total"). */
  totalRows(): number {
    const db = this.#read();
    if (!db) return 0;
    return (db.prepare('SELECT COUNT(*) AS n FROM invocations').get() as { n: number }).n;
  }

  watch(onChange: () => void): () => void {
    const files = [this.#store.path, this.#options.jsonlPath].filter((path) => path !== undefined);
    return watchFiles(files, onChange);
  }

  #read() {
    try {
      return this.#store.forRead();
    } catch (error) {
      if (error instanceof MissingDatabaseError) return undefined;
      throw error;
    }
  }
}
