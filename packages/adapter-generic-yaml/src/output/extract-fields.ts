import type { Usage } from '@llm-service/spec';
import type { OutputPathKey, OutputSettings } from '../config/tool-schema.js';
import { parseDotPath, selectPath } from './dot-path.js';

/** What the output paths found, over one JSON document or every line of a JSONL stream. */
export interface ExtractedFields {
  text: string;
  /** Whether the text path matched any string at all: a JSON answer without one is unreadable, not empty. */
  textFound: boolean;
  usage: Usage;
  /** Whether any usage path matched a number: without one, the usage is not known (not zero). */
  usageReported: boolean;
  reportedCostUsd?: number;
  model?: string;
  sessionId?: string;
}

type CompiledPaths = Partial<Record<OutputPathKey, string[]>>;

const usageKeys = {
  input_tokens: 'inputTokens',
  output_tokens: 'outputTokens',
  cache_read_tokens: 'cacheReadTokens',
  cache_write_tokens: 'cacheWriteTokens',
} as const satisfies Partial<Record<OutputPathKey, keyof Usage>>;

/**
 * Applies the configured dot paths to JSON values and accumulates across them: text matches are concatenated in
 * order, numeric matches summed (a JSONL stream reports usage piecewise), and for model and session id the last
 * string seen wins (later lines describe the finished run).
 */
export class FieldExtractor {
  readonly #paths: CompiledPaths = {};
  readonly #text: string[] = [];
  #textFound = false;
  readonly #usage: Usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  #usageFound = false;
  #cost: number | undefined;
  #model: string | undefined;
  #sessionId: string | undefined;

  constructor(output: OutputSettings) {
    for (const key of Object.keys(usageKeys) as (keyof typeof usageKeys)[]) this.#compile(output, key);
    for (const key of ['text', 'cost_usd', 'model', 'session_id'] as const) this.#compile(output, key);
  }

  #compile(output: OutputSettings, key: OutputPathKey): void {
    const path = output[key];
    const segments = path === undefined ? undefined : parseDotPath(path);
    if (segments) this.#paths[key] = segments;
  }

  /** Adds one JSON value (a document or a line) and returns the answer text it held, for streaming. */
  add(value: unknown): string {
    let text = '';
    const textPath = this.#paths.text;
    if (textPath) {
      for (const match of selectPath(value, textPath)) {
        if (typeof match !== 'string') continue;
        this.#textFound = true;
        text += match;
      }
      this.#text.push(text);
    }
    for (const [key, usageKey] of Object.entries(usageKeys) as [keyof typeof usageKeys, keyof Usage][]) {
      const sum = this.#sum(key, value);
      if (sum === undefined) continue;
      this.#usage[usageKey] += sum;
      this.#usageFound = true;
    }
    const cost = this.#sum('cost_usd', value);
    if (cost !== undefined) this.#cost = (this.#cost ?? 0) + cost;
    this.#model = this.#lastString('model', value) ?? this.#model;
    this.#sessionId = this.#lastString('session_id', value) ?? this.#sessionId;
    return text;
  }

  #sum(key: OutputPathKey, value: unknown): number | undefined {
    const path = this.#paths[key];
    if (!path) return undefined;
    let sum: number | undefined;
    for (const match of selectPath(value, path)) {
      if (typeof match === 'number' && Number.isFinite(match)) sum = (sum ?? 0) + match;
    }
    return sum;
  }

  #lastString(key: OutputPathKey, value: unknown): string | undefined {
    const path = this.#paths[key];
    if (!path) return undefined;
    const strings = selectPath(value, path).filter(
      (match): match is string => typeof match === 'string' && match !== '',
    );
    return strings.at(-1);
  }

  result(): ExtractedFields {
    return {
      text: this.#text.join(''),
      textFound: this.#textFound,
      usage: { ...this.#usage },
      usageReported: this.#usageFound,
      ...(this.#cost === undefined ? {} : { reportedCostUsd: this.#cost }),
      ...(this.#model === undefined ? {} : { model: this.#model }),
      ...(this.#sessionId === undefined ? {} : { sessionId: this.#sessionId }),
    };
  }
}
