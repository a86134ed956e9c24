import { createRequire } from 'node:module';
import { join } from 'node:path';
import type O200kBase from 'js-tiktoken/ranks/o200k_base';
import { createBpeCounter, loadBpeTable } from './bpe-counter.js';
/** Counts the tokens of a piece of text. */
export type TokenCounter = (text: string) => number;

/**
 * Runs without whitespace at least this long are estimated from their bytes: the BPE tokenizer's merge step is
 * quadratic in the length of one piece (20 KB of base64 took 56 s).
 */
export const LONG_RUN_CHARS = 512;
/** Text beyond this many characters (outside long runs) is extrapolated from what was counted exactly. */
export const EXACT_MAX_CHARS = 100_000;
/** o200k_base gives about 1.47 characters of base64 per token; 1.4 rounds the estimate up a little. */
export const BYTES_PER_TOKEN_IN_RUNS = 1.4;

const longRun = new RegExp(`\\S{${LONG_RUN_CHARS},}`, 'g');
const encoder = new TextEncoder();

export interface TokenEstimate {
  tokens: number;
  /** Tokens counted by the tokenizer. */
  exactTokens: number;
  /** Bytes of long runs without whitespace, estimated from their size. */
  runBytes: number;
  /** Characters of ordinary text beyond EXACT_MAX_CHARS, extrapolated. */
  extrapolatedChars: number;
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
  let runBytes = 0;
  let last = 0;
  for (const match of text.matchAll(longRun)) {
    pieces.push(text.slice(last, match.index));
    runBytes += encoder.encode(match[0]).length;
    last = match.index + match[0].length;
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
  const ratio = countedChars > 0 ? exactTokens / countedChars : 0.25;
  const tokens =
    exactTokens + Math.ceil(extrapolatedChars * ratio) + Math.ceil(runBytes / BYTES_PER_TOKEN_IN_RUNS);
  return { tokens, exactTokens, runBytes, extrapolatedChars };
}

const o200kCounters = new Map<string, Promise<TokenCounter>>();

/**
 * The o200k_base vocabulary of js-tiktoken as a counter (same counts as js-tiktoken's encoder; see bpe-counter).
 * The vocabulary's table is read from `cacheDir` when a previous process saved it there (a few milliseconds), else
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
      const cacheFile = options.cacheDir ? join(options.cacheDir, O200K_CACHE_FILE) : undefined;
      return createBpeCounter(loadBpeTable(loadRanks, cacheFile));
    })();
    o200kCounters.set(key, counter);
  }
  return counter;
}

/** The cache file of the o200k_base table; the name changes with js-tiktoken's vocabulary version and our format. */
export const O200K_CACHE_FILE = 'o200k_base-js-tiktoken-1.0.21-v1.bin';

export interface ModelPrice {
  input_per_mtok: number;
  output_per_mtok: number;
}

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
  const costUsd = price
    ? (inputTokens * price.input_per_mtok + outputTokens * price.output_per_mtok) / 1_000_000
    : 0;
  return { inputTokens, outputTokens, costUsd };
}
