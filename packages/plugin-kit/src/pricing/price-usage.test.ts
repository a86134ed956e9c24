import { describe, expect, it } from 'vitest';
import type { ModelPrice } from '@llm-service/spec';
import { computeCostUsd, priceHash } from './price-usage.js';

const sonnet: ModelPrice = {
  input_per_mtok: 3,
  output_per_mtok: 15,
  cache_read_per_mtok: 0.3,
  cache_write_per_mtok: 3.75,
};
const usage = (inputTokens: number, outputTokens: number, cacheReadTokens = 0, cacheWriteTokens = 0) => ({
  inputTokens,
  outputTokens,
  cacheReadTokens,
  cacheWriteTokens,
});

describe('computeCostUsd', () => {
  it('prices input and output per million tokens', () => {
    expect(computeCostUsd(usage(1_000_000, 0), sonnet)).toBeCloseTo(3, 10);
    expect(computeCostUsd(usage(0, 1_000_000), sonnet)).toBeCloseTo(15, 10);
    expect(computeCostUsd(usage(2000, 500), sonnet)).toBeCloseTo(0.006 + 0.0075, 12);
    expect(computeCostUsd(usage(0, 0), sonnet)).toBe(0);
  });

  it('prices cache reads and writes at their own rates and never also as input', () => {
    // Usage.inputTokens is uncached input only: a request of 1M cache reads and 1M cache writes costs their rates alone.
    expect(computeCostUsd(usage(0, 0, 1_000_000, 0), sonnet)).toBeCloseTo(0.3, 10);
    expect(computeCostUsd(usage(0, 0, 0, 1_000_000), sonnet)).toBeCloseTo(3.75, 10);
    expect(computeCostUsd(usage(1_000, 2_000, 10_000, 4_000), sonnet)).toBeCloseTo(
      (1_000 * 3 + 2_000 * 15 + 10_000 * 0.3 + 4_000 * 3.75) / 1_000_000,
      12,
    );
  });

  it('charges cache tokens at the input rate when the model has no cache prices', () => {
    const plain: ModelPrice = { input_per_mtok: 2, output_per_mtok: 8 };
    expect(computeCostUsd(usage(0, 0, 1_000_000, 0), plain)).toBeCloseTo(2, 10);
    expect(computeCostUsd(usage(0, 0, 0, 1_000_000), plain)).toBeCloseTo(2, 10);
    expect(computeCostUsd(usage(0, 0, 0, 1_000_000), { ...plain, cache_read_per_mtok: 0.2 })).toBeCloseTo(
      2,
      10,
    );
    expect(computeCostUsd(usage(0, 0, 1_000_000, 0), { ...plain, cache_write_per_mtok: 2.5 })).toBeCloseTo(
      2,
      10,
    );
  });

  it('a free model costs nothing', () => {
    expect(computeCostUsd(usage(123, 456, 789, 10), { input_per_mtok: 0, output_per_mtok: 0 })).toBe(0);
  });
});

describe('priceHash', () => {
  it('is a short stable hex digest of the model and its prices', () => {
    const hash = priceHash('claude-sonnet-4-5', sonnet);
    expect(hash).toMatch(/^[0-9a-f]{12}$/);
    expect(priceHash('claude-sonnet-4-5', { ...sonnet })).toBe(hash);
    // Fields that are not prices do not change it, nor does the order of keys.
    expect(
      priceHash('claude-sonnet-4-5', {
        tier: 'standard',
        cache_write_per_mtok: 3.75,
        cache_read_per_mtok: 0.3,
        output_per_mtok: 15,
        input_per_mtok: 3,
        provider: 'anthropic',
        context_window: 200_000,
      }),
    ).toBe(hash);
  });

  it('changes when any price changes, or for another model', () => {
    const hash = priceHash('claude-sonnet-4-5', sonnet);
    const changed = [
      priceHash('claude-sonnet-4-5', { ...sonnet, input_per_mtok: 3.01 }),
      priceHash('claude-sonnet-4-5', { ...sonnet, output_per_mtok: 16 }),
      priceHash('claude-sonnet-4-5', { ...sonnet, cache_read_per_mtok: 0.31 }),
      priceHash('claude-sonnet-4-5', { ...sonnet, cache_write_per_mtok: undefined }),
      priceHash('claude-opus-4-5', sonnet),
    ];
    for (const other of changed) expect(other).not.toBe(hash);
    expect(new Set(changed).size).toBe(changed.length);
  });
});
