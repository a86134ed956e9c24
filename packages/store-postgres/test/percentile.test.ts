import { attemptRowForTests } from '@llm-service/testkit';
import { describe, expect, it } from 'vitest';
import { postgresSkipReason, usePostgres } from './support/server.js';

const skipReason = await postgresSkipReason();

/** Nearest rank, written out: of n values sorted, the ceil(0.95 n)-th, that is the (n − ⌊n/20⌋)-th. */
const nearestRank = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[values.length - Math.floor(values.length / 20) - 1];

describe.skipIf(skipReason !== undefined)(`p95 by nearest rank in PostgreSQL ${skipReason ?? ''}`, () => {
  const postgres = usePostgres();

  it('agrees with a sort for every n from 1 to 120, in any insertion order', async () => {
    const store = postgres.open(await postgres.database());
    const expected: Record<string, number | undefined> = {};
    const rows = [];
    let seed = 7;
    const random = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    for (let n = 1; n <= 120; n++) {
      const latencies = Array.from({ length: n }, () => Math.floor(random() * 10_000));
      expected[`n${n}`] = nearestRank(latencies);
      rows.push(
        ...latencies.map((latencyMs, index) =>
          attemptRowForTests({ invocationId: `n${n}-${index}`, model: `n${n}`, latencyMs }),
        ),
      );
    }
    for (let index = 0; index < rows.length; index += 1_000) {
      await store.write(rows.slice(index, index + 1_000).map((row) => ({ kind: 'end' as const, row })));
    }
    const aggregate = await store.aggregate({ filter: {}, groupBy: 'model' });
    expect(Object.fromEntries(aggregate.map((row) => [row.group, row.p95LatencyMs]))).toEqual(expected);
  });
});
