import { createKernel } from '@llm-service/core';
import {
  codexEnvironment,
  responsesReply,
  ResponsesTestServer,
  type ResponsesScriptedReply,
  type ResponsesTestServerOptions,
} from '@llm-service/testkit';
import {
  createScriptedAdapter,
  definePluginForTests,
  removeTemporaryDirectories,
  startedServers,
  temporaryDirectory,
  writeTestConfig,
} from '@llm-service/testkit/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import codexPlugin from '../src/index.js';
import { codexBinary, skipReason } from './support/real-codex.js';

const servers = startedServers((options: ResponsesTestServerOptions) => ResponsesTestServer.start(options));
afterEach(servers.closeAll);
afterAll(removeTemporaryDirectories);

/**
 * A config with the real codex preferred and a scripted second tool behind it, run through core's kernel as the CLI
 * runs it. gpt-5.5 is priced as in the example ($10 input, $1 cache read, $30 output per million tokens).
 */
async function kernelAgainst(
  reply: ResponsesScriptedReply | ResponsesScriptedReply[],
  codexTool: Record<string, unknown> = {},
) {
  const server = await servers.start({ replies: Array.isArray(reply) ? reply : [reply] });
  const { env } = codexEnvironment({
    baseUrl: server.baseUrl,
    home: temporaryDirectory('adapter-codex-home-'),
  });
  const backup = createScriptedAdapter('backup', [
    { answer: ['Answer from the backup tool.'], usage: { inputTokens: 10, outputTokens: 5 } },
  ]);
  const dir = writeTestConfig(temporaryDirectory('adapter-codex-kernel-'), {
    agents: {
      backend: {
        preferred_tool: 'codex',
        preferred_model: 'gpt-5.5',
        fallback_chain: ['backup:backup-model'],
        adapter_options: { codex: { sandbox: 'workspace-write' } },
      },
    },
    tools: {
      codex: { adapter: 'codex', binary: codexBinary, models: ['gpt-5.5'], timeout_s: 60, ...codexTool },
      backup: { adapter: 'backup', binary: 'backup', models: ['backup-model'] },
    },
    models: {
      'gpt-5.5': { input_per_mtok: 10, output_per_mtok: 30, cache_read_per_mtok: 1 },
      'backup-model': { input_per_mtok: 1, output_per_mtok: 1 },
    },
  });
  const kernel = createKernel({
    configDir: dir,
    cwd: dir,
    env,
    plugins: [codexPlugin, definePluginForTests({ adapters: [backup] })],
    logger: { warn() {} },
  });
  return { kernel, server, backup, dir };
}

describe.skipIf(skipReason !== undefined)('codex through the kernel', () => {
  it('answers on codex with the usage the server reported, priced once per token kind: $0.0245', async () => {
    const { kernel, server, backup } = await kernelAgainst(
      responsesReply.chunks(['Computed ', 'on codex.'], {
        usage: { input_tokens: 2000, cached_tokens: 500, output_tokens: 300, reasoning_tokens: 100 },
      }),
    );
    try {
      const streamed: string[] = [];
      const result = await kernel.exec(
        { agent: 'backend', prompt: 'What does it cost?' },
        { onText: (text) => streamed.push(text) },
      );
      expect(streamed).toEqual(['Computed on codex.']);
      expect(result).toMatchObject({
        text: 'Computed on codex.',
        tool: 'codex',
        model: 'gpt-5.5',
        usage: { inputTokens: 1500, cacheReadTokens: 500, cacheWriteTokens: 0, outputTokens: 300 },
      });
      // 1500 × $10 + 500 × $1 + 300 × $30 per million: $0.0245, where charging the cached 500 as input gave $0.0290.
      expect(result.costUsd).toBeCloseTo(0.0245, 12);
      expect(result.costSource).toBe('computed');
      expect(result.attempts).toMatchObject([{ tool: 'codex', status: 'success' }]);
      expect(server.responseRequests).toHaveLength(1);
      expect(backup.calls).toHaveLength(0);
    } finally {
      await kernel.dispose();
    }
  });

  it.each([
    ['plan-limit', responsesReply.usageLimitReached({ resetsAt: new Date(Date.now() + 3_600_000) })],
    ['auth', responsesReply.unauthorized()],
    ['context-too-long', responsesReply.contextTooLong()],
    ['overloaded', responsesReply.serverError(503)],
  ] as const)('falls back from codex to the next tool on %s', async (kind, reply) => {
    const { kernel, server, backup } = await kernelAgainst(reply);
    try {
      const result = await kernel.exec({ agent: 'backend', prompt: 'hi' });
      expect(result).toMatchObject({ tool: 'backup', text: 'Answer from the backup tool.' });
      expect(result.attempts).toMatchObject([
        { tool: 'codex', model: 'gpt-5.5', status: 'failed', errorKind: kind },
        { tool: 'backup', model: 'backup-model', status: 'success' },
      ]);
      // No same-tool retry: codex was run once.
      expect(server.responseRequests).toHaveLength(1);
      expect(backup.calls).toHaveLength(1);
    } finally {
      await kernel.dispose();
    }
  });

  it('with retry.same_tool, runs codex again once the rate limit’s stated wait is over', async () => {
    const { kernel, server, backup } = await kernelAgainst(
      [responsesReply.rateLimitedInStream(1.5), responsesReply.text('After the wait.')],
      { retry: { same_tool: true, max: 1, base_ms: 0 } },
    );
    try {
      const result = await kernel.exec({ agent: 'backend', prompt: 'hi' });
      expect(result).toMatchObject({ tool: 'codex', text: 'After the wait.' });
      expect(result.attempts).toMatchObject([
        { tool: 'codex', status: 'failed', errorKind: 'rate-limit' },
        { tool: 'codex', status: 'success' },
      ]);
      const [limited, retried] = server.responseRequests.map((request) => request.receivedAt);
      // The kernel waited for the resetsAt codex's message gave ("try again in 1.5s"), not its 0 ms backoff.
      expect(retried! - limited!).toBeGreaterThanOrEqual(1_400);
      expect(backup.calls).toHaveLength(0);
    } finally {
      await kernel.dispose();
    }
  });

  it('routes to codex explicitly (--tool codex) with the agent’s codex options', async () => {
    const { kernel, server, dir } = await kernelAgainst(responsesReply.text('ok'));
    try {
      const result = await kernel.exec({ agent: 'backend', tool: 'codex', prompt: 'hi', noFallback: true });
      expect(result).toMatchObject({ tool: 'codex', text: 'ok' });
      const sent = JSON.stringify(server.responseRequests[0]!.body);
      // The tool's directory (the config directory) and the agent's adapter_options.codex reached codex.
      expect(sent).toContain(`<cwd>${dir}</cwd>`);
      expect(sent).toContain('`sandbox_mode` is `workspace-write`');
    } finally {
      await kernel.dispose();
    }
  });
});
