import { describe, expect, it } from 'vitest';
import type { InvocationFilter, InvocationRecord, TelemetryQueryV1 } from '@llm-service/spec';
import { median, MIN_HISTORY_SAMPLES, OutputRatios } from './output-ratio.js';

function record(agent: string, taskType: string | null, input: number, output: number, cached = 0) {
  return {
    agent,
    taskType,
    status: 'success',
    inputTokens: input,
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
    outputTokens: output,
  } as InvocationRecord;
}

/** The part of TelemetryQueryV1 the estimator reads, over an array, filtering as the SQLite query does. */
function historyOf(rows: InvocationRecord[]): { query: TelemetryQueryV1; filters: InvocationFilter[] } {
  const filters: InvocationFilter[] = [];
  const query = {
    specificationVersion: 'v1',
    invocations: async (filter: InvocationFilter) => {
      filters.push(filter);
      return rows
        .filter((row) => row.agent === filter.agent && row.status === filter.status)
        .filter((row) => filter.taskType === undefined || row.taskType === filter.taskType)
        .slice(0, filter.limit);
    },
  } as unknown as TelemetryQueryV1;
  return { query, filters };
}

describe('expected output tokens from history', () => {
  it('takes the median, not the mean, of output per prompt token (cached prompt tokens included)', async () => {
    const { query, filters } = historyOf([
      record('writer', 'docs', 1000, 500),
      record('writer', 'docs', 1000, 300),
      record('writer', 'docs', 500, 50, 500),
      record('writer', 'docs', 2000, 400),
      record('writer', 'docs', 1000, 40_000), // one runaway answer
      record('writer', 'code', 1000, 9000),
    ]);
    const ratios = new OutputRatios(() => query);
    // Ratios 0.5, 0.3, 0.05, 0.2, 40: median 0.3.
    expect(
      await ratios.expectedOutput({ agent: 'writer', taskType: 'docs', promptTokens: 2001 }, 1000),
    ).toEqual({
      source: 'history',
      tokens: 601,
      ratio: 0.3,
      samples: 5,
    });
    expect(filters).toEqual([{ agent: 'writer', status: 'success', taskType: 'docs', limit: 200 }]);
    // Read once per agent and task type.
    await ratios.expectedOutput({ agent: 'writer', taskType: 'docs', promptTokens: 10 }, 1000);
    expect(filters).toHaveLength(1);
  });

  it('falls back to the configured default with too little history, none, or no telemetry', async () => {
    const rows = Array.from({ length: MIN_HISTORY_SAMPLES - 1 }, () => record('writer', 'docs', 100, 50));
    const { query } = historyOf(rows);
    const request = { agent: 'writer', taskType: 'docs', promptTokens: 100 };
    expect(await new OutputRatios(() => query).expectedOutput(request, 750)).toEqual({
      source: 'default',
      tokens: 750,
    });
    expect(await new OutputRatios(() => undefined).expectedOutput(request, 750)).toEqual({
      source: 'default',
      tokens: 750,
    });
    const failing = { invocations: () => Promise.reject(new Error('locked')) } as unknown as TelemetryQueryV1;
    expect((await new OutputRatios(() => failing).expectedOutput(request, 750)).source).toBe('default');
  });

  it('matches a request without a task type only to requests recorded without one', async () => {
    const { query } = historyOf([
      ...Array.from({ length: 5 }, () => record('writer', null, 100, 200)),
      ...Array.from({ length: 5 }, () => record('writer', 'docs', 100, 10)),
    ]);
    const estimate = await new OutputRatios(() => query).expectedOutput(
      { agent: 'writer', taskType: undefined, promptTokens: 100 },
      1000,
    );
    expect(estimate).toMatchObject({ source: 'history', ratio: 2, tokens: 200 });
  });

  it('has a median for odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});
