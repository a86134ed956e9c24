import { createKernel, type Kernel } from '@llm-service/core';
import {
  geminiEnvironment,
  geminiReply,
  GeminiTestServer,
  type GeminiScriptedReply,
  type GeminiTestServerOptions,
} from '@llm-service/testkit';
import {
  createScriptedAdapter,
  definePluginForTests,
  removeTemporaryDirectories,
  startedServers,
  temporaryDirectory,
  writeTestConfig,
} from '@llm-service/testkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import geminiPlugin from '../src/index.js';
import { geminiBinary, skipReason } from './support/real-gemini.js';

const kernels: Kernel[] = [];
const servers = startedServers((options: GeminiTestServerOptions) => GeminiTestServer.start(options));
afterEach(async () => {
  await Promise.all(kernels.splice(0).map((kernel) => kernel.dispose()));
  await servers.closeAll();
  removeTemporaryDirectories();
});

/** gemini-3-flash-preview at the list prices `llm-service init` writes: $0.50 in, $3 out, $0.05 cache reads per MTok. */
const prices = { input: 0.5, output: 3, cacheRead: 0.05 };

/** A config directory: agent `tester` prefers the real gemini and falls back to the scripted tool `backup`. */
function configDir(): string {
  return writeTestConfig(temporaryDirectory('adapter-gemini-kernel-'), {
    agents: {
      tester: {
        preferred_tool: 'gemini',
        fallback_chain: ['backup:backup-model'],
        adapter_options: { gemini: { sandbox: false, extensions: ['none'] } },
      },
    },
    tools: {
      gemini: { adapter: 'gemini', binary: geminiBinary, models: ['gemini-3-flash-preview'], timeout_s: 60 },
      backup: { adapter: 'backup', binary: 'backup', models: ['backup-model'] },
    },
    models: {
      'gemini-3-flash-preview': {
        input_per_mtok: prices.input,
        output_per_mtok: prices.output,
        cache_read_per_mtok: prices.cacheRead,
      },
      'backup-model': { input_per_mtok: 1, output_per_mtok: 1 },
    },
  });
}

async function setUp(replies: GeminiScriptedReply[], fallback?: GeminiScriptedReply) {
  const target = await servers.start({ replies, ...(fallback ? { fallback } : {}) });
  const backup = createScriptedAdapter('backup', [
    { answer: 'answered by the backup', usage: { inputTokens: 5 } },
  ]);
  const dir = configDir();
  const kernel = createKernel({
    configDir: dir,
    cwd: dir,
    env: geminiEnvironment({ home: temporaryDirectory('adapter-gemini-home-'), baseUrl: target.url }).env,
    plugins: [geminiPlugin, definePluginForTests({ adapters: [backup] })],
    logger: { warn: () => undefined },
  });
  kernels.push(kernel);
  return { target, backup, kernel };
}

describe.skipIf(skipReason !== undefined)('the gemini adapter in the kernel, running the real gemini', () => {
  it('routes exec to gemini and prices the server’s usage exactly (thoughts as output, cache reads once)', async () => {
    const usage = {
      promptTokenCount: 1200,
      cachedContentTokenCount: 500,
      candidatesTokenCount: 340,
      thoughtsTokenCount: 60,
    };
    const { target, backup, kernel } = await setUp([geminiReply.chunks(['kernel ', 'answer'], { usage })]);
    const streamed: string[] = [];
    const result = await kernel.exec(
      { agent: 'tester', prompt: 'hello' },
      { onText: (text) => streamed.push(text) },
    );
    expect(streamed.join('')).toBe('kernel answer');
    expect(result).toMatchObject({
      text: 'kernel answer',
      tool: 'gemini',
      model: 'gemini-3-flash-preview',
      usage: { inputTokens: 700, cacheReadTokens: 500, outputTokens: 400, cacheWriteTokens: 0 },
      costSource: 'computed',
    });
    const uncached = usage.promptTokenCount - usage.cachedContentTokenCount;
    const output = usage.candidatesTokenCount + usage.thoughtsTokenCount;
    const exact =
      (uncached * prices.input + usage.cachedContentTokenCount * prices.cacheRead + output * prices.output) /
      1_000_000;
    expect(result.costUsd).toBeCloseTo(exact, 12);
    // The old generic-yaml template read `tokens.prompt` as input (cached tokens at the full input price) and
    // `tokens.candidates` as output (thoughts dropped): a different, wrong figure.
    const oldTemplate =
      (usage.promptTokenCount * prices.input + usage.candidatesTokenCount * prices.output) / 1_000_000;
    expect(result.costUsd).not.toBeCloseTo(oldTemplate, 9);
    expect(target.generateRequests).toHaveLength(1);
    expect(backup.calls).toHaveLength(0);
  });

  it('falls back from gemini to the next tool when its quota is used up, without retrying gemini', async () => {
    // Every request fails. (With --approval-mode plan, gemini 0.61 answers a terminal quota error on
    // gemini-3-flash-preview by switching to gemini-3.1-pro-preview-customtools and then retries that without pause
    // until it is killed: thousands of requests. Without plan mode it gives up after the one request.)
    const { target, backup, kernel } = await setUp([], geminiReply.dailyQuotaExhausted());
    const result = await kernel.exec({ agent: 'tester', prompt: 'hello' });
    expect(result).toMatchObject({ text: 'answered by the backup', tool: 'backup' });
    expect(result.attempts).toMatchObject([
      { tool: 'gemini', status: 'failed', errorKind: 'plan-limit' },
      { tool: 'backup', status: 'success' },
    ]);
    // plan-limit: llm-service did not run gemini again.
    expect(target.generateRequests).toHaveLength(1);
    expect(backup.calls).toHaveLength(1);
  });

  it('detects the pinned gemini, its version and the auth it would use', async () => {
    const { kernel } = await setUp([]);
    const detected = await kernel.detect('gemini');
    expect(detected).toMatchObject({ installed: true, version: '0.61.0' });
    expect(detected.credentials).toEqual(
      expect.arrayContaining(['GEMINI_API_KEY', 'settings auth: gemini-api-key']),
    );
    expect(detected.problem).toBeUndefined();
  });
});
