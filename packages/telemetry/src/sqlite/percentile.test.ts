import { afterEach, describe, expect, it } from 'vitest';
import type { LlmServiceEvent } from '@llm-service/spec';
import { StoreSink } from '../sinks/store-sink.js';
import { TelemetryStore } from '../store/store.js';
import type { SqliteTelemetryStore } from './sqlite-store.js';
import { deliver, RequestEvents } from '../testing/event-fixtures.js';
import { TemporaryStores } from '../testing/temporary-store.js';
import { statsForDatabase } from '../commands/run-stats.js';
import { p95Sql } from './percentile-sql.js';
import { TelemetryQuery } from '../query/telemetry-query.js';

const temporary = new TemporaryStores();
afterEach(() => temporary.cleanup());

const target = { tool: 'claude', model: 'model-a' };
const day = '2026-11-25';

/** Nearest rank, in integers: of n sorted values, the ceil(0.95 × n)-th = (n − ⌊n/20⌋)-th. */
function nearestRank(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[values.length - Math.floor(values.length / 20) - 1]!;
}

/** A deterministic shuffle, so rows are never inserted in latency order. */
function shuffled(values: readonly number[]): number[] {
  const copy = [...values];
  let state = 12345;
  for (let index = copy.length - 1; index > 0; index--) {
    state = (state * 1664525 + 1013904223) >>> 0;
    const other = state % (index + 1);
    [copy[index], copy[other]] = [copy[other]!, copy[index]!];
  }
  return copy;
}

interface Group {
  agent: string;
  successes: readonly number[];
  /** Latencies of failed attempts in the same group: they must not count. */
  failures?: readonly number[];
}

async function storeWith(groups: readonly Group[]): Promise<SqliteTelemetryStore> {
  const store = temporary.sqlite();
  const sink = new StoreSink({ store, captureContent: false, logger: { warn: () => undefined } });
  let second = 0;
  const at = () => {
    second += 1;
    return new Date(Date.parse(`${day}T08:00:00.000Z`) + second * 1000).toISOString();
  };
  const events: LlmServiceEvent[] = [];
  for (const group of groups) {
    for (const latencyMs of shuffled(group.successes)) {
      events.push(...new RequestEvents({ agent: group.agent }).success(at(), target, { latencyMs }));
    }
    for (const latencyMs of group.failures ?? []) {
      const failing = new RequestEvents({ agent: group.agent });
      const started = at();
      events.push(
        failing.received(started),
        failing.started(1, started, target),
        failing.failed(1, started, target, 'tool-error', 'crashed', latencyMs),
        failing.completed(started, 'failed', 1),
      );
    }
  }
  for (const event of events) deliver(sink, event);
  await sink.flush();
  await sink.dispose();
  return store;
}

const range = (count: number, step: number) =>
  Array.from({ length: count }, (_, index) => (index + 1) * step);

/** Groups whose p95 is worked out by hand (nearest rank: the ceil(0.95 × n)-th smallest success). */
const handComputed: (Group & { p95: number | null })[] = [
  // n = 1: the one value.
  { agent: 'n1', successes: [700], failures: [5, 9000], p95: 700 },
  // n = 2: ceil(1.9) = 2nd, the larger.
  { agent: 'n2', successes: [200, 100], failures: [1], p95: 200 },
  // The issue: three successes averaging 1.2 s showed a p95 of 186 ms. ceil(2.85) = 3rd: 1.3 s.
  { agent: 'n3', successes: [1100, 1200, 1300], failures: [50, 60, 186], p95: 1300 },
  // n = 20: ceil(19) = 19th of 10..200 ms: 190 ms (not the maximum).
  { agent: 'n20', successes: range(20, 10), failures: [1, 2, 3, 5000], p95: 190 },
  // n = 21: ceil(19.95) = 20th of 10..210 ms: 200 ms.
  { agent: 'n21', successes: range(21, 10), failures: [4], p95: 200 },
  // n = 100: ceil(95) = 95th of 10..1000 ms: 950 ms.
  { agent: 'n100', successes: range(100, 10), failures: [7, 8, 99_999], p95: 950 },
  // Only failures: no p95.
  { agent: 'n0', successes: [], failures: [10, 20], p95: null },
];

