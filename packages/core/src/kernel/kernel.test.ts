import { createHash } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type PolicyContext,
  type PolicyDecision,
  type PolicyV1,
  type Candidate,
  type TelemetrySinkV1,
  type AdapterErrorKind,
  type EventOfType,
  type LlmServiceEvent,
  type LlmServiceEventType,
  type PluginDefinition,
  type PolicyV2,
  type RequestEvent,
  type CostEstimatorV1,
  type UnreportedAttempt,
  CostEstimatorToken,
  emptyUsage,
  serviceToken,
} from '@llm-service/spec';
import {
  collectEvents,
  createScriptedAdapter,
  createTestLogger,
  definePluginForTests,
  writeTestConfig,
  type Script,
} from '@llm-service/testkit/testing';
import type { ExecRequest } from '@llm-service/spec';
import { createKernel, type Kernel, type KernelOptions } from './kernel.js';

/**
 * The kernel's request pipeline, driven in-process through `exec` with scripted adapters and a real config
 * directory: routing, policies, fallback, retries, streaming, cancellation, costs and events.
 */

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const directories: string[] = [];
const kernels: Kernel[] = [];
afterEach(async () => {
  for (const kernel of kernels.splice(0)) await kernel.dispose();
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Setup {
  a?: Script;
  b?: Script;
  /** Extra keys of tools.yaml's entry for tool `a` (e.g. `retry`). */
  toolA?: Record<string, unknown>;
  policies?: PolicyV1[];
  sinks?: TelemetrySinkV1[];
  /** Plugins loaded after the one that registers the adapters. */
  plugins?: PluginDefinition[];
  env?: Record<string, string>;
  confirm?: KernelOptions['confirm'];
  /** llm-service.yaml's keys besides `version`. */
  settings?: Record<string, unknown>;
}

/**
 * Agent `dev` prefers a:m1 and falls back to b:m2; its task type `review` picks a:m1b. m1 has cache prices of its
 * own; m1b and m2 do not.
 */
function setup(options: Setup = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'llm-service-kernel-'));
  directories.push(dir);
  writeTestConfig(dir, {
    agents: {
      dev: {
        preferred_tool: 'a',
        preferred_model: 'm1',
        fallback_chain: ['b:m2'],
        task_types: { review: { model: 'm1b' } },
        adapter_options: { a: { flavour: 'plain' } },
      },
    },
    tools: {
      a: { adapter: 'a', binary: 'tool-a', models: ['m1', 'm1b'], timeout_s: 42, ...options.toolA },
      b: { adapter: 'b', binary: 'tool-b', models: ['m2'] },
    },
    models: {
      m1: { input_per_mtok: 3, output_per_mtok: 15, cache_read_per_mtok: 0.3, cache_write_per_mtok: 3.75 },
      m1b: { input_per_mtok: 1, output_per_mtok: 5 },
      m2: { input_per_mtok: 0.5, output_per_mtok: 1 },
    },
    ...(options.settings ? { settings: options.settings } : {}),
  });
  const a = createScriptedAdapter('a', options.a ?? [{ answer: 'from a' }]);
  const b = createScriptedAdapter('b', options.b ?? [{ answer: 'from b' }]);
  const logger = createTestLogger();
  const kernel = createKernel({
    configDir: dir,
    cwd: dir,
    env: { HOME: dir, ...options.env },
    logger,
    ...(options.confirm ? { confirm: options.confirm } : {}),
    plugins: [
      definePluginForTests({
        adapters: [a, b],
        policies: options.policies ?? [],
        sinks: options.sinks ?? [],
      }),
      ...(options.plugins ?? []),
    ],
  });
  kernels.push(kernel);
  const events = collectEvents(kernel);
  return { kernel, a, b, events, logger, dir };
}

function policy(
  id: string,
  decide: (candidate: Candidate, context: PolicyContext) => PolicyDecision,
): PolicyV1 {
  return { specificationVersion: 'v1', id, evaluate: decide };
}

function ofType<T extends LlmServiceEventType>(
  events: readonly LlmServiceEvent[],
  type: T,
): EventOfType<T>[] {
  return events.filter((event): event is EventOfType<T> => event.type === type);
}

async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected the promise to reject');
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const request: ExecRequest = { agent: 'dev', prompt: 'hello' };

