import { describe, expect, it } from 'vitest';
import { usageFromWire } from './usage.js';

describe('usageFromWire', () => {
  it('counts cached tokens as cache reads only, taking them out of the input', () => {
    expect(
      usageFromWire({
        prompt_tokens: 1200,
        completion_tokens: 340,
        total_tokens: 1540,
        prompt_tokens_details: { cached_tokens: 1000, audio_tokens: 0 },
      }),
    ).toEqual({ inputTokens: 200, outputTokens: 340, cacheReadTokens: 1000, cacheWriteTokens: 0 });
  });

  it('reads a usage without details, or with null ones (Ollama, vLLM)', () => {
    const plain = { inputTokens: 10, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0 };
    expect(usageFromWire({ prompt_tokens: 10, completion_tokens: 2 })).toEqual(plain);
    expect(usageFromWire({ prompt_tokens: 10, completion_tokens: 2, prompt_tokens_details: null })).toEqual(
      plain,
    );
    expect(
      usageFromWire({
        prompt_tokens: 10,
        completion_tokens: 2,
        prompt_tokens_details: { cached_tokens: null },
      }),
    ).toEqual(plain);
  });

  it('never believes more cached tokens than prompt tokens', () => {
    expect(
      usageFromWire({
        prompt_tokens: 10,
        completion_tokens: 2,
        prompt_tokens_details: { cached_tokens: 50 },
      }),
    ).toEqual({
      inputTokens: 0,
      outputTokens: 2,
      cacheReadTokens: 10,
      cacheWriteTokens: 0,
    });
  });

  it.each([
    undefined,
    null,
    'lots',
    {},
    { prompt_tokens: -1, completion_tokens: 2 },
    { prompt_tokens: 1.5, completion_tokens: 2 },
    { prompt_tokens: 10 },
    { prompt_tokens: '10', completion_tokens: 2 },
    { prompt_tokens: 10, completion_tokens: 2, prompt_tokens_details: { cached_tokens: -3 } },
  ])('does not believe %j', (value) => {
    expect(usageFromWire(value)).toBeUndefined();
  });
});
