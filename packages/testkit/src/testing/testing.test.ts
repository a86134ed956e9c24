import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AdapterEvent,
  type InvocationRequest,
  type ToolAdapterV1,
  PLUGIN_API_VERSION,
} from '@llm-service/spec';
import { createScriptedAdapter, definePluginForTests, writeTestConfig } from './index.js';
import { sampleTool } from './sample-tool.js';

const tool = sampleTool;

function requestFor(model = 'm'): InvocationRequest {
  return {
    invocationId: 'i',
    chainId: 'c',
    attempt: 1,
    agent: 'dev',
    taskType: undefined,
    toolId: 'x',
    tool,
    model,
    prompt: new Uint8Array([1, 2, 3]),
    timeoutMs: 1_000,
    adapterOptions: undefined,
    configDir: '/config',
    maxBudgetUsd: undefined,
    env: {},
  };
}

/** Runs one invocation to its end: the events it emitted, and its error if it failed. */
function run(adapter: ToolAdapterV1, request: InvocationRequest, signal = new AbortController().signal) {
  return new Promise<{ events: AdapterEvent[]; error?: unknown }>((resolve) => {
    const events: AdapterEvent[] = [];
    adapter.invoke(request, signal).subscribe({
      next: (event) => void events.push(event),
      error: (error: unknown) => resolve({ events, error }),
      complete: () => resolve({ events }),
    });
  });
}

describe('createScriptedAdapter', () => {
  it('answers with its chunks and a result, and repeats the last step past the end of the script', async () => {
    const adapter = createScriptedAdapter('x', [
      { fail: 'auth', message: 'no key', output: ['partial'] },
      { answer: ['a', { text: 'b', delayMs: 5 }], usage: { outputTokens: 7 }, sessionId: 's', turns: 2 },
    ]);
    const first = await run(adapter, requestFor());
    expect(first.events).toEqual([{ type: 'output', text: 'partial' }]);
    expect(first.error).toMatchObject({
      code: 'E_ADAPTER_AUTH',
      kind: 'auth',
      fallback: true,
      message: 'no key',
    });

    for (let call = 0; call < 2; call++) {
      const { events, error } = await run(adapter, requestFor());
      expect(error).toBeUndefined();
      expect(events).toEqual([
        { type: 'output', text: 'a' },
        { type: 'output', text: 'b' },
        {
          type: 'result',
          result: {
            text: 'ab',
            usage: { inputTokens: 0, outputTokens: 7, cacheReadTokens: 0, cacheWriteTokens: 0 },
            model: 'm',
            exitCode: 0,
            durationMs: expect.any(Number),
            sessionId: 's',
            turns: 2,
          },
        },
      ]);
    }
    expect(adapter.calls).toHaveLength(3);
  });

  it('lets a function choose the step, and keeps its own copy of each prompt', async () => {
    const adapter = createScriptedAdapter('x', (request, call) =>
      request.model === 'big'
        ? { fail: 'rate-limit', error: { retrySameTool: false } }
        : { answer: `call ${call}` },
    );
    const request = requestFor('big');
    expect((await run(adapter, request)).error).toMatchObject({ kind: 'rate-limit', retrySameTool: false });
    request.prompt.fill(0);
    expect(Array.from(adapter.calls[0]?.request.prompt ?? [])).toEqual([1, 2, 3]);
    const { events } = await run(adapter, requestFor('small'));
    expect(events.at(-1)).toMatchObject({ type: 'result', result: { text: 'call 1' } });
  });

  it('hangs until aborted, then fails with cancelled', async () => {
    const adapter = createScriptedAdapter('x', [{ hang: true, output: ['thinking'] }]);
    const controller = new AbortController();
    const pending = run(adapter, requestFor(), controller.signal);
    setTimeout(() => controller.abort(), 10);
    const { events, error } = await pending;
    expect(events).toEqual([{ type: 'output', text: 'thinking' }]);
    expect(error).toMatchObject({ kind: 'cancelled', fallback: false });
    expect(adapter.calls[0]).toMatchObject({ aborted: true, unsubscribed: false });
  });

  it('records an unsubscribe that ends a call early', async () => {
    const adapter = createScriptedAdapter('x', [{ hang: true }]);
    adapter.invoke(requestFor(), new AbortController().signal).subscribe().unsubscribe();
    expect(adapter.calls[0]).toMatchObject({ aborted: false, unsubscribed: true });
  });

  it('answers detect as configured', async () => {
    const context = { configDir: '/config', env: {} };
    expect(await createScriptedAdapter('x', [{ answer: '' }]).detect(tool, context)).toEqual({
      installed: true,
    });
    const missing = createScriptedAdapter('x', [{ answer: '' }], {
      detect: (config) => ({ installed: false, problem: `${config.binary} not found` }),
    });
    expect(await missing.detect(tool, context)).toEqual({ installed: false, problem: 'x not found' });
  });
});

describe('definePluginForTests', () => {
  it('contributes a tool schema and agent options for each adapter it registers', () => {
    const plugin = definePluginForTests({ adapters: [createScriptedAdapter('x', [{ answer: '' }])] });
    expect(plugin.apiVersion).toBe(`^${PLUGIN_API_VERSION}`);
    expect(plugin.configSchema?.tools?.x?.safeParse({}).success).toBe(true);
    expect(plugin.configSchema?.agentOptions?.x?.safeParse({ any: 1 }).success).toBe(true);
    expect(plugin.dispose).toBeUndefined();
  });
});

describe('writeTestConfig', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('writes each file with version 1, settings only when given, and extra files as they are', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-service-testing-'));
    dirs.push(dir);
    const nested = join(dir, 'config');
    expect(
      writeTestConfig(nested, {
        agents: { dev: { preferred_tool: 'x' } },
        tools: { x: { binary: 'x', models: ['m'] } },
        models: { m: { input_per_mtok: 1, output_per_mtok: 2 } },
        files: { 'policies.yaml': 'version: 1\nbudgets: []\n', 'extra.yaml': { version: 1, a: [1] } },
      }),
    ).toBe(nested);
    const read = (name: string) => readFileSync(join(nested, name), 'utf8');
    expect(read('agents.yaml')).toBe('version: 1\nagents:\n  dev:\n    preferred_tool: x\n');
    expect(read('models.yaml')).toContain('input_per_mtok: 1');
    expect(read('policies.yaml')).toBe('version: 1\nbudgets: []\n');
    expect(read('extra.yaml')).toBe('version: 1\na:\n  - 1\n');
    expect(() => read('llm-service.yaml')).toThrow(/ENOENT/);
  });
});
