import { describe, expect, it } from 'vitest';
import type {
  AggregateRow,
  BudgetReporterV1,
  BudgetReportV1,
  InvocationFilter,
  PlanWindowStatusV1,
  TelemetryQueryV1,
} from '@llm-service/spec';
import { SpendFeed } from './spend-feed.js';

const row = (model: string, agent: string, costUsd: number): AggregateRow => ({
  group: model,
  subgroup: agent,
  invocations: 1,
  successes: 1,
  inputTokens: 10,
  outputTokens: 5,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  costUsd,
  estimatedCostUsd: 0,
  unknownCostInvocations: 0,
  averageLatencyMs: 100,
  p95LatencyMs: 100,
});

/** Aggregates by UTC day from a table the test edits, recording which days were read. */
function telemetryOf(spendByDay: Map<string, AggregateRow[]>) {
  const daysRead: string[] = [];
  const projects: (string | undefined)[] = [];
  const query = {
    specificationVersion: 'v1',
    aggregate: async ({
      filter,
      groupBy,
      thenBy,
    }: {
      filter: InvocationFilter;
      groupBy: string;
      thenBy?: string;
    }) => {
      expect([groupBy, thenBy]).toEqual(['model', 'agent']);
      const day = filter.since!.toISOString().slice(0, 10);
      expect(filter.until!.getTime() - filter.since!.getTime()).toBe(86_400_000);
      daysRead.push(day);
      projects.push(filter.project);
      return spendByDay.get(day) ?? [];
    },
    savings: async (filter: InvocationFilter) => {
      projects.push(filter.project);
      return { baselineUsd: 5, actualUsd: 3 };
    },
  } as unknown as TelemetryQueryV1;
  return { query, daysRead, projects };
}

