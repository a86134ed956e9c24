import type { Usage } from './adapter.js';

/** An attempt whose tool ran but reported no usage. */
export interface UnreportedAttempt {
  agent: string;
  model: string;
  prompt: Uint8Array;
  answer: string;
}

/** A request about to run, as `route` previews it. */
export interface ForecastRequest {
  agent: string;
  taskType: string | undefined;
  model: string;
  prompt: Uint8Array;
}

/**
 * Counts tokens where no tool does (plugin API 1.4); provided by the policy plugin, which has the tokenizer. The kernel
 * prices what it counts with the model's prices and records it with cost source `estimated`; without a provider, such
 * an attempt's cost is recorded as `unknown`.
 */
export interface CostEstimatorV1 {
  readonly specificationVersion: 'v1';
  /** The usage of an attempt whose tool reported none: its prompt and its answer, counted. */
  usageOf(attempt: UnreportedAttempt): Promise<Usage>;
  /** What a request is expected to use before it runs: its prompt counted, its answer predicted. */
  forecast(request: ForecastRequest): Promise<Usage>;
  /**
   * Gets ready to count (plugin API 1.5), e.g. reads a tokenizer's table: called when an attempt starts on a tool
   * that reports no usage, so the work overlaps the tool's run. Since 1.8 it is given the attempt's prompt, which it
   * may count then, leaving only the answer to count after the run. Must not throw; `usageOf` works without it.
   */
  prepare?(attempt?: { prompt: Uint8Array }): void;
  /**
   * Sees the answer while the tool streams it (plugin API 1.13), piece by piece, after `prepare`: an estimator may get
   * ready to count it then (e.g. read the parts of its tokenizer's table the answer needs), while the tool is still
   * running, so that `usageOf` has less left to do once the tool is done. The count itself stays `usageOf`'s, of the
   * whole answer. Must not throw.
   */
  observeAnswer?(text: string): void;
}
