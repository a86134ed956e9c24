import type { AggregateRow, BudgetReporterV1, TelemetryQueryV1 } from '@llm-service/core';
import { Subject, type Observable } from 'rxjs';
import type { SpendPoint, SpendSnapshot } from '../model.js';

export interface SpendFeedOptions {
  query: TelemetryQueryV1;
  /** Absent when no loaded plugin reports budgets: the page then shows none. */
  budgets?: BudgetReporterV1;
  /** Days the charts cover, today included. */
  chartDays?: number;
  /** Recomputes at least this often, so gauges follow period resets even when nothing runs. */
  refreshMs?: number;
  now?: () => Date;
}

const DAY_MS = 86_400_000;

function startOfUtcDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

/** Monday 00:00 UTC of the ISO week holding `at`. */
function startOfUtcWeek(at: Date): Date {
  const day = startOfUtcDay(at);
  return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY_MS);
}

function startOfUtcMonth(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

const dayLabel = (at: Date) => at.toISOString().slice(0, 10);

const toPoints = (rows: readonly AggregateRow[]): SpendPoint[] =>
  rows.map((row) => ({ day: row.group, group: row.subgroup ?? '', costUsd: row.costUsd }));

/**
 * Spend from server-side aggregates: two-level `day × model` and `day × agent` aggregates for the charts (from which
 * the day, week and month totals are summed), month totals per model and agent, savings and budgets. The snapshot is
 * computed off the request path and kept: a page loads it as fast from a million-row database as from an empty one.
 * It is recomputed when the invocation feed reports a change, at most as often as its cost allows (ten times its last
 * duration apart, at least a second), and every `refreshMs`.
 */
export class SpendFeed {
  readonly #options: Required<Omit<SpendFeedOptions, 'budgets'>> & Pick<SpendFeedOptions, 'budgets'>;
  readonly #changes = new Subject<SpendSnapshot>();
  #current: SpendSnapshot | undefined;
  #computing: Promise<SpendSnapshot> | undefined;
  #dirty = false;
  #nextAllowedAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #periodic: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: SpendFeedOptions) {
    this.#options = { chartDays: 30, refreshMs: 60_000, now: () => new Date(), ...options };
  }

  get changes(): Observable<SpendSnapshot> {
    return this.#changes.asObservable();
  }

  current(): SpendSnapshot {
    if (!this.#current) throw new Error('SpendFeed.current() before start()');
    return this.#current;
  }

  async start(): Promise<void> {
    this.#current = await this.#compute();
    this.#periodic = setInterval(() => this.invalidate(), this.#options.refreshMs);
    this.#periodic.unref();
  }

  /** Telemetry changed: recompute when allowed, then publish. */
  invalidate(): void {
    if (this.#closed) return;
    this.#dirty = true;
    if (this.#timer || this.#computing) return;
    const wait = Math.max(0, this.#nextAllowedAt - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#recompute();
    }, wait);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearInterval(this.#periodic);
    await this.#computing?.catch(() => undefined);
    this.#changes.complete();
  }

  async #recompute(): Promise<void> {
    if (!this.#dirty || this.#closed) return;
    this.#dirty = false;
    try {
      const snapshot = await this.#compute();
      this.#current = snapshot;
      if (!this.#closed) this.#changes.next(snapshot);
    } catch {
      // A failed read (the database being migrated, say) keeps the last snapshot; the next change retries.
    }
    if (this.#dirty) this.invalidate();
  }

  #compute(): Promise<SpendSnapshot> {
    const started = Date.now();
    this.#computing = this.#aggregate().finally(() => {
      this.#computing = undefined;
      this.#nextAllowedAt = Date.now() + Math.max(1_000, 10 * (Date.now() - started));
    });
    return this.#computing;
  }

  async #aggregate(): Promise<SpendSnapshot> {
    const started = performance.now();
    const { query, budgets, chartDays } = this.#options;
    const now = this.#options.now();
    const today = startOfUtcDay(now);
    const week = startOfUtcWeek(now);
    const month = startOfUtcMonth(now);
    const chartStart = new Date(today.getTime() - (chartDays - 1) * DAY_MS);
    const since = new Date(Math.min(chartStart.getTime(), week.getTime(), month.getTime()));
    const until = new Date(today.getTime() + DAY_MS);
    const window = { since, until };
    const [byModel, byAgent, modelTotals, agentTotals, savings, report] = await Promise.all([
      query.aggregate({ filter: window, groupBy: 'day', thenBy: 'model' }),
      query.aggregate({ filter: window, groupBy: 'day', thenBy: 'agent' }),
      query.aggregate({ filter: { since: month, until }, groupBy: 'model' }),
      query.aggregate({ filter: { since: month, until }, groupBy: 'agent' }),
      query.savings({ since: month, until }),
      budgets?.report({ now }),
    ]);
    const sumFrom = (start: Date) =>
      byModel.filter((row) => row.group >= dayLabel(start)).reduce((sum, row) => sum + row.costUsd, 0);
    const chartFrom = dayLabel(chartStart);
    return {
      at: now.toISOString(),
      totals: { todayUsd: sumFrom(today), weekUsd: sumFrom(week), monthUsd: sumFrom(month) },
      savings: { ...savings, savedUsd: savings.baselineUsd - savings.actualUsd },
      budgets: report?.budgets ?? null,
      byModel: toPoints(byModel.filter((row) => row.group >= chartFrom)),
      byAgent: toPoints(byAgent.filter((row) => row.group >= chartFrom)),
      modelTotals: [...modelTotals],
      agentTotals: [...agentTotals],
      computeMs: Math.round(performance.now() - started),
    };
  }
}
