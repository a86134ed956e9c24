import {
  lazySchema,
  type AggregateRow,
  type BudgetReporterV1,
  type PlanWindowStatusV1,
  type TelemetryQueryV1,
} from '@llm-service/spec';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Subject, type Observable } from 'rxjs';
import { z } from 'zod';
import type { SpendPoint, SpendSnapshot } from '../model.js';

export interface SpendFeedOptions {
  query: TelemetryQueryV1;
  /** Absent when no loaded plugin reports budgets (and plan windows): the page then shows none. */
  budgets?: BudgetReporterV1;
  /** Only this project's spend (the config's, unless `--all-projects`); every project's when absent. */
  project?: string;
  /** Days the charts cover, today included (the month so far is always covered too). */
  chartDays?: number;
  /** How often every day is read again, not only today: catches rows of past days that finished late. */
  fullRefreshMs?: number;
  /** The least time between two reads of today after changes. */
  minIntervalMs?: number;
  now?: () => Date;
}

const DAY_MS = 86_400_000;

const startOfUtcDay = (at: Date) =>
  new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
const startOfUtcMonth = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
/** Monday 00:00 UTC of the ISO week holding `at`. */
function startOfUtcWeek(at: Date): Date {
  const day = startOfUtcDay(at);
  return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY_MS);
}
const dayLabel = (at: Date) => at.toISOString().slice(0, 10);

const isoInstant = lazySchema(() => z.iso.datetime({ offset: true }));

/**
 * A plan window as a budget reporter gives it. Any plugin may provide the reporter, and the page trusts what the
 * server sends, so each window is checked here: one that does not fit is left out rather than drawn wrong.
 */
const planWindowStatus = lazySchema(() =>
  z.object({
    tool: z.string().min(1),
    account: z.string().optional(),
    window: z.string().min(1),
    status: z.enum(['allowed', 'warning', 'rejected']),
    // Past 1 is a provider counting overage past the allowance: a full window, as the contract promises readers 0..1.
    utilization: z
      .number()
      .min(0)
      .transform((share) => Math.min(share, 1))
      .optional(),
    resetsAt: isoInstant.optional(),
    observedAt: isoInstant,
    ageMs: z.number().min(0),
    hold: z
      .object({ tool: z.string(), until: isoInstant, reason: z.string(), window: z.string().optional() })
      .optional(),
  }),
) satisfies z.ZodType<PlanWindowStatusV1>;

/** The report's windows that fit the contract; null when the reporter reports none (no plugin records them). */
function checkedWindows(windows: readonly unknown[] | undefined): PlanWindowStatusV1[] | null {
  if (windows === undefined) return null;
  return windows.flatMap((entry) => {
    const checked = planWindowStatus.safeParse(entry);
    return checked.success ? [checked.data] : [];
  });
}

/** One UTC day's spend, split by model and agent (one two-level aggregate). */
type DaySpend = readonly AggregateRow[];

