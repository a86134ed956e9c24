import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  coreToolShape,
  z,
  type AdapterEvent,
  type InvocationRequest,
  type InvocationResult,
  type ToolAdapterV1,
} from '@llm-service/spec';
import type { ClaudeTool } from '../../src/adapter/settings.js';
import {
  claudeAgentOptionsSchema,
  claudeToolSchema,
  type ClaudeAgentOptions,
} from '../../src/config/claude-schema.js';

export type ClaudeRequest = InvocationRequest<ClaudeTool, ClaudeAgentOptions>;

/** The same merge core's config loader does for a tool with `adapter: claude`. */
const mergedToolSchema = z.strictObject({ ...coreToolShape, ...claudeToolSchema.shape });

export function toolConfig(raw: Record<string, unknown>): ClaudeTool {
  return mergedToolSchema.parse({
    adapter: 'claude',
    binary: 'claude',
    models: ['claude-sonnet-4-5'],
    ...raw,
  });
}

export function temporaryDirectory(prefix = 'adapter-claude-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * One attempt's request as the kernel builds it; `adapterOptions` (raw, as in agents.yaml) go through the adapter's
 * schema as the config loader would put them.
 */
export function invocationRequest(
  tool: ClaudeTool,
  prompt: string,
  overrides: Partial<Omit<ClaudeRequest, 'adapterOptions'>> & { adapterOptions?: unknown } = {},
): ClaudeRequest {
  const { adapterOptions, ...rest } = overrides;
  return {
    invocationId: 'inv-1',
    chainId: 'chain-1',
    attempt: 1,
    agent: 'tester',
    taskType: undefined,
    toolId: 'claude',
    tool,
    model: 'claude-sonnet-4-5',
    prompt: new TextEncoder().encode(prompt),
    timeoutMs: 60_000,
    configDir: tmpdir(),
    maxBudgetUsd: undefined,
    env: {},
    ...rest,
    adapterOptions: adapterOptions === undefined ? undefined : claudeAgentOptionsSchema.parse(adapterOptions),
  };
}

export interface Outcome {
  outputs: string[];
  result: InvocationResult | undefined;
  error: (Error & Record<string, unknown>) | undefined;
}

/** Subscribes to one invocation and collects what it emits, until it completes or fails. */
export function collect(
  adapter: ToolAdapterV1<ClaudeTool, ClaudeAgentOptions>,
  request: ClaudeRequest,
  signal: AbortSignal = new AbortController().signal,
  onOutput?: (text: string) => void,
): Promise<Outcome> {
  return new Promise((resolve) => {
    const outcome: Outcome = { outputs: [], result: undefined, error: undefined };
    adapter.invoke(request, signal).subscribe({
      next: (event: AdapterEvent) => {
        if (event.type === 'output') {
          outcome.outputs.push(event.text);
          onOutput?.(event.text);
        } else if (event.type === 'result') outcome.result = event.result;
      },
      error: (error: unknown) => resolve({ ...outcome, error: error as Outcome['error'] }),
      complete: () => resolve(outcome),
    });
  });
}

/** `request` with an agent's raw `adapter_options.claude`, validated as the config loader would. */
export function withAgentOptions(request: ClaudeRequest, raw: unknown): ClaudeRequest {
  return { ...request, adapterOptions: claudeAgentOptionsSchema.parse(raw) };
}
