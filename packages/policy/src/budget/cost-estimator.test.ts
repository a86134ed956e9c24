import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TokenCostEstimator } from './cost-estimator.js';
import { PromptTokens } from './prompt-tokens.js';

/** A counter of one token per word that records every text it was asked to count. */
function recordingCounter() {
  const counted: string[] = [];
  const counter = () => (text: string) => {
    counted.push(text);
    return text.split(/\s+/).filter(Boolean).length;
  };
  return { counted, counter };
}

describe('TokenCostEstimator', () => {
  it('counts the prompt while the tool runs (prepare), so only the answer is counted after it', async () => {
    const { counted, counter } = recordingCounter();
    const estimator = new TokenCostEstimator(
      { tokens: new PromptTokens(counter), outputRatios: undefined, defaultOutputTokens: 100 },
      counter,
    );
    const prompt = new TextEncoder().encode('three word prompt');
    estimator.prepare({ prompt });
    await nextTurn();
    expect(counted).toEqual(['three word prompt']);

    const usage = await estimator.usageOf({ agent: 'dev', model: 'm', prompt, answer: 'a two-word answer' });
    expect(counted).toEqual(['three word prompt', 'a two-word answer']);
    expect(usage).toEqual({ inputTokens: 3, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0 });
  });

  it('still counts both after a prepare without a prompt (an older kernel)', async () => {
    const { counted, counter } = recordingCounter();
    const estimator = new TokenCostEstimator(
      { tokens: new PromptTokens(counter), outputRatios: undefined, defaultOutputTokens: 100 },
      counter,
    );
    estimator.prepare();
    await nextTurn();
    const prompt = new TextEncoder().encode('one two');
    await estimator.usageOf({ agent: 'dev', model: 'm', prompt, answer: 'three' });
    expect(counted).toEqual(['one two', 'three']);
  });
});
