import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TokenCostEstimator } from './cost-estimator.js';
import { EXACT_MAX_CHARS } from './estimate.js';
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

/** An estimator over the recording counter, for prompts and answers alike. */
function recordingEstimator() {
  const { counted, counter } = recordingCounter();
  const estimator = new TokenCostEstimator(
    { tokens: new PromptTokens(counter), outputRatios: undefined, defaultOutputTokens: 100 },
    counter,
  );
  return { counted, estimator };
}

describe('TokenCostEstimator', () => {
  it('counts the prompt while the tool runs (prepare), so only the answer is counted after it', async () => {
    const { counted, estimator } = recordingEstimator();
    const prompt = new TextEncoder().encode('three word prompt');
    estimator.prepare({ prompt });
    await nextTurn();
    expect(counted).toEqual(['three word prompt']);

    const usage = await estimator.usageOf({ agent: 'dev', model: 'm', prompt, answer: 'a two-word answer' });
    expect(counted).toEqual(['three word prompt', 'a two-word answer']);
    expect(usage).toEqual({ inputTokens: 3, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0 });
  });

  it('still counts both after a prepare without a prompt (an older kernel)', async () => {
    const { counted, estimator } = recordingEstimator();
    estimator.prepare();
    await nextTurn();
    const prompt = new TextEncoder().encode('one two');
    await estimator.usageOf({ agent: 'dev', model: 'm', prompt, answer: 'three' });
    expect(counted).toEqual(['one two', 'three']);
  });

  it('reads the answer while it streams (observeAnswer), and still counts the whole answer after the tool', async () => {
    const { counted, estimator } = recordingEstimator();
    const prompt = new TextEncoder().encode('one two');
    estimator.prepare({ prompt });
    await nextTurn();
    // A word split across two pieces: each piece is read as it comes, the count is of the whole.
    estimator.observeAnswer('a two-wo');
    estimator.observeAnswer('rd answer');
    await nextTurn();
    expect(counted).toEqual(['one two', 'a two-wo', 'rd answer']);

    const usage = await estimator.usageOf({ agent: 'dev', model: 'm', prompt, answer: 'a two-word answer' });
    expect(counted.at(-1)).toBe('a two-word answer');
    expect(usage.outputTokens).toBe(3);
  });

  it('reads no more of an answer than is counted exactly, and starts again with the next attempt', async () => {
    const { counted, estimator } = recordingEstimator();
    const piece = `${'word '.repeat(EXACT_MAX_CHARS / 5 - 1)}last `;
    estimator.prepare();
    estimator.observeAnswer(piece);
    estimator.observeAnswer('beyond');
    await nextTurn();
    expect(counted.filter((text) => text === 'beyond')).toEqual([]);

    estimator.prepare();
    estimator.observeAnswer('next');
    await nextTurn();
    expect(counted.at(-1)).toBe('next');
  });
});