describe('exec: a successful request', () => {
  it('returns the documented result, with costs computed from models.yaml (cache tokens at their own rates)', async () => {
    const usage = {
      inputTokens: 1_000,
      outputTokens: 2_000,
      cacheReadTokens: 10_000,
      cacheWriteTokens: 4_000,
    };
    const { kernel } = setup({ a: [{ answer: ['Hello', ', ', 'world'], usage, sessionId: 's-1' }] });
    const chunks: string[] = [];
    const result = await kernel.exec(request, { onText: (text) => chunks.push(text) });

    expect(chunks).toEqual(['Hello', ', ', 'world']);
    expect(result).toEqual({
      text: 'Hello, world',
      agent: 'dev',
      tool: 'a',
      model: 'm1',
      reason: 'preferred',
      usage,
      // 1000 * 3 + 2000 * 15 + 10000 * 0.3 + 4000 * 3.75 = 51000 USD per million tokens
      costUsd: expect.closeTo(0.051, 10),
      costSource: 'computed',
      latencyMs: expect.any(Number),
      invocationId: expect.stringMatching(uuid),
      chainId: expect.stringMatching(uuid),
      attempts: [
        {
          attempt: 1,
          tool: 'a',
          model: 'm1',
          reason: 'preferred',
          status: 'success',
          latencyMs: expect.any(Number),
        },
      ],
    });
  });

  it("counts the tool's own cost when it reports one, and still records the computed cost", async () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const { kernel, events } = setup({ a: [{ answer: 'ok', usage, reportedCostUsd: 0.5 }] });
    const result = await kernel.exec(request);
    expect(result).toMatchObject({ costUsd: 0.5, costSource: 'tool' });
    expect(ofType(events, 'invocation.succeeded')[0]).toMatchObject({
      costUsd: 0.5,
      costSource: 'tool',
      computedCostUsd: expect.closeTo(3, 10),
      priceHash: expect.stringMatching(/^[0-9a-f]{12}$/),
    });
    expect(ofType(events, 'request.completed')[0]).toMatchObject({ status: 'success', costUsd: 0.5 });
  });

  it('does not believe a cost that cannot be true: with nothing held, the price of the usage counts, marked estimated', async () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const { kernel, events, logger } = setup({
      a: [{ answer: 'ok', usage, reportedCostUsd: Number.POSITIVE_INFINITY }],
    });
    const result = await kernel.exec(request);
    expect(result).toMatchObject({ text: 'ok', costUsd: expect.closeTo(3, 10), costSource: 'estimated' });
    expect(ofType(events, 'invocation.succeeded')[0]).toMatchObject({
      costSource: 'estimated',
      costNote: 'the tool reported cost_usd Infinity; counted the cost of the rest of its usage, $3.0000',
    });
    expect(logger.warnings).toEqual([
      'warning: a:m1 reported cost_usd Infinity, which cannot be true; counting the cost of the rest of its usage, $3.0000 instead',
    ]);
  });

  it('records the cost of a tool that reports no usage as unknown, never $0, when no plugin estimates it', async () => {
    const { kernel, events } = setup({ a: [{ answer: 'plain text', usageReported: false }] });
    const result = await kernel.exec(request);
    expect(result).toMatchObject({ text: 'plain text', costUsd: 0, costSource: 'unknown' });
    expect(ofType(events, 'invocation.succeeded')[0]).toMatchObject({
      costSource: 'unknown',
      costNote: 'the tool reports no usage and no loaded plugin estimates it (the policy plugin does)',
    });
  });

  it('prices what a cost estimator counts for a tool that reports no usage, marked estimated', async () => {
    const counted: UnreportedAttempt[] = [];
    const estimator: CostEstimatorV1 = {
      specificationVersion: 'v1',
      usageOf: async (attempt) => {
        counted.push(attempt);
        return { inputTokens: 1_000_000, outputTokens: 100_000, cacheReadTokens: 0, cacheWriteTokens: 0 };
      },
      forecast: async () => emptyUsage,
    };
    const { kernel, events } = setup({
      a: [{ answer: 'plain text', usageReported: false }],
      plugins: [
        definePluginForTests({
          name: 'estimator',
          provides: [CostEstimatorToken],
          register: (context) => context.services.provide(CostEstimatorToken, estimator),
        }),
      ],
    });
    const result = await kernel.exec(request);
    // m1: $3 per million input tokens, $15 per million output tokens.
    expect(result).toMatchObject({ costUsd: expect.closeTo(4.5, 10), costSource: 'estimated' });
    expect(counted).toEqual([
      { agent: 'dev', model: 'm1', prompt: new TextEncoder().encode('hello'), answer: 'plain text' },
    ]);
    expect(ofType(events, 'invocation.succeeded')[0]).toMatchObject({
      usage: { inputTokens: 1_000_000, outputTokens: 100_000 },
      costSource: 'estimated',
      costNote: 'the tool reports no usage; its prompt and answer were counted with a tokenizer',
    });
  });

  it('keeps the answer and records the cost as unknown when the estimator fails', async () => {
    const estimator: CostEstimatorV1 = {
      specificationVersion: 'v1',
      usageOf: () => Promise.reject(new Error('no tokenizer')),
      forecast: async () => emptyUsage,
    };
    const { kernel, logger } = setup({
      a: [{ answer: 'plain text', usageReported: false }],
      plugins: [
        definePluginForTests({
          name: 'estimator',
          provides: [CostEstimatorToken],
          register: (context) => context.services.provide(CostEstimatorToken, estimator),
        }),
      ],
    });
    const result = await kernel.exec(request);
    expect(result).toMatchObject({
      text: 'plain text',
      costSource: 'unknown',
      attempts: [{ status: 'success' }],
    });
    expect(logger.warnings).toEqual(['warning: the cost of a:m1 could not be estimated: no tokenizer']);
  });

  it('has the estimator get ready with the prompt while a tool that reports no usage runs, and only then', async () => {
    let prepared = 0;
    const prompts: string[] = [];
    const estimator: CostEstimatorV1 = {
      specificationVersion: 'v1',
      usageOf: async () => emptyUsage,
      forecast: async () => emptyUsage,
      prepare: (attempt) => {
        prepared += 1;
        prompts.push(new TextDecoder().decode(attempt?.prompt));
      },
    };
    const plugins = [
      definePluginForTests({
        name: 'estimator',
        provides: [CostEstimatorToken],
        register: (context) => context.services.provide(CostEstimatorToken, estimator),
      }),
    ];
    const plain = setup({ plugins });
    Object.assign(plain.a, { reportsUsage: () => false });
    await plain.kernel.exec(request);
    expect(prepared).toBe(1);
    expect(prompts).toEqual([request.prompt]);
    const reporting = setup({ plugins });
    Object.assign(reporting.a, { reportsUsage: () => true });
    await reporting.kernel.exec(request);
    expect(prepared).toBe(1);
  });

  it('shows the estimator the answer as it streams, before it counts the whole answer', async () => {
    const seen: string[] = [];
    const estimator: CostEstimatorV1 = {
      specificationVersion: 'v1',
      usageOf: async (attempt) => {
        seen.push(`counted: ${attempt.answer}`);
        return emptyUsage;
      },
      forecast: async () => emptyUsage,
      prepare: () => seen.push('prepared'),
      observeAnswer: (text) => {
        seen.push(`seen: ${text}`);
        if (text === 'broken') throw new Error('an estimator that throws');
      },
    };
    const { kernel, a } = setup({
      a: [
        {
          answer: [
            { text: 'first ', delayMs: 5 },
            { text: 'broken', delayMs: 5 },
          ],
          usageReported: false,
        },
      ],
      plugins: [
        definePluginForTests({
          name: 'estimator',
          provides: [CostEstimatorToken],
          register: (context) => context.services.provide(CostEstimatorToken, estimator),
        }),
      ],
    });
    Object.assign(a, { reportsUsage: () => false });
    // An estimator that throws while it watches changes nothing of the answer.
    await expect(kernel.exec(request)).resolves.toMatchObject({ text: 'first broken' });
    expect(seen).toEqual(['prepared', 'seen: first ', 'seen: broken', 'counted: first broken']);
  });

  it('checks the cost a failed attempt reports as it checks an answer', async () => {
    const { kernel, events } = setup({
      a: [{ fail: 'tool-error', error: { reportedCostUsd: -2, fallback: true } }],
    });
    await kernel.exec(request);
    expect(ofType(events, 'invocation.failed')[0]?.cost).toMatchObject({
      costUsd: 0,
      costSource: 'estimated',
      note: 'the tool reported cost_usd -2; counted the cost of the rest of its usage, $0.0000',
    });
  });

  it('emits the events of a request in order, each with invocationId, chainId, attempt and an ISO time', async () => {
    const { kernel, events } = setup({
      a: [{ answer: ['one', 'two'] }],
      policies: [policy('allow-all', () => ({ action: 'allow' }))],
    });
    const result = await kernel.exec({ ...request, chainId: 'chain-7' });

    expect(events.map((event) => event.type)).toEqual([
      'request.received',
      'route.planned',
      'policy.decided',
      'invocation.started',
      'invocation.output',
      'invocation.output',
      'invocation.succeeded',
      'request.completed',
    ]);
    // A request emits no task events.
    const requestEvents = events as readonly RequestEvent[];
    for (const event of requestEvents) {
      expect(event.invocationId).toBe(result.invocationId);
      expect(event.chainId).toBe('chain-7');
      expect(new Date(event.at).toISOString()).toBe(event.at);
    }
    // Request-level events are attempt 0; the attempt's own events carry its 1-based number.
    expect(requestEvents.map((event) => event.attempt)).toEqual([0, 0, 0, 1, 1, 1, 1, 0]);
    expect(ofType(events, 'invocation.output').map((event) => event.text)).toEqual(['one', 'two']);
    expect(ofType(events, 'route.planned')[0]?.candidates).toEqual([
      { tool: 'a', model: 'm1', reason: 'preferred' },
      { tool: 'b', model: 'm2', reason: 'fallback' },
    ]);
    expect(ofType(events, 'request.completed')[0]).toMatchObject({ status: 'success', attempts: 1 });
  });

  it('emits no policy.decided event when no policy is loaded', async () => {
    const { kernel, events } = setup();
    await kernel.exec(request);
    expect(ofType(events, 'policy.decided')).toEqual([]);
  });

  it("records the request's project: llm-service.yaml's, else `default` for a directory not named .llm-service", async () => {
    const plain = setup();
    await plain.kernel.exec(request);
    expect(ofType(plain.events, 'request.received')[0]?.project).toBe('default');
    const named = setup({ settings: { project: 'acme-web' } });
    await named.kernel.exec(request);
    expect(ofType(named.events, 'request.received')[0]?.project).toBe('acme-web');
    expect(ofType(named.events, 'invocation.started')[0]?.project).toBe('acme-web');
  });

  it('takes the chain id from the request, else LLM_SERVICE_CHAIN_ID, else a fresh uuid', async () => {
    const fromEnv = setup({ env: { LLM_SERVICE_CHAIN_ID: 'from-env' } });
    expect((await fromEnv.kernel.exec({ ...request, chainId: 'from-request' })).chainId).toBe('from-request');
    expect((await fromEnv.kernel.exec(request)).chainId).toBe('from-env');
    expect(fromEnv.a.calls.map((call) => call.request.chainId)).toEqual(['from-request', 'from-env']);

    const fresh = setup();
    const first = await fresh.kernel.exec(request);
    const second = await fresh.kernel.exec(request);
    expect(first.chainId).toMatch(uuid);
    expect(second.chainId).toMatch(uuid);
    expect(first.chainId).not.toBe(second.chainId);
    expect(first.invocationId).not.toBe(second.invocationId);
  });

  it('treats an empty chain id as none (it would lump unrelated requests into one chain)', async () => {
    const { kernel } = setup({ env: { LLM_SERVICE_CHAIN_ID: '' } });
    expect((await kernel.exec({ ...request, chainId: '' })).chainId).toMatch(uuid);
  });

  it("passes the adapter request.timeoutS, else the tool's timeout_s, in milliseconds, and the agent's options", async () => {
    const { kernel, a, dir } = setup();
    await kernel.exec(request);
    await kernel.exec({ ...request, timeoutS: 5 });
    expect(a.calls.map((call) => call.request.timeoutMs)).toEqual([42_000, 5_000]);
    expect(a.calls[0]?.request).toMatchObject({
      agent: 'dev',
      toolId: 'a',
      model: 'm1',
      attempt: 1,
      configDir: dir,
      adapterOptions: { flavour: 'plain' },
      tool: { adapter: 'a', binary: 'tool-a', timeout_s: 42 },
    });
  });

  it('puts context files before the prompt as <context> blocks, passing every byte unchanged', async () => {
    const { kernel, a, events } = setup();
    const prompt = new Uint8Array([0x66, 0xff, 0xfe, 0xc3, 0x00, 0x0a, 0xed, 0xa0, 0x80]); // not valid UTF-8
    const notes = new Uint8Array([0x6e, 0x6f, 0x74, 0x65, 0x0a]); // "note\n"
    const binary = new Uint8Array([0x80, 0x81]);
    await kernel.exec({
      ...request,
      prompt,
      context: [
        { name: 'notes.md', content: notes },
        { name: 'data "raw".bin', content: binary },
      ],
    });
    const encode = (text: string) => Buffer.from(text, 'utf8');
    const expected = Buffer.concat([
      encode('<context file="notes.md">\n'),
      notes,
      encode('</context>\n\n<context file="data &#34;raw&#34;.bin">\n'),
      binary,
      encode('\n</context>\n\n'),
      prompt,
    ]);
    const sent = a.calls[0]?.request.prompt;
    expect(sent && Buffer.from(sent).equals(expected)).toBe(true);
    expect(ofType(events, 'request.received')[0]).toMatchObject({
      promptBytes: expected.length,
      promptSha256: createHash('sha256').update(expected).digest('hex'),
    });
  });

  it('sends a prompt without context exactly as given', async () => {
    const { kernel, a } = setup();
    const prompt = new Uint8Array([0xc0, 0xaf, 0xff]);
    await kernel.exec({ ...request, prompt });
    expect(Array.from(a.calls[0]?.request.prompt ?? [])).toEqual([0xc0, 0xaf, 0xff]);
  });
});

