import { describe, expect, it } from 'vitest';
import { busiestModel, sumUsage } from './sum-usage.js';

describe('sumUsage', () => {
  it('adds each count, and is zero for no parts', () => {
    const part = { inputTokens: 1, outputTokens: 2, cacheReadTokens: 3, cacheWriteTokens: 4 };
    expect(sumUsage([part, part])).toEqual({
      inputTokens: 2,
      outputTokens: 4,
      cacheReadTokens: 6,
      cacheWriteTokens: 8,
    });
    expect(sumUsage([])).toEqual({
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
  });
});

describe('busiestModel', () => {
  it('picks the model with the most output, the first on a tie', () => {
    expect(
      busiestModel([
        ['small', 5],
        ['large', 50],
        ['other', 50],
      ]),
    ).toBe('large');
    expect(busiestModel([])).toBeUndefined();
  });
});
