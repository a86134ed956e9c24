import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { EXACT_MAX_CHARS, estimateTokens, o200kCounter, priceEstimate } from './estimate.js';

describe('token estimates', () => {
  it('counts ordinary text exactly with o200k_base', async () => {
    expect((await estimateTokens('hello', o200kCounter)).tokens).toBe(1);
    expect((await estimateTokens('hello world', o200kCounter)).tokens).toBe(2);
    const sentence = 'The quick brown fox jumps over the lazy dog. ';
    const text = sentence.repeat(100).trim();
    expect((await estimateTokens(new TextEncoder().encode(text), o200kCounter)).tokens).toBe(1000);
  });

  it('estimates a 1 MB base64 prompt from its bytes without calling the tokenizer on the run', async () => {
    const blob = randomBytes(768 * 1024).toString('base64'); // 1 MiB of base64, one run without whitespace
    const seen: number[] = [];
    const counter = vi.fn(() => (text: string) => {
      seen.push(text.length);
      return Math.ceil(text.length / 4);
    });
    const estimate = await estimateTokens(`Decode this:\n${blob}\nThanks.`, counter);
    expect(Math.max(...seen)).toBeLessThan(100);
    expect(estimate.runBytes).toBe(blob.length);
    // o200k_base gives about 1.47 base64 characters a token: the estimate errs a little high, never low.
    expect(estimate.tokens).toBeGreaterThan(blob.length / 1.47);
    expect(estimate.tokens).toBeLessThan(blob.length / 1.35);
  });

  it('never loads the tokenizer for a prompt that is one long run', async () => {
    const counter = vi.fn(() => (text: string) => text.length);
    const estimate = await estimateTokens('x'.repeat(4096), counter);
    expect(counter).not.toHaveBeenCalled();
    expect(estimate.tokens).toBe(Math.ceil(4096 / 1.4));
  });

  it('stays close to the exact count on a base64 run the tokenizer can still take', async () => {
    const blob = randomBytes(1500).toString('base64');
    const exact = (await o200kCounter())(blob);
    const estimated = (await estimateTokens(blob, o200kCounter)).tokens;
    expect(estimated).toBeGreaterThanOrEqual(exact);
    expect(estimated / exact).toBeLessThan(1.15);
  });

  it('counts a long whitespace run from a sample, so the tokenizer work does not grow with the run', async () => {
    const work = async (run: string) => {
      const lengths: number[] = [];
      const counter = () => (text: string) => {
        lengths.push(text.length);
        return Math.ceil(text.length / 16);
      };
      const estimate = await estimateTokens(`Indented:\n${run}done`, counter);
      return { tokenizerChars: lengths.reduce((sum, length) => sum + length, 0), estimate };
    };
    const oneMb = await work(' '.repeat(1024 * 1024));
    const twoMb = await work(' '.repeat(2 * 1024 * 1024));
    // The tokenizer sees the same sample of either run: its work is bounded, the rest is arithmetic.
    expect(oneMb.tokenizerChars).toBeLessThan(1000);
    expect(twoMb.tokenizerChars).toBe(oneMb.tokenizerChars);
    // The newline before the spaces is whitespace too, so part of the run.
    expect(oneMb.estimate.whitespaceRunChars).toBe(1024 * 1024 + 1);
    expect(twoMb.estimate.tokens).toBeGreaterThan(oneMb.estimate.tokens * 1.9);
  });

  it('finds runs of ten megabytes without a regular expression overflowing the stack', async () => {
    const counter = () => (text: string) => Math.ceil(text.length / 4);
    const tenMb = 10 * 1024 * 1024;
    expect((await estimateTokens('x'.repeat(tenMb), counter)).runBytes).toBe(tenMb);
    expect((await estimateTokens(' '.repeat(tenMb), counter)).whitespaceRunChars).toBe(tenMb);
  });

  it('stays close to the exact count on whitespace runs the tokenizer can still take', async () => {
    const exactCounter = await o200kCounter();
    for (const run of ['\n'.repeat(4000), ' \n'.repeat(2000), '\t'.repeat(3000), ' '.repeat(4000)]) {
      const exact = exactCounter(run);
      const estimated = (await estimateTokens(run, o200kCounter)).tokens;
      expect(estimated, JSON.stringify(run.slice(0, 2))).toBeGreaterThanOrEqual(exact);
      expect(estimated / exact, JSON.stringify(run.slice(0, 2))).toBeLessThan(1.3);
    }
  });

  it('extrapolates very long ordinary text from the part counted exactly', async () => {
    const counted: number[] = [];
    const counter = () => (text: string) => {
      counted.push(text.length);
      return text.split(' ').length;
    };
    const estimate = await estimateTokens('word '.repeat(EXACT_MAX_CHARS / 2), counter);
    expect(counted.reduce((sum, length) => sum + length, 0)).toBeLessThanOrEqual(EXACT_MAX_CHARS);
    expect(estimate.extrapolatedChars).toBeGreaterThan(EXACT_MAX_CHARS / 2);
    // 50,000 words, one token each in this counter.
    expect(estimate.tokens).toBeGreaterThan(50_000 - 10);
    expect(estimate.tokens).toBeLessThan(50_000 + 10);
  });

  it('prices input and output tokens per million', () => {
    expect(priceEstimate(1000, 500, { input_per_mtok: 3, output_per_mtok: 15 }).costUsd).toBeCloseTo(
      0.0105,
      10,
    );
    expect(priceEstimate(1, 0, { input_per_mtok: 1_000_000, output_per_mtok: 0 }).costUsd).toBe(1);
    expect(priceEstimate(1000, 500, undefined).costUsd).toBe(0);
  });
});
