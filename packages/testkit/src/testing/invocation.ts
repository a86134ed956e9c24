import { tmpdir } from 'node:os';
import type {
  AdapterEvent,
  InvocationRequest,
  InvocationResult,
  ToolAdapterV1,
  ToolConfig,
} from '@llm-service/spec';

/** What a test may change in a request; `adapterOptions` are raw, as an agent writes them in agents.yaml. */
export type RequestOverrides<TTool extends ToolConfig, TOptions> = Partial<
  Omit<InvocationRequest<TTool, TOptions>, 'adapterOptions'>
> & { adapterOptions?: unknown };

/** An adapter's defaults for its tests' requests: the fields the kernel would fill in, and its options schema. */
export type RequestDefaults<TOptions> = Partial<
  Omit<InvocationRequest<ToolConfig, TOptions>, 'tool' | 'prompt' | 'adapterOptions'>
> & {
  toolId: string;
  model: string;
  /** The adapter's agent-options schema, so raw options arrive validated, as the config loader would pass them. */
  parseOptions: (raw: unknown) => TOptions;
};

/**
 * A builder of one attempt's request as the kernel makes it for this adapter, so an adapter's tests can call
 * `invoke` without a kernel: the defaults say what differs by adapter, `overrides` what a test needs.
 */
export function invocationRequestFor<TTool extends ToolConfig, TOptions>(
  defaults: RequestDefaults<TOptions>,
): (
  tool: TTool,
  prompt: string | Uint8Array,
  overrides?: RequestOverrides<TTool, TOptions>,
) => InvocationRequest<TTool, TOptions> {
  const { parseOptions, ...fields } = defaults;
  return (tool, prompt, overrides = {}) => {
    const { adapterOptions, ...rest } = overrides;
    return {
      invocationId: 'inv-1',
      chainId: 'chain-1',
      attempt: 1,
      agent: 'tester',
      taskType: undefined,
      timeoutMs: 60_000,
      configDir: tmpdir(),
      maxBudgetUsd: undefined,
      env: {},
      ...fields,
      tool,
      prompt: typeof prompt === 'string' ? new TextEncoder().encode(prompt) : prompt,
      ...rest,
      adapterOptions: adapterOptions === undefined ? undefined : parseOptions(adapterOptions),
    };
  };
}

/** An adapter's failure: an `AdapterError` read by its fields (`kind`, `fallback`, `hint`, `resetsAt`, …). */
export type AdapterFailure = Error & Record<string, unknown>;

/** What one invocation emitted: its output texts in order, its result if it completed, its error if it failed. */
export interface InvocationOutcome {
  outputs: string[];
  result: InvocationResult | undefined;
  error: AdapterFailure | undefined;
}

export interface CollectOptions {
  /** Aborting it cancels the invocation; by default nothing does. */
  signal?: AbortSignal;
  /** Called as each output arrives, before the invocation ends: for tests of streaming. */
  onOutput?: (text: string) => void;
}

/**
 * Subscribes to one invocation of `adapter` and resolves when it completes or fails (never rejects), so a test
 * asserts on outputs, result and error alike.
 */
export function collectInvocation<TTool extends ToolConfig, TOptions>(
  adapter: ToolAdapterV1<TTool, TOptions>,
  request: InvocationRequest<TTool, TOptions>,
  options: CollectOptions = {},
): Promise<InvocationOutcome> {
  return new Promise((resolve) => {
    const outcome: InvocationOutcome = { outputs: [], result: undefined, error: undefined };
    adapter.invoke(request, options.signal ?? new AbortController().signal).subscribe({
      next: (event: AdapterEvent) => {
        if (event.type === 'output') {
          outcome.outputs.push(event.text);
          options.onOutput?.(event.text);
        } else if (event.type === 'result') outcome.result = event.result;
      },
      error: (error: unknown) =>
        resolve({
          ...outcome,
          error: (error instanceof Error ? error : new Error(String(error))) as AdapterFailure,
        }),
      complete: () => resolve(outcome),
    });
  });
}
