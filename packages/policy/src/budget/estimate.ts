import { createRequire } from 'node:module';
import { join } from 'node:path';
import type O200kBase from 'js-tiktoken/ranks/o200k_base';
import type { ModelPrice } from '@llm-service/spec';
import { computeCostUsd } from '@llm-service/plugin-kit';
import { createBpeCounter, loadBpeTable } from './bpe-counter.js';
/** Counts the tokens of a piece of text. */
export type TokenCounter = (text: string) => number;

/**
 * Runs without whitespace at least this long are estimated from their bytes, and whitespace runs from a sample: the
 * BPE tokenizer's merge step is quadratic in the length of one piece (20 KB of base64 took 56 s).
 */
export const LONG_RUN_CHARS = 512;
/** Text beyond this many characters (outside long runs) is extrapolated from what was counted exactly. */
export const EXACT_MAX_CHARS = 100_000;
/** o200k_base gives about 1.47 characters of base64 per token; 1.4 rounds the estimate up a little. */
export const BYTES_PER_TOKEN_IN_RUNS = 1.4;

/** JavaScript's `\\s`, by code unit. */
function isWhitespace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x20 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/**
 * The runs of at least `minLength` characters that are all whitespace or all not, found in one pass. A regular
 * expression such as `\\s{512,}` backtracks through its whole match and overflows V8's stack on a run of megabytes.
 */
function longRuns(text: string, minLength: number): { start: number; end: number; whitespace: boolean }[] {
  const runs: { start: number; end: number; whitespace: boolean }[] = [];
  let start = 0;
  for (let index = 1; index <= text.length; index++) {
    const ends =
      index === text.length ||
      isWhitespace(text.charCodeAt(index)) !== isWhitespace(text.charCodeAt(index - 1));
    if (!ends) continue;
    if (index - start >= minLength)
      runs.push({ start, end: index, whitespace: isWhitespace(text.charCodeAt(start)) });
    start = index;
  }
  return runs;
}
const encoder = new TextEncoder();

export interface TokenEstimate {
  tokens: number;
  /** Tokens counted by the tokenizer. */
  exactTokens: number;
  /** Bytes of long runs without whitespace, estimated from their size. */
  runBytes: number;
  /** Characters of ordinary text beyond EXACT_MAX_CHARS, extrapolated. */
  extrapolatedChars: number;
  /**
   * Characters of long whitespace runs (indentation, blank padding), counted from their first LONG_RUN_CHARS and
   * scaled: the merge step is quadratic in a run's length too (1 MB of spaces took 70 s), while runs are regular
   * enough that a sample predicts the rest.
   */
  whitespaceRunChars: number;
}

/**
 * Estimates the tokens of a prompt: ordinary text is counted with the tokenizer (the first EXACT_MAX_CHARS of it;
 * the rest at the same ratio), long runs without whitespace from their bytes, so a 1 MB base64 blob never reaches
 * the tokenizer.
 */
export async function estimateTokens(
  prompt: Uint8Array | string,
  counter: () => TokenCounter | Promise<TokenCounter>,
): Promise<TokenEstimate> {
  const text = typeof prompt === 'string' ? prompt : new TextDecoder().decode(prompt);
  const pieces: string[] = [];
  const whitespaceRuns: string[] = [];
  let runBytes = 0;
  let last = 0;
  for (const run of longRuns(text, LONG_RUN_CHARS)) {
    pieces.push(text.slice(last, run.start));
    const content = text.slice(run.start, run.end);
    if (run.whitespace) whitespaceRuns.push(content);
    else runBytes += encoder.encode(content).length;
    last = run.end;
  }
  pieces.push(text.slice(last));

  let exactTokens = 0;
  let countedChars = 0;
  let extrapolatedChars = 0;
  let count: TokenCounter | undefined;
  for (const piece of pieces) {
    if (piece.length === 0) continue;
    const room = EXACT_MAX_CHARS - countedChars;
    if (room <= 0) {
      extrapolatedChars += piece.length;
      continue;
    }
    // Cut at whitespace, so the part counted exactly ends on a token boundary and no long run is created.
    let exact = piece;
    if (piece.length > room) {
      const cut = piece.lastIndexOf(' ', room);
      exact = piece.slice(0, cut > 0 ? cut : room);
      extrapolatedChars += piece.length - exact.length;
    }
    count ??= await counter();
    exactTokens += count(exact);
    countedChars += exact.length;
  }
  let whitespaceTokens = 0;
  let whitespaceRunChars = 0;
  for (const run of whitespaceRuns) {
    count ??= await counter();
    const sample = run.slice(0, LONG_RUN_CHARS);
    whitespaceTokens += Math.ceil((count(sample) * run.length) / sample.length);
    whitespaceRunChars += run.length;
  }
  const ratio = countedChars > 0 ? exactTokens / countedChars : 0.25;
  const tokens =
    exactTokens +
    whitespaceTokens +
    Math.ceil(extrapolatedChars * ratio) +
    Math.ceil(runBytes / BYTES_PER_TOKEN_IN_RUNS);
  return { tokens, exactTokens, runBytes, extrapolatedChars, whitespaceRunChars };
}

const o200kCounters = new Map<string, Promise<TokenCounter>>();

/**
 * The o200k_base vocabulary of js-tiktoken as a counter (same counts as js-tiktoken's encoder; see bpe-counter).
 * The vocabulary's table is used from `cacheDir` when a previous process saved it there (reading what it needs), else
 * built from js-tiktoken's rank file (a few hundred milliseconds) and saved. Loaded once per process and directory.
 */
export function o200kCounter(options: { cacheDir?: string | undefined } = {}): Promise<TokenCounter> {
  const key = options.cacheDir ?? '';
  let counter = o200kCounters.get(key);
  if (!counter) {
    counter = (async () => {
      // require, not import(): the CLI runs its bundle through a V8 code cache, where Node 20 cannot run import().
      const load = createRequire(import.meta.url);
      // The CommonJS build of the ranks exports the table itself, not a `default`.
      const loadRanks = () => load('js-tiktoken/ranks/o200k_base') as typeof O200kBase;
      const { cacheDir } = options;
      const cacheFile = cacheDir ? join(cacheDir, O200K_CACHE_FILE) : undefined;
      const stale = cacheDir ? O200K_STALE_CACHE_FILES.map((name) => join(cacheDir, name)) : [];
      return createBpeCounter(loadBpeTable(loadRanks, cacheFile, stale));
    })();
    o200kCounters.set(key, counter);
  }
  return counter;
}

/** The cache file of the o200k_base table; the name changes with js-tiktoken's vocabulary version and our format. */
export const O200K_CACHE_FILE = 'o200k_base-js-tiktoken-1.0.21-v2.bin';
/** Caches of earlier formats (7.7 MB each), removed when the current one is saved. */
const O200K_STALE_CACHE_FILES = ['o200k_base-js-tiktoken-1.0.21-v1.bin'];

export interface CostEstimate {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** The cost of a request at a model's prices, from its estimated input and expected output tokens. */
export function priceEstimate(
  inputTokens: number,
  outputTokens: number,
  price: ModelPrice | undefined,
): CostEstimate {
  const usage = { inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0 };
  return { inputTokens, outputTokens, costUsd: price ? computeCostUsd(usage, price) : 0 };
}
