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
  type ToolConfig,
} from '@llm-service/spec';
import { claudeToolSchema } from '../../src/config/claude-schema.js';

/** The same merge core's config loader does for a tool with `adapter: claude`. */
const mergedToolSchema = z.strictObject({ ...coreToolShape, ...claudeToolSchema.shape });

export function toolConfig(raw: Record<string, unknown>): ToolConfig {
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

export function invocationRequest(
  tool: ToolConfig,
  prompt: string,
  overrides: Partial<InvocationRequest> = {},
): InvocationRequest {
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
    adapterOptions: undefined,
    configDir: tmpdir(),
    maxBudgetUsd: undefined,
    env: {},
    ...overrides,
  };
}

export interface Outcome {
  outputs: string[];
  result: InvocationResult | undefined;
  error: (Error & Record<string, unknown>) | undefined;
}

/** Subscribes to one invocation and collects what it emits, until it completes or fails. */
export function collect(
  adapter: ToolAdapterV1,
  request: InvocationRequest,
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
