import { periodsBetween, type CalendarPeriod } from '@llm-service/plugin-kit';
import type {
  AggregateGrouping,
  AggregateRow,
  AggregateSubgrouping,
  CostCheckV1,
  InvocationFilter,
  InvocationRecord,
  SavingsRowV1,
  StoredInvocationV1,
  TelemetryQueryV1,
  TelemetryStoreV1,
} from '@llm-service/spec';
import { isAbandoned, type AbandonedCheck } from './processes.js';

export type GroupBy = AggregateGrouping;
/** The second grouping of a two-level aggregate (a chart's series within each day, say). */
export type SubgroupBy = AggregateSubgrouping;

/** What `stats` shows per group (the contract's aggregate). */
export type DetailedAggregateRow = AggregateRow;

/** Tool-reported costs against the price table's, over the attempts a filter selects. */
export type CostCheck = CostCheckV1;

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

const calendarPeriods: Record<'day' | 'week' | 'month', CalendarPeriod> = {
  day: 'day',
  week: 'week',
  month: 'month',
};

export interface TelemetryQueryOptions extends AbandonedCheck {
  /** Work to finish before a read: this process's queued attempts, so a reader sees every event so far. */
  beforeRead?: () => Promise<void> | void;
}

const withoutPid = ({ pid: _pid, ...record }: StoredInvocationV1): InvocationRecord => record;

/**
 * TelemetryQueryV1 over a telemetry store, and the richer reads `stats` makes. The rules live here: calendar buckets
 * in the reader's time zone, when a running attempt counts as abandoned; the store answers the questions.
 */
export class TelemetryQuery implements TelemetryQueryV1 {
  readonly specificationVersion = 'v1' as const;
  readonly #store: TelemetryStoreV1;
  readonly #options: TelemetryQueryOptions;

  constructor(store: TelemetryStoreV1, options: TelemetryQueryOptions = {}) {
    this.#store = store;
    this.#options = options;
  }

  async invocations(filter: InvocationFilter, order: 'asc' | 'desc' = 'desc'): Promise<InvocationRecord[]> {
    await this.#options.beforeRead?.();
    return (await this.#store.invocations(filter, order)).map(withoutPid);
  }

  /**
   * Aggregates per group (p95 by nearest rank: of the n successful attempts' latencies sorted, the ceil(0.95 × n)-th).
   * Groups by agent, model, tool and task type come most expensive first; days, ISO weeks and months (of `timezone`,
   * default UTC) in time order. With `thenBy`, each group is split by a second column (rows carry `subgroup`).
   */
  async aggregate(request: {
    filter: InvocationFilter;
    groupBy: GroupBy;
    thenBy?: SubgroupBy;
    timezone?: string;
  }): Promise<AggregateRow[]> {
    await this.#options.beforeRead?.();
    const { filter, groupBy, thenBy } = request;
    const split = thenBy === undefined ? {} : { thenBy };
    if (groupBy !== 'day' && groupBy !== 'week' && groupBy !== 'month')
      return this.#store.aggregate({ filter, groupBy, ...split });
    let since = filter.since;
    let until = filter.until;
    if (!since || !until) {
      const span = await this.#store.span(filter);
      if (!span) return [];
      since ??= new Date(span.first);
      until ??= new Date(Date.parse(span.last) + 1);
    }
    const buckets = periodsBetween(calendarPeriods[groupBy], since, until, request.timezone ?? 'UTC');
    return this.#store.aggregate({ filter, groupBy: { buckets }, ...split });
  }

  async running(): Promise<InvocationRecord[]> {
    return (await this.runningDetail({})).map(({ pid: _pid, abandoned, ...record }) =>
      abandoned ? { ...record, status: 'abandoned' } : record,
    );
  }

  /** Attempts still `running`, oldest first, each marked abandoned when its process is gone or it ran too long. */
  async runningDetail(filter: InvocationFilter): Promise<RunningRecord[]> {
    await this.#options.beforeRead?.();
    const rows = await this.#store.invocations({ ...filter, status: 'running' }, 'asc');
    return rows.map((row) => ({ ...row, abandoned: isAbandoned(row, this.#options) }));
  }

  /** Attempts whose baseline is known: what the agent's requested model would have cost, and what ran (both from
   * the price table, so they compare like with like). */
  async savings(
    filter: InvocationFilter,
  ): Promise<{ baselineUsd: number; actualUsd: number; invocations: number }> {
    await this.#options.beforeRead?.();
    const [whole] = await this.#store.savings(filter);
    return whole
      ? { baselineUsd: whole.baselineUsd, actualUsd: whole.actualUsd, invocations: whole.invocations }
      : { baselineUsd: 0, actualUsd: 0, invocations: 0 };
  }

  /** Savings per policy reason (`cost_optimization`, `escalation`, …) or per agent, most saved first. */
  async savingsBy(filter: InvocationFilter, by: 'reason' | 'agent'): Promise<SavingsRow[]> {
    await this.#options.beforeRead?.();
    const rows: SavingsRowV1[] = await this.#store.savings(filter, by);
    return rows.map((row) => ({ ...row, savedUsd: row.baselineUsd - row.actualUsd }));
  }

  /** Average and p95 latency of the successful attempts a filter selects, over all groups at once. */
  async latency(filter: InvocationFilter): Promise<{ average: number | null; p95: number | null }> {
    await this.#options.beforeRead?.();
    return this.#store.latency(filter);
  }

  /** How tool-reported costs compare with the price table. */
  async costCheck(filter: InvocationFilter): Promise<CostCheck> {
    await this.#options.beforeRead?.();
    return this.#store.costCheck(filter);
  }

  /** Rows in the whole store (for "nothing in this window, but N in total"). */
  async totalRows(): Promise<number> {
    await this.#options.beforeRead?.();
    return this.#store.count();
  }

  watch(onChange: () => void): () => void {
    if (this.#store.watch) return this.#store.watch(onChange);
    // A store that cannot say when it changed: readers hear from it every few seconds.
    const timer = setInterval(onChange, 2_000);
    timer.unref();
    return () => clearInterval(timer);
  }
}