describe('exec: fallback and retries', () => {
  const unavailable: [AdapterErrorKind, string][] = [
    ['not-installed', 'a:m1 unavailable (not installed); trying b:m2'],
    ['auth', 'a:m1 unavailable (not logged in or invalid credentials); trying b:m2'],
    ['timeout', 'a:m1 timed out; trying b:m2'],
  ];
  it.each(unavailable)('falls back to the next candidate on %s', async (kind, message) => {
    const { kernel, a, b, events } = setup({ a: [{ fail: kind, message: `scripted ${kind}` }] });
    const result = await kernel.exec(request);

    expect(result).toMatchObject({ text: 'from b', tool: 'b', model: 'm2', reason: 'fallback' });
    expect(result.attempts).toEqual([
      {
        attempt: 1,
        tool: 'a',
        model: 'm1',
        reason: 'preferred',
        status: 'failed',
        errorKind: kind,
        message: `scripted ${kind}`,
        latencyMs: expect.any(Number),
      },
      {
        attempt: 2,
        tool: 'b',
        model: 'm2',
        reason: 'fallback',
        status: 'success',
        latencyMs: expect.any(Number),
      },
    ]);
    expect(a.calls).toHaveLength(1);
    expect(b.calls.map((call) => call.request.attempt)).toEqual([2]);
    expect(ofType(events, 'fallback.used')).toEqual([
      expect.objectContaining({
        attempt: 1,
        cause: kind,
        message,
        from: expect.objectContaining({ tool: 'a', model: 'm1' }),
        to: { tool: 'b', model: 'm2', reason: 'fallback' },
      }),
    ]);
    expect(ofType(events, 'invocation.failed')[0]).toMatchObject({ attempt: 1, errorKind: kind, tool: 'a' });
  });

  it('never falls back once output has started: the request fails with exit code 1', async () => {
    const { kernel, b, events } = setup({ a: [{ fail: 'timeout', output: ['Half an ans'] }] });
    const chunks: string[] = [];
    const error = await rejection(kernel.exec(request, { onText: (text) => chunks.push(text) }));

    expect(error).toMatchObject({ name: 'RequestFailedError', code: 'E_REQUEST_FAILED', exitCode: 1 });
    expect(error.message).toContain('a:m1 timed out after its answer had started');
    expect(chunks).toEqual(['Half an ans']);
    expect(b.calls).toHaveLength(0);
    expect(ofType(events, 'fallback.used')).toEqual([]);
    expect(ofType(events, 'request.completed')[0]).toMatchObject({ status: 'failed' });
  });

  it('retries rate limits on the same tool as often as tools.yaml allows, then falls back', async () => {
    const { kernel, a, b, events } = setup({
      a: [{ fail: 'rate-limit' }],
      toolA: { retry: { max: 2, base_ms: 1 } },
    });
    const result = await kernel.exec(request);

    expect(a.calls).toHaveLength(3);
    expect(b.calls).toHaveLength(1);
    expect(result.tool).toBe('b');
    expect(
      ofType(events, 'invocation.started').map((event) => [event.attempt, event.tool, event.reason]),
    ).toEqual([
      [1, 'a', 'preferred'],
      [2, 'a', 'retry'],
      [3, 'a', 'retry'],
      [4, 'b', 'fallback'],
    ]);
    expect(result.attempts.map((attempt) => attempt.status)).toEqual([
      'failed',
      'failed',
      'failed',
      'success',
    ]);
    expect(ofType(events, 'fallback.used')).toEqual([
      expect.objectContaining({ attempt: 3, cause: 'rate-limit' }),
    ]);
  });

  it('waits for the reset a rate-limited tool names before trying it again, and falls back when it is far off', async () => {
    const soon = new Date(Date.now() + 300).toISOString();
    const near = setup({
      a: [{ fail: 'rate-limit', error: { resetsAt: soon } }, { answer: 'after the reset' }],
      toolA: { retry: { max: 2, base_ms: 1 } },
    });
    const result = await near.kernel.exec(request);
    expect(result).toMatchObject({ text: 'after the reset', tool: 'a', reason: 'retry' });
    // The retry came after the reset (less the timer's and clock's few milliseconds), not after the 1 ms backoff.
    const retried = near.events.find((event) => event.type === 'invocation.started' && event.attempt === 2);
    expect(Date.parse(retried?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(soon) - 5);

    const later = new Date(Date.now() + 3_600_000).toISOString();
    const far = setup({
      a: [{ fail: 'rate-limit', error: { resetsAt: later } }],
      toolA: { retry: { max: 2, base_ms: 1 } },
    });
    expect((await far.kernel.exec(request)).tool).toBe('b');
    expect(far.a.calls).toHaveLength(1);
  });

  it('answers from a retry when the tool recovers', async () => {
    const { kernel, b } = setup({
      a: [{ fail: 'overloaded' }, { answer: 'second time' }],
      toolA: { retry: { max: 2, base_ms: 1 } },
    });
    const result = await kernel.exec(request);
    expect(result).toMatchObject({ text: 'second time', tool: 'a', reason: 'retry' });
    expect(result.attempts.map((attempt) => attempt.attempt)).toEqual([1, 2]);
    expect(b.calls).toHaveLength(0);
  });

  it('falls back at once on a rate limit when the tool has no retry config', async () => {
    const { kernel, a, b } = setup({ a: [{ fail: 'rate-limit' }] });
    expect((await kernel.exec(request)).tool).toBe('b');
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(1);
  });

  it('stops the chain on an error whose fallback flag is off', async () => {
    const { kernel, b, events } = setup({
      a: [{ fail: 'bad-output', message: 'garbled', error: { fallback: false } }],
    });
    const error = await rejection(kernel.exec(request));
    expect(error).toMatchObject({ code: 'E_REQUEST_FAILED', exitCode: 1 });
    expect(error.message).toBe('a:m1 gave output that could not be read: garbled');
    expect(b.calls).toHaveLength(0);
    expect(ofType(events, 'request.completed')[0]).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('fails with E_NO_AVAILABLE_TOOL, listing each attempt, when every candidate fails', async () => {
    const { kernel, events } = setup({
      a: [{ fail: 'not-installed', message: 'tool-a not found on PATH' }],
      b: [{ fail: 'auth', message: 'not logged in' }],
    });
    const error = await rejection(kernel.exec(request));
    expect(error).toMatchObject({ code: 'E_NO_AVAILABLE_TOOL', exitCode: 1 });
    expect(error.message).toBe(
      "no available tool for agent 'dev': tried a:m1 (not-installed: tool-a not found on PATH), b:m2 (auth: not logged in)",
    );
    expect(error.hint).toEqual(expect.stringContaining('llm-service tools'));
    expect(ofType(events, 'request.completed')).toEqual([
      expect.objectContaining({ status: 'failed', attempts: 2 }),
    ]);
  });

  it('ends a failed request with what the adapters say the user can do, each hint once, in the order met', async () => {
    const { kernel } = setup({
      a: [{ fail: 'auth', error: { hint: 'log a in' } }],
      b: [{ fail: 'rate-limit', error: { hint: 'wait for b to reset', retrySameTool: false } }],
    });
    const error = await rejection(kernel.exec(request));
    expect(error).toMatchObject({ code: 'E_NO_AVAILABLE_TOOL', hint: 'log a in; wait for b to reset' });

    const stopped = setup({ a: [{ fail: 'auth', error: { hint: 'log a in', fallback: false } }] });
    expect(await rejection(stopped.kernel.exec(request))).toMatchObject({
      code: 'E_REQUEST_FAILED',
      hint: 'log a in',
    });
  });

  it('tries only the first candidate with noFallback', async () => {
    const { kernel, b } = setup({ a: [{ fail: 'not-installed' }] });
    const error = await rejection(kernel.exec({ ...request, noFallback: true }));
    expect(error).toMatchObject({ code: 'E_NO_AVAILABLE_TOOL', exitCode: 1 });
    expect(b.calls).toHaveLength(0);
  });
});

describe('exec: policies', () => {
  const blockAll = (endsRequest: boolean) =>
    policy('budget', () => ({
      action: 'block',
      message: 'daily budget of $10 reached',
      hints: ['raise the limit'],
      endsRequest,
    }));

  it('ends the request on a block that says so: exit code 3 and no adapter runs', async () => {
    const { kernel, a, b, events } = setup({ policies: [blockAll(true)] });
    const error = await rejection(kernel.exec(request));

    expect(error).toMatchObject({
      name: 'PolicyBlockedError',
      code: 'E_POLICY_BLOCKED',
      exitCode: 3,
      message: 'daily budget of $10 reached',
      hints: ['raise the limit'],
    });
    expect(a.calls).toHaveLength(0);
    expect(b.calls).toHaveLength(0);
    expect(events.map((event) => event.type)).toEqual([
      'request.received',
      'route.planned',
      'policy.decided',
      'budget.blocked',
      'request.completed',
    ]);
    expect(ofType(events, 'request.completed')[0]).toMatchObject({ status: 'blocked' });
  });

  it('moves on to the next candidate on a block that does not end the request', async () => {
    const { kernel, a, b, events } = setup({
      policies: [
        policy('tool-budget', (candidate) =>
          candidate.tool === 'a'
            ? { action: 'block', message: 'tool a over budget', hints: [], endsRequest: false }
            : { action: 'allow' },
        ),
      ],
    });
    const result = await kernel.exec(request);

    expect(result.tool).toBe('b');
    expect(a.calls).toHaveLength(0);
    expect(b.calls).toHaveLength(1);
    expect(result.attempts[0]).toMatchObject({
      tool: 'a',
      status: 'skipped',
      errorKind: 'policy',
      message: 'tool a over budget',
    });
    expect(ofType(events, 'fallback.used')[0]).toMatchObject({
      cause: 'policy',
      message: 'a:m1 blocked by policy (tool a over budget); trying b:m2',
    });
  });

  it('reports a block of the last candidate as a block (exit code 3)', async () => {
    const { kernel } = setup({ policies: [blockAll(false)] });
    expect(await rejection(kernel.exec(request))).toMatchObject({ code: 'E_POLICY_BLOCKED', exitCode: 3 });
  });

  const cheaper = policy('cost', (candidate) =>
    candidate.model === 'm1'
      ? {
          action: 'rewrite',
          candidate: { tool: 'a', model: 'm1b', reason: 'cost_optimization' },
          reason: 'short prompt',
        }
      : { action: 'allow' },
  );

  it("runs a rewritten candidate with the policy's reason, recording the original model as the baseline", async () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    const { kernel, a, events } = setup({ policies: [cheaper], a: [{ answer: 'cheap', usage }] });
    const result = await kernel.exec(request);

    expect(result).toMatchObject({ tool: 'a', model: 'm1b', reason: 'cost_optimization', costUsd: 1 });
    expect(a.calls[0]?.request.model).toBe('m1b');
    expect(ofType(events, 'policy.decided')[0]).toMatchObject({
      action: 'rewrite',
      message: 'short prompt',
      candidate: { tool: 'a', model: 'm1', reason: 'preferred' },
      rewrittenTo: { tool: 'a', model: 'm1b', reason: 'cost_optimization' },
    });
    expect(ofType(events, 'invocation.started')[0]).toMatchObject({ model: 'm1b', baselineModel: 'm1' });
    expect(ofType(events, 'invocation.succeeded')[0]).toMatchObject({
      model: 'm1b',
      baselineModel: 'm1',
      computedCostUsd: 1,
      baselineCostUsd: 3,
    });
  });

  describe('escalation', () => {
    // Rewrites only the preferred candidate (as cost optimisation does), with details for the event.
    const downgrade = policy('cost', (candidate) =>
      candidate.reason === 'preferred'
        ? {
            action: 'rewrite',
            candidate: { tool: 'a', model: 'm1b', reason: 'cost_optimization' },
            reason: 'short prompt',
            details: { promptTokens: 12, thresholdTokens: 1500 },
          }
        : { action: 'allow' },
    );

    it('records the figures behind a rewrite in policy.decided', async () => {
      const { kernel, events } = setup({ policies: [downgrade] });
      await kernel.exec(request);
      expect(ofType(events, 'policy.decided')[0]).toMatchObject({
        details: { promptTokens: 12, thresholdTokens: 1500 },
      });
    });

    it('retries once on the replaced model when the downgraded one fails, before falling back', async () => {
      const { kernel, a, b, events } = setup({
        policies: [downgrade],
        a: (invocation) =>
          invocation.model === 'm1b' ? { fail: 'tool-error', error: { fallback: false } } : { answer: 'big' },
      });
      const result = await kernel.exec(request);
      expect(result).toMatchObject({ text: 'big', tool: 'a', model: 'm1', reason: 'escalation' });
      expect(a.calls.map((call) => call.request.model)).toEqual(['m1b', 'm1']);
      expect(b.calls).toHaveLength(0);
      expect(result.attempts.map((attempt) => [attempt.model, attempt.reason, attempt.status])).toEqual([
        ['m1b', 'cost_optimization', 'failed'],
        ['m1', 'escalation', 'success'],
      ]);
      expect(ofType(events, 'fallback.used')).toMatchObject([
        {
          from: { model: 'm1b' },
          to: { tool: 'a', model: 'm1', reason: 'escalation' },
          message: expect.stringContaining('escalating to a:m1'),
        },
      ]);
      // The escalation is evaluated by policies as an explicit choice (never downgraded again).
      expect(ofType(events, 'policy.decided')[1]).toMatchObject({
        candidate: { model: 'm1', reason: 'escalation' },
        action: 'allow',
      });
      expect(ofType(events, 'invocation.succeeded')[0]).toMatchObject({ baselineModel: 'm1' });
    });

    it('escalates when the downgraded model answers nothing, and the request pays for both attempts', async () => {
      const usage = { inputTokens: 1_000_000, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
      const { kernel, a, events } = setup({
        policies: [downgrade],
        a: (invocation) =>
          invocation.model === 'm1b' ? { answer: ' \n', usage } : { answer: 'full', usage },
      });
      const result = await kernel.exec(request);
      expect(result).toMatchObject({ text: 'full', model: 'm1', reason: 'escalation', costUsd: 3 });
      expect(a.calls).toHaveLength(2);
      expect(ofType(events, 'fallback.used')[0]).toMatchObject({
        cause: 'bad-output',
        message: 'a:m1b answered nothing; escalating to a:m1',
      });
      expect(ofType(events, 'request.completed')[0]).toMatchObject({ status: 'success', costUsd: 4 });
    });

    it('escalates only once, then falls back as usual', async () => {
      const { kernel, a, b } = setup({ policies: [downgrade], a: [{ fail: 'overloaded' }] });
      const result = await kernel.exec(request);
      expect(a.calls.map((call) => call.request.model)).toEqual(['m1b', 'm1']);
      expect(result).toMatchObject({ tool: 'b', model: 'm2', reason: 'fallback' });
      expect(b.calls).toHaveLength(1);
    });

    it('never escalates once the answer has started, nor for a tool that is missing', async () => {
      const started = setup({
        policies: [downgrade],
        a: [{ fail: 'tool-error', output: ['half an answer'] }],
      });
      const error = await rejection(started.kernel.exec(request, { onText: () => undefined }));
      expect(error.exitCode).toBe(1);
      expect(started.a.calls).toHaveLength(1);

      const missing = setup({ policies: [downgrade], a: [{ fail: 'not-installed' }] });
      const result = await missing.kernel.exec(request);
      expect(missing.a.calls).toHaveLength(1);
      expect(result).toMatchObject({ tool: 'b', reason: 'fallback' });
    });

    it('does not escalate an answer from an unchanged model (a rewrite of the reason only)', async () => {
      const reasonOnly = policy('cost', (candidate) => ({
        action: 'rewrite',
        candidate: { ...candidate, reason: 'above_threshold' },
        reason: 'long prompt',
      }));
      const { kernel, a } = setup({ policies: [reasonOnly], a: [{ answer: '' }] });
      const result = await kernel.exec(request);
      expect(result).toMatchObject({ text: '', model: 'm1', reason: 'above_threshold' });
      expect(a.calls).toHaveLength(1);
    });

    it('keeps an empty answer when a policy blocks the escalation (without ending the request)', async () => {
      const blockEscalation = policy('budget', (candidate) =>
        candidate.reason === 'escalation'
          ? { action: 'block', message: 'too dear', hints: [], endsRequest: false }
          : { action: 'allow' },
      );
      const { kernel, a } = setup({ policies: [downgrade, blockEscalation], a: [{ answer: '' }] });
      const result = await kernel.exec(request);
      expect(result).toMatchObject({ text: '', model: 'm1b' });
      expect(a.calls).toHaveLength(1);
    });
  });

  const toB = policy('cost', () => ({
    action: 'rewrite',
    candidate: { tool: 'b', model: 'm2', reason: 'cost_optimization' },
    reason: 'cheaper elsewhere',
  }));
  const explicitRequests: [string, Partial<ExecRequest>, string][] = [
    ['--model', { model: 'm1b' }, 'm1b'],
    ['--tool', { tool: 'a' }, 'm1'],
    ['a task type', { taskType: 'review' }, 'm1b'],
  ];
  it.each(explicitRequests)('never rewrites a candidate chosen by %s', async (_, choice, model) => {
    const { kernel, a, b, events } = setup({ policies: [toB] });
    const result = await kernel.exec({ ...request, ...choice });

    expect(result).toMatchObject({ tool: 'a', model });
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(0);
    expect(ofType(events, 'policy.decided')[0]).toMatchObject({
      action: 'allow',
      message: expect.stringContaining('chosen explicitly'),
    });
  });

  it('tells policies whether the candidate was chosen explicitly, and gives them the prompt bytes', async () => {
    const seen: [boolean, string][] = [];
    const { kernel } = setup({
      a: [{ fail: 'not-installed' }],
      policies: [
        policy('spy', (candidate, context) => {
          seen.push([context.explicit, `${candidate.tool}:${Buffer.from(context.prompt).toString()}`]);
          return { action: 'allow' };
        }),
      ],
    });
    await kernel.exec({ ...request, model: 'm1b' });
    // The fallback candidate was not chosen explicitly, so it may be rewritten.
    expect(seen).toEqual([
      [true, 'a:hello'],
      [false, 'b:hello'],
    ]);
  });

  it('emits budget.warned on a warning and goes ahead', async () => {
    const { kernel, a, events } = setup({
      policies: [policy('budget', () => ({ action: 'warn', message: '80% of the daily budget spent' }))],
    });
    await kernel.exec(request);
    expect(a.calls).toHaveLength(1);
    expect(ofType(events, 'budget.warned')).toEqual([
      expect.objectContaining({ policy: 'budget', message: '80% of the daily budget spent', attempt: 0 }),
    ]);
  });

  const confirmation = policy('budget', () => ({
    action: 'confirm',
    message: 'this may cost $4; go ahead?',
  }));

  it('goes ahead on a confirmation when the request says yes, without asking', async () => {
    const asked: string[] = [];
    const { kernel, a, events } = setup({
      policies: [confirmation],
      confirm: async (message) => {
        asked.push(message);
        return false;
      },
    });
    await kernel.exec({ ...request, yes: true });
    expect(asked).toEqual([]);
    expect(a.calls).toHaveLength(1);
    expect(ofType(events, 'budget.warned')).toEqual([]);
  });

  it('blocks with exit code 3 when the user declines a confirmation', async () => {
    const asked: string[] = [];
    const { kernel, a, events } = setup({
      policies: [confirmation],
      confirm: async (message) => {
        asked.push(message);
        return false;
      },
    });
    const error = await rejection(kernel.exec(request));
    expect(asked).toEqual(['this may cost $4; go ahead?']);
    expect(error).toMatchObject({ code: 'E_POLICY_BLOCKED', exitCode: 3 });
    expect(error.message).toContain('declined');
    expect(a.calls).toHaveLength(0);
    expect(ofType(events, 'request.completed')[0]).toMatchObject({ status: 'blocked' });
  });

  it('goes ahead when the user accepts a confirmation', async () => {
    const { kernel, a } = setup({ policies: [confirmation], confirm: async () => true });
    await kernel.exec(request);
    expect(a.calls).toHaveLength(1);
  });

  it('goes ahead with a warning when nobody can be asked', async () => {
    const { kernel, a, events } = setup({ policies: [confirmation] });
    await kernel.exec(request);
    expect(a.calls).toHaveLength(1);
    expect(ofType(events, 'budget.warned')[0]).toMatchObject({ message: 'this may cost $4; go ahead?' });
  });
});

describe('preview', () => {
  it("shows each candidate's policy decisions and its forecast cost, running nothing and holding nothing", async () => {
    const reserved: string[] = [];
    const budget: PolicyV2 = {
      specificationVersion: 'v2',
      id: 'budget',
      evaluate: () => ({ action: 'allow' }),
      preview: (candidate) =>
        candidate.tool === 'a'
          ? { action: 'block', message: 'over the daily budget', hints: [], endsRequest: false }
          : { action: 'allow' },
      reserve: (candidate) => {
        reserved.push(candidate.tool);
        return undefined;
      },
    };
    const estimator: CostEstimatorV1 = {
      specificationVersion: 'v1',
      usageOf: async () => emptyUsage,
      forecast: async ({ model }) => ({
        inputTokens: model === 'm1' ? 2_000_000 : 1_000_000,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
      }),
    };
    const { kernel, a, b } = setup({
      plugins: [
        definePluginForTests({
          name: 'budget-and-estimator',
          provides: [CostEstimatorToken],
          register: (context) => {
            context.policies.add(budget);
            context.services.provide(CostEstimatorToken, estimator);
          },
        }),
      ],
    });
    const preview = await kernel.preview(request);
    expect(preview.candidates).toEqual([
      expect.objectContaining({
        tool: 'a',
        model: 'm1',
        decisions: [{ policy: 'budget', action: 'block', message: 'over the daily budget' }],
        estimatedCostUsd: expect.closeTo(6, 10),
      }),
      expect.objectContaining({
        tool: 'b',
        model: 'm2',
        decisions: [{ policy: 'budget', action: 'allow' }],
        estimatedCostUsd: expect.closeTo(0.5, 10),
      }),
    ]);
    expect(reserved).toEqual([]);
    expect(a.calls).toHaveLength(0);
    expect(b.calls).toHaveLength(0);
  });

  it('gives no cost estimate without an estimator, and what evaluate decides for a policy without preview', async () => {
    const { kernel } = setup({
      policies: [policy('warner', () => ({ action: 'warn', message: 'careful' }))],
    });
    const preview = await kernel.preview(request);
    expect(preview.candidates[0]).toMatchObject({
      decisions: [{ policy: 'warner', action: 'warn', message: 'careful' }],
      estimatedCostUsd: null,
    });
    expect(preview.candidates[0]).not.toHaveProperty('estimatedUsage');
  });
});

describe('exec: cancellation', () => {
  it('ends a hanging attempt on abort: CancelledError with exit code 130', async () => {
    const { kernel, a, b, events } = setup({ a: [{ hang: true }] });
    const controller = new AbortController();
    const pending = kernel.exec(request, { signal: controller.signal });
    await until(() => a.calls.length === 1);
    controller.abort();
    const error = await rejection(pending);

    expect(error).toMatchObject({ name: 'CancelledError', code: 'E_CANCELLED', exitCode: 130 });
    expect(a.calls[0]?.aborted).toBe(true);
    expect(b.calls).toHaveLength(0);
    expect(ofType(events, 'invocation.failed')[0]).toMatchObject({ errorKind: 'cancelled' });
    expect(ofType(events, 'request.completed')).toEqual([expect.objectContaining({ status: 'cancelled' })]);
  });

  it('neither evaluates policies nor starts a tool for a signal aborted while the config loaded', async () => {
    const evaluated: string[] = [];
    const { kernel, a, events } = setup({
      policies: [policy('p', (candidate) => (evaluated.push(candidate.tool), { action: 'allow' }))],
    });
    const error = await rejection(kernel.exec(request, { signal: AbortSignal.abort() }));
    expect(error).toMatchObject({ code: 'E_CANCELLED', exitCode: 130 });
    expect(a.calls).toHaveLength(0);
    expect(evaluated).toEqual([]);
    expect(ofType(events, 'invocation.started')).toEqual([]);
    expect(ofType(events, 'request.completed')[0]).toMatchObject({ status: 'cancelled' });
  });

  it('ends the request after a long policy step during which Ctrl-C came, before any tool starts', async () => {
    const controller = new AbortController();
    const { kernel, a, b } = setup({
      // As a budget policy estimating a large prompt: the signal arrives while it works.
      policies: [policy('slow', () => (controller.abort(), { action: 'allow' }))],
    });
    const error = await rejection(kernel.exec(request, { signal: controller.signal }));
    expect(error).toMatchObject({ code: 'E_CANCELLED', exitCode: 130 });
    expect(a.calls).toHaveLength(0);
    expect(b.calls).toHaveLength(0);
  });

  it('stops waiting between retries on abort', async () => {
    const { kernel, b, events } = setup({
      a: [{ fail: 'rate-limit' }],
      toolA: { retry: { max: 2, base_ms: 60_000 } },
    });
    const controller = new AbortController();
    const pending = kernel.exec(request, { signal: controller.signal });
    await until(() => ofType(events, 'invocation.failed').length === 1);
    controller.abort();
    expect(await rejection(pending)).toMatchObject({ code: 'E_CANCELLED', exitCode: 130 });
    expect(b.calls).toHaveLength(0);
    expect(ofType(events, 'request.completed')).toEqual([expect.objectContaining({ status: 'cancelled' })]);
  });

  it('leaves no abort listeners behind on a signal the caller keeps using', async () => {
    const { kernel } = setup({
      a: [{ fail: 'rate-limit' }, { answer: 'ok' }],
      toolA: { retry: { max: 2, base_ms: 1 } },
    });
    const controller = new AbortController();
    await kernel.exec(request, { signal: controller.signal });
    await kernel.exec(request, { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('fails the request, without crashing, when the caller cannot take the answer (onText throws)', async () => {
    const { kernel, a, b, events } = setup({ a: [{ answer: ['first', { text: 'second', delayMs: 20 }] }] });
    const error = await rejection(
      kernel.exec(request, {
        onText: () => {
          throw new Error('EPIPE: broken pipe');
        },
      }),
    );
    expect(error).toMatchObject({ code: 'E_REQUEST_FAILED', exitCode: 1 });
    expect(error.message).toContain('EPIPE: broken pipe');
    // The adapter was unsubscribed (a real one kills its process group) and no other candidate ran.
    expect(a.calls[0]?.unsubscribed).toBe(true);
    expect(b.calls).toHaveLength(0);
    expect(ofType(events, 'invocation.output')).toHaveLength(0);
  });
});

describe('exec: subscribers and request.completed', () => {
  it('survives a sink that throws, and the logger gets exactly one warning', async () => {
    const handled: string[] = [];
    const sink: TelemetrySinkV1 = {
      specificationVersion: 'v1',
      id: 'flaky',
      handle(event) {
        handled.push(event.type);
        throw new Error('disk full');
      },
      flush: async () => {},
      dispose: async () => {},
    };
    const { kernel, logger } = setup({ sinks: [sink] });
    expect((await kernel.exec(request)).text).toBe('from a');
    await kernel.exec(request);
    expect(handled).toEqual(['request.received']);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toContain('flaky');
    expect(logger.warnings[0]).toContain('disk full');
  });

  it('survives an event subscriber that throws, with one warning', async () => {
    const { kernel, logger } = setup();
    kernel.events.on('invocation.output', 'progress', () => {
      throw new Error('stderr closed');
    });
    const result = await kernel.exec(request);
    expect(result.text).toBe('from a');
    expect(logger.warnings).toEqual([
      "warning: event subscriber 'progress' failed and was removed: stderr closed",
    ]);
  });

  it('completes a request that fails before any candidate runs (unknown agent)', async () => {
    const { kernel, events } = setup();
    const error = await rejection(kernel.exec({ ...request, agent: 'deve' }));
    expect(error).toMatchObject({ code: 'E_USAGE', exitCode: 2 });
    expect(events.map((event) => event.type)).toEqual(['request.received', 'request.completed']);
    expect(ofType(events, 'request.completed')[0]).toMatchObject({ status: 'failed' });
  });

  it('completes a request whose policy throws, and rejects with its error', async () => {
    const { kernel, a, events } = setup({
      policies: [
        policy('broken', () => {
          throw new Error('ledger unavailable');
        }),
      ],
    });
    expect((await rejection(kernel.exec(request))).message).toBe('ledger unavailable');
    expect(a.calls).toHaveLength(0);
    expect(ofType(events, 'request.completed')).toEqual([expect.objectContaining({ status: 'failed' })]);
  });
});

describe('kernel lifecycle', () => {
  function recorder(log: string[]) {
    const sink: TelemetrySinkV1 = {
      specificationVersion: 'v1',
      id: 'recorder',
      handle: () => {},
      flush: async () => void log.push('sink flush'),
      dispose: async () => void log.push('sink dispose'),
    };
    const plugin = (name: string, delayMs = 0) =>
      definePluginForTests({
        name,
        dispose: async () => {
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          log.push(`dispose ${name}`);
        },
      });
    return { sink, plugin };
  }

  it('flushes sinks and disposes plugins in reverse registration order, once', async () => {
    const log: string[] = [];
    const { sink, plugin } = recorder(log);
    const { kernel } = setup({
      sinks: [sink],
      plugins: [plugin('first'), plugin('second'), plugin('third')],
    });
    await kernel.exec(request);
    await kernel.dispose();
    await kernel.dispose();
    expect(log).toEqual(['sink flush', 'sink dispose', 'dispose third', 'dispose second', 'dispose first']);
  });

  it('makes every caller of dispose wait for the one disposal to finish', async () => {
    const log: string[] = [];
    const { plugin } = recorder(log);
    const { kernel } = setup({ plugins: [plugin('slow', 30)] });
    await kernel.config();
    const first = kernel.dispose();
    await kernel.dispose();
    expect(log).toEqual(['dispose slow']);
    await first;
  });

  it('rejects exec after dispose', async () => {
    const { kernel } = setup();
    await kernel.exec(request);
    await kernel.dispose();
    expect(await rejection(kernel.exec(request))).toMatchObject({
      code: 'E_USAGE',
      message: 'the kernel has been disposed',
    });
  });

  it('disposes a kernel that never loaded anything', async () => {
    const { kernel } = setup({ plugins: [] });
    await expect(kernel.dispose()).resolves.toBeUndefined();
  });

  it('hands out a service a plugin provides, and undefined for one nobody provides', async () => {
    const token = serviceToken<{ answer: number }>('test-answer', 1);
    const { kernel } = setup({
      plugins: [
        definePluginForTests({
          name: 'provider',
          provides: [token],
          register: (context) => context.services.provide(token, { answer: 42 }),
        }),
      ],
    });
    expect(await kernel.service(token)).toEqual({ answer: 42 });
    expect(await kernel.service(serviceToken<number>('nobody', 1))).toBeUndefined();
  });

  it("answers detect from the tool's adapter", async () => {
    const { kernel } = setup();
    expect(await kernel.detect('a')).toEqual({ installed: true });
  });
});
