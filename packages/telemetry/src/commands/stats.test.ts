import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LlmServiceEvent } from '@llm-service/spec';
import { deliver, RequestEvents } from '../testing/event-fixtures.js';
import { TemporaryStores } from '../testing/temporary-store.js';
import { StoreSink } from '../sinks/store-sink.js';
import { TelemetryQuery } from '../query/telemetry-query.js';
import { SqliteTelemetryStore } from '../sqlite/sqlite-store.js';
import { renderStats } from './render-stats.js';
import { pruneStore } from './run-prune.js';
import { statsForDatabase } from './run-stats.js';
import { PlanWindows } from '../plan-windows/plan-windows.js';

const temporary = new TemporaryStores();
afterEach(() => temporary.cleanup());

const now = new Date('2026-11-25T18:00:00.000Z');
const deadPid = 2_147_483_000;
const modelA = { tool: 'claude', model: 'model-a' };
const modelB = { tool: 'codex', model: 'model-b' };

/**
 * The fixture, with its figures worked out by hand:
 * - model-a (agent architect): successes with latencies 100, 200, 300, 400 ms, input 10+20+30+40, output 1+2+3+4,
 *   cache read 4×100, cache write 4×5, cost 0.01+0.02+0.03+0.04 = $0.10; one failure (50 ms). 5 calls, 80%,
 *   average 250 ms, p95 (nearest rank, the ceil(0.95 × n)-th smallest) = the ceil(3.8) = 4th = 400 ms.
 * - model-b (agent writer, task type docs, chain chain-b): 20 successes, latencies 10..200 ms, input 5 and output 5
 *   each, $0.01 each = $0.20; six tool-reported, four of them $0.01 against $0.008 computed (they disagree).
 *   average 105 ms, p95 = the ceil(19) = 19th = 190 ms.
 * - model-c: one attempt left running by a process that is gone (abandoned).
 * - Outside today (UTC): one model-a success yesterday at 10:00 and one at 23:30 (00:30 today in Berlin).
 * Total today: 26 calls, 24 successes, input 200, output 110, cache 400/20, $0.30, average (1000 + 2100) / 24 =
 * 129 ms, p95 of all 24 latencies = the ceil(22.8) = 23rd smallest, the second largest = 300 ms.
 */
async function fillFixture(store: SqliteTelemetryStore): Promise<void> {
  const events: LlmServiceEvent[] = [];
  const at = (hour: number, minute = 0) =>
    `2026-11-25T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00.000Z`;
  [100, 200, 300, 400].forEach((latencyMs, index) => {
    events.push(
      ...new RequestEvents({ agent: 'architect' }).success(at(9, index), modelA, {
        latencyMs,
        usage: {
          inputTokens: 10 * (index + 1),
          outputTokens: index + 1,
          cacheReadTokens: 100,
          cacheWriteTokens: 5,
        },
        costUsd: 0.01 * (index + 1),
      }),
    );
  });
  const failing = new RequestEvents({ agent: 'architect' });
  events.push(
    failing.received(at(9, 30)),
    failing.started(1, at(9, 30), modelA),
    failing.failed(1, at(9, 31), modelA, 'tool-error', 'crashed', 50),
    failing.completed(at(9, 31), 'failed', 1),
  );
  for (let index = 0; index < 20; index++) {
    const toolReported = index < 6;
    events.push(
      ...new RequestEvents({ agent: 'writer', taskType: 'docs', chainId: 'chain-b' }).success(
        at(12, index),
        modelB,
        {
          latencyMs: 10 * (index + 1),
          usage: { inputTokens: 5, outputTokens: 5 },
          costUsd: 0.01,
          costSource: toolReported ? 'tool' : 'computed',
          computedCostUsd: index < 4 ? 0.008 : 0.01,
          baselineModel: 'model-a',
          baselineCostUsd: 0.03,
        },
      ),
    );
  }
  const abandoned = new RequestEvents({ agent: 'architect' });
  abandoned.pid = deadPid;
  events.push(abandoned.received(at(15)), abandoned.started(1, at(15), { tool: 'claude', model: 'model-c' }));
  events.push(...new RequestEvents().success('2026-11-24T10:00:00.000Z', modelA, { costUsd: 1 }));
  events.push(
    ...new RequestEvents().success('2026-11-24T23:30:00.000Z', modelA, { costUsd: 2, latencyMs: 1000 }),
  );
  const sink = new StoreSink({ store, captureContent: false, logger: { warn: () => undefined } });
  for (const event of events) deliver(sink, event);
  await sink.flush();
}