/** Sums rows by a key into one row per group (latencies cannot be summed: left null), dearest first. */
function totalsBy(rows: readonly AggregateRow[], key: (row: AggregateRow) => string): AggregateRow[] {
  const totals = new Map<string, AggregateRow>();
  for (const row of rows) {
    const group = key(row);
    const total = totals.get(group) ?? {
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
    total.invocations += row.invocations;
    total.successes += row.successes;
    total.inputTokens += row.inputTokens;
    total.outputTokens += row.outputTokens;
    total.cacheReadTokens += row.cacheReadTokens;
    total.cacheWriteTokens += row.cacheWriteTokens;
    total.costUsd += row.costUsd;
    total.estimatedCostUsd += row.estimatedCostUsd;
    total.unknownCostInvocations += row.unknownCostInvocations;
    totals.set(group, total);
  }
  return [...totals.values()].sort((a, b) => b.costUsd - a.costUsd || a.group.localeCompare(b.group));
}

/**
 * Spend from server-side aggregates, kept off the request path: a page loads the kept snapshot as fast from a
 * million-row database as from an empty one. Each UTC day of the charts' window is one aggregate by model then agent
 * (through TelemetryQueryV1), read one day at a time with a turn of the event loop between days, so even a large
 * database never holds up the live feed for more than one day's read. Past days are kept; a change reported by the
 * invocation feed or by telemetry's `watch` reads today again (at most every `minIntervalMs`), and every
 * `fullRefreshMs` all days are read again. Day, week and month totals and the month's totals per model and agent are
 * summed from the days. Budgets and plan windows are read from the budget reporter with every snapshot.
 */
export class SpendFeed {
  readonly #query: TelemetryQueryV1;
  readonly #budgets: BudgetReporterV1 | undefined;
  readonly #project: string | undefined;
  readonly #chartDays: number;
  readonly #fullRefreshMs: number;
  readonly #minIntervalMs: number;
  readonly #now: () => Date;
  readonly #changes = new Subject<SpendSnapshot>();
  readonly #days = new Map<string, DaySpend>();
  #current: SpendSnapshot | undefined;
  #computing: Promise<void> | undefined;
  #todayStale = false;
  #allStale = false;
  #lastTodayRead = 0;
  #timer: NodeJS.Timeout | undefined;
  #periodic: NodeJS.Timeout | undefined;
  #stopWatching: (() => void) | undefined;
  #closed = false;

  constructor(options: SpendFeedOptions) {
    this.#query = options.query;
    this.#budgets = options.budgets;
    this.#project = options.project;
    this.#chartDays = options.chartDays ?? 30;
    this.#fullRefreshMs = options.fullRefreshMs ?? 10 * 60_000;
    this.#minIntervalMs = options.minIntervalMs ?? 1_000;
    this.#now = options.now ?? (() => new Date());
  }

  get changes(): Observable<SpendSnapshot> {
    return this.#changes.asObservable();
  }

  current(): SpendSnapshot {
    if (!this.#current) throw new Error('SpendFeed.current() before start()');
    return this.#current;
  }

  async start(): Promise<void> {
    this.#current = await this.#read(true);
    this.#periodic = setInterval(() => {
      this.#allStale = true;
      this.invalidate();
    }, this.#fullRefreshMs);
    this.#periodic.unref();
    // Telemetry reports any commit to its database, not only invocations: a plan window another process observed
    // changes no invocation, so without this the page would show it only at the next full refresh.
    this.#stopWatching = this.#query.watch?.(() => this.invalidate());
  }

  /** Telemetry changed: read today again when allowed, then publish. */
  invalidate(): void {
    if (this.#closed) return;
    this.#todayStale = true;
    if (this.#timer || this.#computing) return;
    const wait = Math.max(0, this.#lastTodayRead + this.#minIntervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#refresh();
    }, wait);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearInterval(this.#periodic);
    this.#stopWatching?.();
    await this.#computing?.catch(() => undefined);
    this.#changes.complete();
  }

  async #refresh(): Promise<void> {
    if (this.#closed || (!this.#todayStale && !this.#allStale)) return;
    const all = this.#allStale;
    this.#todayStale = false;
    this.#allStale = false;
    const reading = this.#read(all).then(
      (snapshot) => {
        this.#current = snapshot;
        if (!this.#closed) this.#changes.next(snapshot);
      },
      // A failed read (the database being migrated, say) keeps the last snapshot; the next change retries.
      () => undefined,
    );
    this.#computing = reading;
    await reading;
    this.#computing = undefined;
    if (this.#todayStale || this.#allStale) this.invalidate();
  }

  async #read(allDays: boolean): Promise<SpendSnapshot> {
    const started = performance.now();
    const now = this.#now();
    const today = startOfUtcDay(now);
    const week = startOfUtcWeek(now);
    const month = startOfUtcMonth(now);
    const first = Math.min(today.getTime() - (this.#chartDays - 1) * DAY_MS, month.getTime());
    const window: string[] = [];
    for (let day = first; day <= today.getTime(); day += DAY_MS) window.push(dayLabel(new Date(day)));
    for (const day of [...this.#days.keys()]) if (!window.includes(day)) this.#days.delete(day);

    const todayLabel = dayLabel(today);
    for (const day of window) {
      if (!allDays && day !== todayLabel && this.#days.has(day)) continue;
      const since = new Date(`${day}T00:00:00.000Z`);
      const rows = await this.#query.aggregate({
        filter: { ...this.#scope(), since, until: new Date(since.getTime() + DAY_MS) },
        groupBy: 'model',
        thenBy: 'agent',
      });
      this.#days.set(day, rows);
      if (day === todayLabel) this.#lastTodayRead = Date.now();
      await nextTurn();
    }
    const [savings, report] = await Promise.all([
      this.#query.savings({ ...this.#scope(), since: month, until: new Date(today.getTime() + DAY_MS) }),
      this.#budgets?.report({ now }),
    ]);

    const daysFrom = (start: Date) => window.filter((day) => day >= dayLabel(start));
    const rowsOf = (days: readonly string[]) => days.flatMap((day) => this.#days.get(day) ?? []);
    const costOf = (days: readonly string[]) => rowsOf(days).reduce((sum, row) => sum + row.costUsd, 0);
    const unknownOf = (days: readonly string[]) =>
      rowsOf(days).reduce((sum, row) => sum + (row.unknownCostInvocations ?? 0), 0);
    const pointsBy = (key: (row: AggregateRow) => string): SpendPoint[] =>
      window.flatMap((day) =>
        totalsBy(this.#days.get(day) ?? [], key)
          .filter((row) => row.invocations > 0)
          .map((row) => ({ day, group: row.group, costUsd: row.costUsd })),
      );
    const monthRows = rowsOf(daysFrom(month));
    return {
      at: now.toISOString(),
      totals: {
        todayUsd: costOf([todayLabel]),
        weekUsd: costOf(daysFrom(week)),
        monthUsd: costOf(daysFrom(month)),
      },
      savings: { ...savings, savedUsd: savings.baselineUsd - savings.actualUsd },
      budgets: report?.budgets ?? null,
      windows: checkedWindows(report?.windows),
      byModel: pointsBy((row) => row.group),
      byAgent: pointsBy((row) => row.subgroup ?? ''),
      modelTotals: totalsBy(monthRows, (row) => row.group),
      agentTotals: totalsBy(monthRows, (row) => row.subgroup ?? ''),
      computeMs: Math.round(performance.now() - started),
      unknownCosts: {
        today: unknownOf([todayLabel]),
        week: unknownOf(daysFrom(week)),
        month: unknownOf(daysFrom(month)),
      },
    };
  }

  /** The filter part that limits every read to the project, when there is one. */
  #scope(): { project?: string } {
    return this.#project === undefined ? {} : { project: this.#project };
  }
}