describe('the spend feed', () => {
  // Wednesday 2 December 2026: the ISO week began on Monday 30 November, the month on the 1st.
  const now = () => new Date('2026-12-02T15:00:00Z');

  it('sums today, the week and the month from one aggregate a day, and totals by model and agent', async () => {
    const spend = new Map([
      ['2026-11-29', [row('opus', 'writer', 4)]],
      ['2026-11-30', [row('opus', 'writer', 2), row('haiku', 'writer', 0.5)]],
      ['2026-12-01', [row('haiku', 'architect', 1)]],
      ['2026-12-02', [row('opus', 'architect', 3), row('haiku', 'writer', 0.25)]],
    ]);
    const { query, daysRead } = telemetryOf(spend);
    const feed = new SpendFeed({ query, now, chartDays: 7 });
    await feed.start();
    const snapshot = feed.current();
    await feed.close();
    expect(daysRead).toEqual([
      '2026-11-26',
      '2026-11-27',
      '2026-11-28',
      '2026-11-29',
      '2026-11-30',
      '2026-12-01',
      '2026-12-02',
    ]);
    expect(snapshot.totals).toEqual({ todayUsd: 3.25, weekUsd: 6.75, monthUsd: 4.25 });
    expect(snapshot.savings).toEqual({ baselineUsd: 5, actualUsd: 3, savedUsd: 2 });
    expect(snapshot.budgets).toBeNull();
    expect(snapshot.byAgent.filter((point) => point.day === '2026-11-30')).toEqual([
      { day: '2026-11-30', group: 'writer', costUsd: 2.5 },
    ]);
    expect(snapshot.modelTotals.map((total) => [total.group, total.costUsd, total.invocations])).toEqual([
      ['opus', 3, 1],
      ['haiku', 1.25, 2],
    ]);
    expect(snapshot.agentTotals.map((total) => [total.group, total.costUsd])).toEqual([
      ['architect', 4],
      ['writer', 0.25],
    ]);
  });

  it('reads only today again after a change, and publishes the new snapshot', async () => {
    const spend = new Map([['2026-12-01', [row('opus', 'writer', 1)]]]);
    const { query, daysRead } = telemetryOf(spend);
    const feed = new SpendFeed({ query, now, chartDays: 3, minIntervalMs: 0 });
    await feed.start();
    daysRead.length = 0;
    spend.set('2026-12-02', [row('opus', 'writer', 2)]);
    const published = new Promise((resolve) => feed.changes.subscribe(resolve));
    feed.invalidate();
    const snapshot = (await published) as ReturnType<SpendFeed['current']>;
    await feed.close();
    expect(daysRead).toEqual(['2026-12-02']);
    expect(snapshot.totals.monthUsd).toBe(3);
  });

  it('reads every day again on a full refresh, catching a past day that changed', async () => {
    const spend = new Map([['2026-12-01', [row('opus', 'writer', 1)]]]);
    const { query, daysRead } = telemetryOf(spend);
    const feed = new SpendFeed({ query, now, chartDays: 2, fullRefreshMs: 50, minIntervalMs: 0 });
    await feed.start();
    daysRead.length = 0;
    spend.set('2026-12-01', [row('opus', 'writer', 1.5)]);
    const published = new Promise((resolve) => feed.changes.subscribe(resolve));
    const snapshot = (await published) as ReturnType<SpendFeed['current']>;
    await feed.close();
    expect(daysRead).toEqual(['2026-12-01', '2026-12-02']);
    expect(snapshot.totals.monthUsd).toBe(1.5);
  });

  it("reads one project's spend when given one, and counts the attempts whose cost is unknown", async () => {
    const unknown = (costUsd: number, attempts: number) => ({
      ...row('opus', 'writer', costUsd),
      unknownCostInvocations: attempts,
    });
    const spend = new Map([
      ['2026-11-29', [unknown(1, 4)]],
      ['2026-12-01', [unknown(1, 2)]],
      ['2026-12-02', [unknown(0, 1), row('haiku', 'writer', 0.5)]],
    ]);
    const { query, projects } = telemetryOf(spend);
    const feed = new SpendFeed({ query, now, chartDays: 7, project: 'alpha' });
    await feed.start();
    const snapshot = feed.current();
    await feed.close();
    expect(projects).toHaveLength(8);
    expect(projects.every((project) => project === 'alpha')).toBe(true);
    expect(snapshot.totals).toEqual({ todayUsd: 0.5, weekUsd: 1.5, monthUsd: 1.5 });
    expect(snapshot.unknownCosts).toEqual({ today: 1, week: 3, month: 3 });

    const everyProject = telemetryOf(spend);
    const all = new SpendFeed({ query: everyProject.query, now, chartDays: 7 });
    await all.start();
    await all.close();
    expect(everyProject.projects.every((project) => project === undefined)).toBe(true);
  });

  describe('plan windows', () => {
    const fiveHour: PlanWindowStatusV1 = {
      tool: 'claude',
      window: 'five_hour',
      status: 'warning',
      utilization: 0.93,
      resetsAt: '2026-12-02T17:00:00.000Z',
      observedAt: '2026-12-02T14:58:00.000Z',
      ageMs: 120_000,
    };

    /** A budget reporter whose report the test edits; `windows` undefined: a reporter without plan windows. */
    function reporterOf(report: { windows?: unknown[] }): BudgetReporterV1 {
      return {
        specificationVersion: 'v1',
        report: async () =>
          ({
            version: 1,
            configDir: '/config',
            at: now().toISOString(),
            chainId: null,
            budgets: [],
            ...report,
          }) as BudgetReportV1,
      };
    }

    it('takes the windows from the budget report, leaving out one that does not fit the contract, a share past 1 read as full', async () => {
      const { query } = telemetryOf(new Map());
      const held: PlanWindowStatusV1 = {
        ...fiveHour,
        window: 'seven_day',
        status: 'rejected',
        hold: { tool: 'claude', until: '2026-12-09T00:00:00.000Z', reason: 'rejected', window: 'seven_day' },
      };
      const misfit = { ...fiveHour, tool: 'codex', status: 'exhausted' };
      const overage = { ...fiveHour, window: 'overage', utilization: 1.25 };
      const feed = new SpendFeed({
        query,
        now,
        chartDays: 1,
        budgets: reporterOf({ windows: [fiveHour, misfit, overage, held] }),
      });
      await feed.start();
      const snapshot = feed.current();
      await feed.close();
      expect(snapshot.windows).toEqual([fiveHour, { ...overage, utilization: 1 }, held]);
    });

    it('has none (null) without a reporter or when the reporter reports no windows, and an empty list when none was observed', async () => {
      const snapshotWith = async (budgets: BudgetReporterV1 | undefined) => {
        const feed = new SpendFeed({ query: telemetryOf(new Map()).query, now, chartDays: 1, budgets });
        await feed.start();
        await feed.close();
        return feed.current().windows;
      };
      expect(await snapshotWith(undefined)).toBeNull();
      expect(await snapshotWith(reporterOf({}))).toBeNull();
      expect(await snapshotWith(reporterOf({ windows: [] }))).toEqual([]);
    });

    it("publishes a new snapshot when telemetry's watch reports a change, and stops watching when closed", async () => {
      const { query } = telemetryOf(new Map());
      let onChange: (() => void) | undefined;
      let stopped = false;
      query.watch = (listener) => {
        onChange = listener;
        return () => {
          stopped = true;
        };
      };
      const report = { windows: [fiveHour] };
      const feed = new SpendFeed({ query, now, chartDays: 1, minIntervalMs: 0, budgets: reporterOf(report) });
      await feed.start();
      expect(feed.current().windows?.[0]?.utilization).toBe(0.93);
      // A new reading and nothing else: no invocation changed, only the database.
      report.windows = [{ ...fiveHour, status: 'rejected', utilization: 1 }];
      const published = new Promise<ReturnType<SpendFeed['current']>>((resolve) =>
        feed.changes.subscribe(resolve),
      );
      onChange?.();
      const snapshot = await published;
      expect(snapshot.windows).toEqual([{ ...fiveHour, status: 'rejected', utilization: 1 }]);
      expect(stopped).toBe(false);
      await feed.close();
      expect(stopped).toBe(true);
    });
  });
});
