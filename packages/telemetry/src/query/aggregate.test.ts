import { afterEach, describe, expect, it } from 'vitest';
import { StoreSink } from '../sinks/store-sink.js';
import { deliver, RequestEvents } from '../testing/event-fixtures.js';
import { TemporaryStores } from '../testing/temporary-store.js';
import { TelemetryQuery } from './telemetry-query.js';

const temporary = new TemporaryStores();
afterEach(() => temporary.cleanup());

const opus = { tool: 'claude', model: 'opus' };
const haiku = { tool: 'claude', model: 'haiku' };

async function queryOver(
  requests: [day: string, agent: string, target: typeof opus, costUsd: number][],
): Promise<TelemetryQuery> {
  const store = temporary.sqlite();
  const sink = new StoreSink({ store, captureContent: false, logger: { warn: () => undefined } });
  for (const [day, agent, target, costUsd] of requests) {
    for (const event of new RequestEvents({ agent }).success(`${day}T12:00:00.000Z`, target, { costUsd })) {
      deliver(sink, event);
    }
  }
  await sink.flush();
  return new TelemetryQuery(store);
}

describe('two-level aggregates', () => {
  it('splits each day by model in one query, days in order and the dearest model first', async () => {
    const query = await queryOver([
      ['2026-11-24', 'writer', haiku, 0.1],
      ['2026-11-24', 'writer', opus, 0.5],
      ['2026-11-24', 'architect', opus, 0.25],
      ['2026-11-25', 'writer', haiku, 0.2],
    ]);
    const rows = await query.aggregate({
      filter: { since: new Date('2026-11-24T00:00:00Z'), until: new Date('2026-11-26T00:00:00Z') },
      groupBy: 'day',
      thenBy: 'model',
    });
    expect(rows.map((row) => [row.group, row.subgroup, row.invocations, row.costUsd])).toEqual([
      ['2026-11-24', 'opus', 2, 0.75],
      ['2026-11-24', 'haiku', 1, 0.1],
      ['2026-11-25', 'haiku', 1, 0.2],
    ]);
  });

  it('splits agents by model, and leaves subgroup out when no second grouping is asked', async () => {
    const query = await queryOver([
      ['2026-11-24', 'writer', haiku, 0.1],
      ['2026-11-24', 'writer', opus, 0.5],
      ['2026-11-25', 'architect', opus, 0.25],
    ]);
    const split = await query.aggregate({ filter: {}, groupBy: 'agent', thenBy: 'model' });
    expect(split.map((row) => [row.group, row.subgroup, row.costUsd])).toEqual([
      ['writer', 'opus', 0.5],
      ['architect', 'opus', 0.25],
      ['writer', 'haiku', 0.1],
    ]);
    const whole = await query.aggregate({ filter: {}, groupBy: 'agent' });
    expect(whole.map((row) => [row.group, row.costUsd])).toEqual([
      ['writer', 0.6],
      ['architect', 0.25],
    ]);
    expect(whole[0]).not.toHaveProperty('subgroup');
  });
});