describe('stats over a hand-computed fixture', () => {
  let path: string;
  beforeEach(async () => {
    const store = temporary.sqlite();
    await fillFixture(store);
    await store.close();
    path = store.location;
  });

  it('reports today by model: calls, success rate, tokens, cost, average and p95 latency, share', async () => {
    const report = await statsForDatabase(path, { by: 'model' }, now);
    expect(report.window).toEqual({
      period: 'daily',
      since: '2026-11-25T00:00:00.000Z',
      until: '2026-11-26T00:00:00.000Z',
      timezone: 'UTC',
      description: 'today (2026-11-25, UTC)',
    });
    expect(report.groups.map((group) => group.group)).toEqual(['model-b', 'model-a', 'model-c']);
    const [b, a, c] = report.groups;
    expect(a).toMatchObject({
      invocations: 5,
      successes: 4,
      successRate: 0.8,
      running: 0,
      tokens: { input: 100, output: 10, cacheRead: 400, cacheWrite: 20, total: 530 },
      latencyMs: { average: 250, p95: 400 },
    });
    expect(a!.costUsd).toBeCloseTo(0.1, 10);
    expect(a!.share.costUsd).toBeCloseTo(1 / 3, 10);
    expect(a!.share.invocations).toBeCloseTo(5 / 26, 10);
    expect(b).toMatchObject({
      invocations: 20,
      successes: 20,
      successRate: 1,
      tokens: { input: 100, output: 100, cacheRead: 0, cacheWrite: 0, total: 200 },
      latencyMs: { average: 105, p95: 190 },
    });
    expect(b!.costUsd).toBeCloseTo(0.2, 10);
    expect(c).toMatchObject({ invocations: 1, successes: 0, successRate: 0, running: 1, costUsd: 0 });
    expect(report.total).toMatchObject({
      group: 'total',
      invocations: 26,
      successes: 24,
      running: 1,
      tokens: { input: 200, output: 110, cacheRead: 400, cacheWrite: 20, total: 730 },
      latencyMs: { average: 129, p95: 300 },
    });
    expect(report.total.successRate).toBeCloseTo(24 / 26, 10);
    expect(report.total.costUsd).toBeCloseTo(0.3, 10);
    expect(report.running).toEqual({ count: 1, abandoned: 1 });
    expect(report.costCheck.toolReportedCalls).toBe(6);
    expect(report.costCheck.disagreeing).toBe(4);
    expect(report.costCheck.toolReportedUsd).toBeCloseTo(0.06, 10);
    expect(report.costCheck.computedUsd).toBeCloseTo(0.052, 10);
    expect(report.savings).toBeNull();
    expect(report.invocations).toBeNull();
    expect(report.recordedInTotal).toBe(28);
  });

  it('groups by agent, tool and task type', async () => {
    const group = async (by: string) =>
      (await statsForDatabase(path, { by }, now)).groups.map((row) => [row.group, row.invocations]);
    expect(await group('agent')).toEqual([
      ['writer', 20],
      ['architect', 6],
    ]);
    expect(await group('tool')).toEqual([
      ['codex', 20],
      ['claude', 6],
    ]);
    expect(await group('task-type')).toEqual([
      ['docs', 20],
      ['(none)', 6],
    ]);
  });

  it('follows --tz for what "today" is', async () => {
    const berlin = await statsForDatabase(path, { by: 'model', tz: 'Europe/Berlin' }, now);
    expect(berlin.window).toMatchObject({
      since: '2026-11-24T23:00:00.000Z',
      until: '2026-11-25T23:00:00.000Z',
      description: 'today (2026-11-25, Europe/Berlin)',
    });
    expect(berlin.total.invocations).toBe(27);
    expect(berlin.groups.find((row) => row.group === 'model-a')?.invocations).toBe(6);
  });

  it('takes --since and --until as inclusive days, grouped by day by default', async () => {
    const report = await statsForDatabase(path, { since: '2026-11-24', until: '2026-11-24' }, now);
    expect(report.window).toMatchObject({
      period: 'custom',
      since: '2026-11-24T00:00:00.000Z',
      until: '2026-11-25T00:00:00.000Z',
      description: 'from 2026-11-24 to 2026-11-24 (UTC)',
    });
    expect(report.groupBy).toBe('day');
    expect(report.groups.map((row) => [row.group, row.invocations, row.costUsd])).toEqual([
      ['2026-11-24', 2, 3],
    ]);
    const two = await statsForDatabase(path, { since: '2026-11-24' }, now);
    expect(two.groups.map((row) => [row.group, row.invocations])).toEqual([
      ['2026-11-24', 2],
      ['2026-11-25', 26],
    ]);
    const berlinDays = await statsForDatabase(path, { since: '2026-11-24', tz: 'Europe/Berlin' }, now);
    expect(berlinDays.groups.map((row) => [row.group, row.invocations])).toEqual([
      ['2026-11-24', 1],
      ['2026-11-25', 27],
    ]);
    const instant = await statsForDatabase(path, { since: '2026-11-25T12:00:00Z' }, now);
    expect(instant.total.invocations).toBe(21);
  });

  it('selects one chain across all time and lists its attempts', async () => {
    const report = await statsForDatabase(path, { chainId: 'chain-b', by: 'model', savings: true }, now);
    expect(report.window.period).toBe('all');
    expect(report.groups.map((row) => [row.group, row.invocations])).toEqual([['model-b', 20]]);
    expect(report.invocations).toHaveLength(20);
    expect(report.invocations?.[0]).toMatchObject({
      chainId: 'chain-b',
      model: 'model-b',
      status: 'success',
    });
    expect(report.savings?.baselineUsd).toBeCloseTo(0.6, 10);
    expect(report.savings?.actualUsd).toBeCloseTo(0.192, 10);
    expect(report.savings?.savedUsd).toBeCloseTo(0.408, 10);
    const text = renderStats(report);
    expect(text).toContain('Invocations in chain chain-b all recorded time, by model');
    expect(text).toContain('Savings: $0.41');
  });

  it('prints an aligned table with a total line and notes', async () => {
    const text = renderStats(await statsForDatabase(path, { by: 'model', project: 'default' }, now));
    expect(text).toBe(
      [
        'Invocations of project default today (2026-11-25, UTC), by model',
        '',
        'model    calls  success  input  output  cache read  cache write   cost   share  avg latency  p95 latency',
        'model-b     20   100.0%    100     100           0            0  $0.20   66.7%       105 ms       190 ms',
        'model-a      5    80.0%    100      10         400           20  $0.10   33.3%       250 ms       400 ms',
        'model-c      1     0.0%      0       0           0            0  $0.00    0.0%            -            -',
        'total       26    92.3%    200     110         400           20  $0.30  100.0%       129 ms       300 ms',
        '',
        'Included above: 1 abandoned (their process ended without recording a result).',
        'Tool-reported cost on 6 calls: $0.06 reported, $0.05 from the price table (4 differ by more than 5%).',
        '',
      ].join('\n'),
    );
  });

  it('says so when a window is empty, and when the database is', async () => {
    const report = await statsForDatabase(path, { since: '2020-01-01', until: '2020-01-31' }, now);
    expect(report.groups).toEqual([]);
    expect(renderStats(report)).toBe(
      'No invocations of all projects from 2020-01-01 to 2020-01-31 (UTC).\n28 invocations recorded in all; widen the window with --weekly, --monthly or --since YYYY-MM-DD.\n',
    );
    const empty = temporary.store();
    empty.open();
    empty.close();
    expect(renderStats(await statsForDatabase(empty.path, {}, now))).toContain(
      `The database ${empty.path} is empty`,
    );
    const missing = await statsForDatabase(`${path}.absent`, { json: true }, now);
    expect(missing).toMatchObject({ database: { exists: false }, groups: [], total: { invocations: 0 } });
    expect(renderStats(missing)).toContain('No telemetry recorded yet');
  });

  it('refuses contradictory or malformed flags', async () => {
    await expect(statsForDatabase(path, { daily: true, monthly: true }, now)).rejects.toThrow(
      'give only one of --daily, --monthly',
    );
    await expect(statsForDatabase(path, { until: '2026-11-01' }, now)).rejects.toThrow(
      '--until needs --since',
    );
    await expect(statsForDatabase(path, { since: 'yesterday' }, now)).rejects.toThrow(
      "--since 'yesterday' is not a date",
    );
    await expect(statsForDatabase(path, { since: '2026-02-30' }, now)).rejects.toThrow('is not a date');
    await expect(statsForDatabase(path, { tz: 'Mars/Base' }, now)).rejects.toThrow(
      "--tz 'Mars/Base' is not a time zone",
    );
    await expect(statsForDatabase(path, { by: 'colour' }, now)).rejects.toThrow(
      "--by 'colour' is not one of",
    );
  });

  it('serves the query contract: invocations, aggregates by period, running and savings', async () => {
    const store = temporary.track(new SqliteTelemetryStore({ path, create: false }));
    const query = new TelemetryQuery(store);
    expect(await query.invocations({ model: 'model-a', limit: 2 })).toHaveLength(2);
    expect((await query.invocations({ status: 'failed' }))[0]).toMatchObject({
      errorKind: 'tool-error',
      latencyMs: 50,
    });
    const months = await query.aggregate({ filter: {}, groupBy: 'month' });
    expect(months.map((row) => [row.group, row.invocations])).toEqual([['2026-11', 28]]);
    const weeks = await query.aggregate({ filter: {}, groupBy: 'week', timezone: 'Europe/Berlin' });
    expect(weeks.map((row) => row.group)).toEqual(['2026-W48']);
    expect(Object.keys(months[0]!).sort()).toEqual(
      [
        'group',
        'invocations',
        'successes',
        'inputTokens',
        'outputTokens',
        'cacheReadTokens',
        'cacheWriteTokens',
        'costUsd',
        'estimatedCostUsd',
        'unknownCostInvocations',
        'averageLatencyMs',
        'p95LatencyMs',
      ].sort(),
    );
    expect(await query.running()).toMatchObject([{ model: 'model-c', status: 'abandoned' }]);
    const savings = await query.savings({ chainId: 'chain-b' });
    expect(savings.baselineUsd).toBeCloseTo(0.6, 10);
  });

  it("shows one project's invocations, or all by project, and marks estimated and unknown costs", async () => {
    const store = temporary.sqlite();
    const sink = new StoreSink({ store, captureContent: false, logger: { warn: () => undefined } });
    const at = '2026-11-25T10:00:00.000Z';
    for (const event of [
      ...new RequestEvents({ project: 'alpha' }).success(at, modelA, { costUsd: 0.5 }),
      ...new RequestEvents({ project: 'alpha' }).success(at, modelA, {
        costUsd: 0.25,
        costSource: 'estimated',
      }),
      ...new RequestEvents({ project: 'beta' }).success(at, modelB, { costUsd: 0, costSource: 'unknown' }),
    ])
      deliver(sink, event);
    await sink.flush();

    const alpha = await statsForDatabase(store.location, { by: 'model', project: 'alpha' }, now);
    expect(alpha.project).toBe('alpha');
    expect(alpha.total).toMatchObject({
      invocations: 2,
      costUsd: 0.75,
      estimatedCostUsd: 0.25,
      unknownCostCalls: 0,
    });
    const alphaText = renderStats(alpha);
    expect(alphaText).toContain('Invocations of project alpha today');
    expect(alphaText).toMatch(/model-a +2 +100\.0%.* ~\$0\.75/);
    expect(alphaText).toContain('~ Includes $0.25 estimated from counted tokens');

    const all = await statsForDatabase(store.location, { by: 'project' }, now);
    expect(all.groups.map((group) => [group.group, group.invocations, group.costUsd])).toEqual([
      ['alpha', 2, 0.75],
      ['beta', 1, 0],
    ]);
    // An unknown cost is no figure: not $0 in the row, and said so under the table.
    const beta = all.groups.find((group) => group.group === 'beta');
    expect(beta).toMatchObject({ unknownCostCalls: 1 });
    expect(renderStats(all)).toContain('1 call has an unknown cost');
    expect(renderStats(all)).toContain('Invocations of all projects today');
  });

  it("shows a task's attempts with --task, whatever their project, and groups by task", async () => {
    const store = temporary.sqlite();
    const sink = new StoreSink({ store, captureContent: false, logger: { warn: () => undefined } });
    const at = '2026-11-20T10:00:00.000Z';
    for (const event of [
      ...new RequestEvents({ taskId: 'T-1', project: 'alpha' }).success(at, modelA, { costUsd: 0.5 }),
      ...new RequestEvents({ taskId: 'T-1', project: 'alpha' }).success(at, modelB, { costUsd: 0.25 }),
      ...new RequestEvents({ taskId: 'T-2' }).success(at, modelA, { costUsd: 1 }),
      ...new RequestEvents().success(at, modelA, { costUsd: 2 }),
    ])
      deliver(sink, event);
    await sink.flush();
    const task = await statsForDatabase(store.location, { task: 'T-1', project: 'default' }, now);
    expect(task).toMatchObject({ taskId: 'T-1', project: null, total: { invocations: 2, costUsd: 0.75 } });
    expect(task.invocations?.map((row) => row.taskId)).toEqual(['T-1', 'T-1']);
    expect(renderStats(task)).toContain('Invocations of task T-1 all recorded time');
    const byTask = await statsForDatabase(store.location, { by: 'task', since: '2026-11-01' }, now);
    expect(byTask.groups.map((group) => [group.group, group.costUsd])).toEqual([
      ['(none)', 2],
      ['T-2', 1],
      ['T-1', 0.75],
    ]);
  });

  it('prunes rows started before a date, keeping running work of live processes', async () => {
    const store = temporary.track(new SqliteTelemetryStore({ path, create: false }));
    const live = new RequestEvents();
    live.pid = process.pid;
    const sink = new StoreSink({ store, captureContent: false, logger: { warn: () => undefined } });
    deliver(sink, live.started(1, '2026-11-01T00:00:00.000Z', modelA));
    await sink.flush();
    expect(await pruneStore(store, new Date('2026-11-25T00:00:00Z'))).toEqual({
      invocations: 2,
      reservations: 0,
      planWindowObservations: 0,
    });
    const remaining = store.connection
      .open()
      .prepare('SELECT started_at, status FROM invocations ORDER BY started_at')
      .all() as {
      started_at: string;
    }[];
    expect(remaining).toHaveLength(27);
    expect(remaining[0]).toEqual({ started_at: '2026-11-01T00:00:00.000Z', status: 'running' });
    expect((await pruneStore(store, new Date('2027-01-01T00:00:00Z'), () => false)).invocations).toBe(27);
  });

  it('prunes plan window readings made before a date, with their latest entries, and holds that ended', async () => {
    const store = temporary.sqlite();
    const windows = new PlanWindows(store, { now: () => new Date('2026-11-20T00:00:00Z') });
    await windows.record({
      tool: 'claude',
      window: 'five_hour',
      status: 'allowed',
      observedAt: '2026-11-01T00:00:00Z',
    });
    await windows.record({
      tool: 'claude',
      window: 'five_hour',
      status: 'warning',
      observedAt: '2026-11-30T00:00:00Z',
    });
    await windows.record({
      tool: 'codex',
      window: 'weekly',
      status: 'allowed',
      observedAt: '2026-11-02T00:00:00Z',
    });
    await windows.hold({ tool: 'claude', until: '2026-11-10T00:00:00Z', reason: 'ended' });
    await windows.hold({ tool: 'codex', until: '2026-12-10T00:00:00Z', reason: 'in force' });
    const now = new Date('2026-11-20T00:00:00Z');

    expect(await pruneStore(store, new Date('2026-12-01T00:00:00Z'), () => true, now)).toMatchObject({
      planWindowObservations: 3,
    });
    expect(await windows.latest()).toEqual([]);
    expect(store.connection.open().prepare('SELECT COUNT(*) AS n FROM plan_window_latest').get()).toEqual({
      n: 0,
    });
    // A hold still in force stays even when the date is past its end; one that ended goes.
    expect(store.connection.open().prepare('SELECT tool FROM tool_holds').pluck().all()).toEqual(['codex']);
  });
});
