import { computeCostUsd } from '@llm-service/plugin-kit';
import { describe, expect, it } from 'vitest';
import { readFixture } from '../../test/support/fixtures.js';
import { CodexEventParser } from './event-parser.js';
import { toInvocationResult, usageOf } from './invocation-result.js';

/**
 * The example: 2,000 input tokens of which 500 cached, 300 output, at $10 input, $1 cache read and $30 output
 * per million tokens (the figures of the example). Priced once each, that is $0.0245; reading codex's
 * `input_tokens` as uncached input (what the old generic-yaml codex template did) charged the cached 500 at the full
 * input rate: $0.0290.
 */
const examplePrice = { input_per_mtok: 10, output_per_mtok: 30, cache_read_per_mtok: 1 };

function resultOf(name: string) {
  const parser = new CodexEventParser({ onText: () => undefined });
  parser.push(readFixture(name).stdout);
  parser.end();
  return toInvocationResult(parser.state, { requestedModel: 'gpt-5.5', exitCode: 0, durationMs: 10 });
}

describe('codex usage in core’s terms', () => {
  it('takes cached tokens out of input, keeps reasoning inside output, and keeps the thread and turns', () => {
    const result = resultOf('success');
    expect(result).toMatchObject({
      text: 'Hello from the test server.\nSecond line é 日本.',
      usage: { inputTokens: 1500, cacheReadTokens: 500, cacheWriteTokens: 0, outputTokens: 300 },
      model: 'gpt-5.5',
      turns: 1,
    });
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('prices the recorded run at $0.0245, not the $0.0290 of counting cached tokens twice', () => {
    const usage = resultOf('success').usage;
    expect(computeCostUsd(usage, examplePrice)).toBeCloseTo(0.0245, 12);
    const doubleCounted = { ...usage, inputTokens: 2000, cacheReadTokens: 0 };
    expect(computeCostUsd(doubleCounted, examplePrice)).toBeCloseTo(0.029, 12);
  });

  it('takes cache writes out of input too, and never lets a count go negative', () => {
    const base = { output_tokens: 5, reasoning_output_tokens: 0 };
    expect(
      usageOf({ ...base, input_tokens: 100, cached_input_tokens: 30, cache_write_input_tokens: 20 }),
    ).toEqual({ inputTokens: 50, cacheReadTokens: 30, cacheWriteTokens: 20, outputTokens: 5 });
    expect(
      usageOf({ ...base, input_tokens: 10, cached_input_tokens: 30, cache_write_input_tokens: 20 }),
    ).toEqual({ inputTokens: 0, cacheReadTokens: 10, cacheWriteTokens: 0, outputTokens: 5 });
    expect(usageOf(undefined)).toEqual({
      inputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 0,
    });
  });
});
