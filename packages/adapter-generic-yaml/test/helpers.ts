import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  coreToolShape,
  z,
  type AdapterEvent,
  type InvocationRequest,
  type InvocationResult,
} from '@llm-service/spec';
import { invocationRequestFor } from '@llm-service/testkit/testing';
import type { GenericYamlTool } from '../src/config/tool-settings-types.js';
import { createGenericYamlAdapter } from '../src/index.js';
import { genericYamlToolSchema } from '../src/config/tool-schema.js';

export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const fakeCli = join(fixturesDir, 'fake-llm.mjs');

/** The same merge core's config loader does; the adapter's cross-field refinement runs on the result after it. */
const mergedToolSchema = z.strictObject({ ...coreToolShape, ...genericYamlToolSchema.shape });

export function toolConfig(raw: Record<string, unknown>): GenericYamlTool {
  const tool = mergedToolSchema.parse({
    adapter: 'generic-yaml',
    binary: fakeCli,
    models: ['fake-model'],
    ...raw,
  });
  genericYamlToolSchema.parse(tool);
  return tool as GenericYamlTool;
}

export function temporaryDirectory(prefix = 'generic-yaml-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** One attempt's request for the fake CLI, run with this process's environment. */
export const invocationRequest = invocationRequestFor<GenericYamlTool, unknown>({
  toolId: 'fake',
  model: 'fake-model',
  timeoutMs: 20_000,
  configDir: fixturesDir,
  env: process.env,
  // generic-yaml takes no agent options.
  parseOptions: (raw) => raw,
});

export interface TimedEvent {
  event: AdapterEvent;
  at: number;
}

export interface Outcome {
  events: TimedEvent[];
  outputs: string[];
  result: InvocationResult | undefined;
  error: unknown;
  completedAt: number;
}

/** Subscribes and waits for the observable to complete or fail, recording when each event arrived. */
export function collect(
  request: InvocationRequest<GenericYamlTool>,
  signal: AbortSignal = new AbortController().signal,
): Promise<Outcome> {
  const adapter = createGenericYamlAdapter();
  return new Promise((resolve) => {
    const events: TimedEvent[] = [];
    const finish = (error: unknown) => {
      const result = events.map(({ event }) => event).find((event) => event.type === 'result');
      resolve({
        events,
        outputs: events.flatMap(({ event }) => (event.type === 'output' ? [event.text] : [])),
        result: result?.type === 'result' ? result.result : undefined,
        error,
        completedAt: performance.now(),
      });
    };
    adapter.invoke(request, signal).subscribe({
      next: (event) => events.push({ event, at: performance.now() }),
      error: (error: unknown) => finish(error),
      complete: () => finish(undefined),
    });
  });
}

/** A zombie still answers `kill(pid, 0)`, and a container's init may be slow to reap it: read its state instead. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (process.platform === 'linux') return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return condition();
}