describe('p95 latency by nearest rank', () => {
  it('gives the hand-computed value for groups of 1, 2, 3, 20, 21 and 100 successes, failures not counted', async () => {
    const store = await storeWith(handComputed);
    const query = new TelemetryQuery(store);
    const rows = await query.aggregate({ filter: {}, groupBy: 'agent' });
    for (const group of handComputed) {
      const row = rows.find((candidate) => candidate.group === group.agent);
      expect(row?.p95LatencyMs, group.agent).toBe(group.p95);
      expect(row?.invocations, group.agent).toBe(group.successes.length + (group.failures?.length ?? 0));
      // The hand-computed figure is the nearest rank of the successes.
      expect(nearestRank(group.successes), group.agent).toBe(group.p95);
    }
    // The same through latency, the total's p95 (successes of a filter, over all groups at once).
    for (const group of handComputed) {
      expect((await query.latency({ agent: group.agent })).p95, group.agent).toBe(group.p95);
    }
    const everything = handComputed.flatMap((group) => group.successes);
    expect(everything).toHaveLength(147);
    // 147 latencies: the ceil(139.65) = 140th smallest, the 8th largest. The largest are 1300, 1200, 1100 (n3), then
    // 1000, 990, 980, 970, 960 (n100); every other group's are below 960 ms.
    expect((await query.latency({})).p95).toBe(960);
    expect(nearestRank(everything)).toBe(960);
  });

  it('holds for days, weeks and two-level aggregates, which share the aggregate columns', async () => {
    const store = await storeWith(handComputed);
    const query = new TelemetryQuery(store);
    expect(
      (await query.aggregate({ filter: {}, groupBy: 'day' })).map((row) => [row.group, row.p95LatencyMs]),
    ).toEqual([[day, 960]]);
    expect((await query.aggregate({ filter: {}, groupBy: 'week' })).map((row) => row.p95LatencyMs)).toEqual([
      960,
    ]);
    const split = await query.aggregate({ filter: {}, groupBy: 'day', timezone: 'UTC', thenBy: 'agent' });
    for (const group of handComputed) {
      expect(split.find((row) => row.subgroup === group.agent)?.p95LatencyMs, group.agent).toBe(group.p95);
    }
  });

  it('shows the issue case in stats: three calls of 1.1 s, 1.2 s and 1.3 s have a p95 of 1.3 s', async () => {
    const store = await storeWith([{ agent: 'n3', successes: [1100, 1200, 1300], failures: [50, 60, 186] }]);
    await store.close();
    const report = await statsForDatabase(store.location, { by: 'model' }, new Date(`${day}T18:00:00Z`));
    expect(report.groups).toHaveLength(1);
    expect(report.groups[0]!.latencyMs).toEqual({ average: 1200, p95: 1300 });
    expect(report.total.latencyMs).toEqual({ average: 1200, p95: 1300 });
    // By agent with two groups, the total comes from latency.
    const two = await storeWith([
      { agent: 'a', successes: [1100, 1200, 1300], failures: [50, 60, 186] },
      { agent: 'b', successes: [900], failures: [10] },
    ]);
    await two.close();
    const byAgent = await statsForDatabase(two.location, { by: 'agent' }, new Date(`${day}T18:00:00Z`));
    expect(byAgent.total.latencyMs).toEqual({ average: 1125, p95: 1300 });
  });

  it('equals a sort for every group size up to 400 and from 980 to 1,020, and for sizes around 200,000', () => {
    const store = temporary.track(new TelemetryStore({ path: ':memory:' }));
    const db = store.open();
    db.exec('CREATE TEMP TABLE sample (n INTEGER, ok INTEGER, value INTEGER)');
    const insert = db.prepare('INSERT INTO sample VALUES (?, ?, ?)');
    const expected = new Map<number, number | null>();
    let state = 7;
    const random = () => {
      state = (state * 1664525 + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    db.transaction(() => {
      const sizes = [
        ...Array.from({ length: 401 }, (_, n) => n),
        ...Array.from({ length: 41 }, (_, n) => 980 + n),
      ];
      for (const n of sizes) {
        // Small groups take few distinct values, so ties are common.
        const values = Array.from({ length: n }, () => Math.floor(random() * (n < 50 ? 10 : 100_000)));
        for (const value of values) insert.run(n, 1, value);
        for (let failure = 0; failure < 3; failure++) insert.run(n, 0, Math.floor(random() * 5));
        expected.set(n, nearestRank(values));
      }
    })();
    const rows = db
      .prepare(`SELECT n, ${p95Sql('CASE WHEN ok THEN value END')} AS p95 FROM sample GROUP BY n ORDER BY n`)
      .all() as { n: number; p95: number | null }[];
    expect(rows).toHaveLength(442);
    const wrong = rows.filter((row) => row.p95 !== expected.get(row.n));
    expect(wrong).toEqual([]);
    // Large n, where floating-point rounding could matter: the values 0..n−1, whose p95 is n − 1 − ⌊n/20⌋.
    for (const n of [199_980, 200_001]) {
      const row = db
        .prepare(
          `WITH RECURSIVE s(value) AS (SELECT 0 UNION ALL SELECT value + 1 FROM s WHERE value + 1 < ?)
           SELECT ${p95Sql('value')} AS p95 FROM s`,
        )
        .get(n) as { p95: number };
      expect(row.p95, String(n)).toBe(n - 1 - Math.floor(n / 20));
    }
  });
});
