import type { Observable } from 'rxjs';
import type { ToolConfig } from '../../config/schemas.js';
import type { PlanWindowReading } from './plan-windows.js';

export interface Usage {
  /** Uncached input tokens only: cache reads and writes are counted apart and priced at their own rates. */
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

export const emptyUsage: Usage = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
});

export interface DetectResult {
  installed: boolean;
  /** Absolute path of the binary that would run. */
  path?: string;
  version?: string;
  /** Names of the credential sources found (environment variable names, "logged-in session"), never values. */
  credentials?: readonly string[];
  /** Why it is not usable, when it is not. */
  problem?: string;
}

/**
 * What an adapter is asked to run: one attempt of one candidate. `TTool` and `TOptions` are the adapter's own settings
 * as its schemas output them: the kernel validated them once, at load, through the schemas the adapter contributed.
 */
export interface InvocationRequest<TTool extends ToolConfig = ToolConfig, TOptions = unknown> {
  invocationId: string;
  chainId: string;
  attempt: number;
  agent: string;
  taskType: string | undefined;
  toolId: string;
  /** The tool's validated entry from tools.yaml, including its adapter's own keys. */
  tool: TTool;
  model: string;
  /** The prompt as bytes: adapters pass it on unchanged, never decoding and re-encoding it. */
  prompt: Uint8Array;
  timeoutMs: number;
  /** `agents.<agent>.adapter_options.<adapter id>`, validated by the adapter's schema; undefined when the agent has none. */
  adapterOptions: TOptions | undefined;
  configDir: string;
  /** A per-request cost cap a policy set; adapters whose tool supports one pass it on. */
  maxBudgetUsd: number | undefined;
  env: Readonly<Record<string, string | undefined>>;
}

export interface InvocationResult {
  text: string;
  usage: Usage;
  /**
   * `false` when the tool reports no usage at all (plain-text output), so `usage` holds no counts (plugin API 1.4):
   * the kernel then asks a cost estimator to count the prompt and answer. Absent means the usage was reported.
   */
  usageReported?: boolean;
  /** Cost as the tool itself reported it, when it does. */
  reportedCostUsd?: number;
  /** The model that actually answered, as the tool reported it. */
  model: string;
  exitCode: number;
  durationMs: number;
  sessionId?: string;
  turns?: number;
}

export type AdapterEvent =
  | { type: 'output'; text: string }
  | { type: 'usage'; usage: Partial<Usage> }
  | { type: 'result'; result: InvocationResult }
  /**
   * What the program said about its plan's windows (plugin API 1.9), whenever it says it: the kernel emits each
   * reading as `limits.observed` for this attempt's tool. Send a `rejected` reading before failing with `plan-limit`.
   */
  | { type: 'limits'; windows: readonly PlanWindowReading[]; account?: string };

export interface ToolAdapterV1<TTool extends ToolConfig = ToolConfig, TOptions = unknown> {
  readonly specificationVersion: 'v1';
  readonly id: string;
  detect(
    tool: TTool,
    context: { configDir: string; env: Readonly<Record<string, string | undefined>> },
  ): Promise<DetectResult>;
  /**
   * Runs one attempt. The observable emits answer text as it arrives and completes after one `result` event; it fails
   * with an `AdapterError`. Unsubscribing, or aborting `signal`, ends the tool's whole process group.
   */
  invoke(request: InvocationRequest<TTool, TOptions>, signal: AbortSignal): Observable<AdapterEvent>;
  /**
   * `false` when this tool reports no usage (plugin API 1.5): the kernel then has the cost estimator get ready while
   * the tool runs, so counting its answer adds no wait after it. Absent means it may report usage.
   */
  reportsUsage?(tool: TTool): boolean;
}
