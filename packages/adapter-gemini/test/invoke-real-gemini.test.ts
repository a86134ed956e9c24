import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  geminiEnvironment,
  geminiReply,
  GeminiTestServer,
  type GeminiScriptedReply,
} from '@llm-service/testkit';
import {
  collectInvocation,
  collectInvocationLeavingNoProcess,
  removeTemporaryDirectories,
  startedServers,
  temporaryDirectory,
} from '@llm-service/testkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { geminiHints } from '../src/adapter/classify-failure.js';
import { createGeminiAdapter } from '../src/index.js';
import { invocationRequest, toolConfig, type GeminiRequest } from './support/helpers.js';
import { geminiBinary, skipReason } from './support/real-gemini.js';

const adapter = createGeminiAdapter();
const servers = startedServers((replies: GeminiScriptedReply[] = [], fallback?: GeminiScriptedReply) =>
  GeminiTestServer.start({ replies, ...(fallback ? { fallback } : {}) }),
);
const server = servers.start;
afterEach(async () => {
  await servers.closeAll();
  removeTemporaryDirectories();
});

/** A request that runs the real gemini against `target`, in a fresh HOME with API-key auth and one attempt per call. */
function request(
  target: GeminiTestServer,
  prompt: string,
  overrides: Partial<Omit<GeminiRequest, 'tool'>> & {
    tool?: Record<string, unknown>;
    selectedAuthType?: string | null;
  } = {},
): GeminiRequest {
  const { tool, selectedAuthType, ...rest } = overrides;
  const { env } = geminiEnvironment({
    home: temporaryDirectory('adapter-gemini-home-'),
    baseUrl: target.url,
    ...(selectedAuthType === undefined ? {} : { selectedAuthType }),
  });
  const configDir = temporaryDirectory('adapter-gemini-config-');
  return invocationRequest(toolConfig({ binary: geminiBinary, ...tool }), prompt, {
    env,
    configDir,
    ...rest,
  });
}

/** Everything the model was sent, as text: gemini's session context and the user's prompt. */
function sentText(body: unknown): string {
  return JSON.stringify(body);
}

describe.skipIf(skipReason !== undefined)('the gemini adapter running the real gemini', () => {
  it('streams the answer before the server has finished, and reports the server’s usage exactly', async () => {
    const target = await server([
      geminiReply.chunks(['The answer ', 'is 42', '.'], {
        holdAfterChunk: 1,
        usage: {
          promptTokenCount: 1200,
          candidatesTokenCount: 340,
          cachedContentTokenCount: 500,
          thoughtsTokenCount: 60,
        },
      }),
    ]);
    const prompt = 'What is the answer? ✓ — «bytes as given»\n';
    const seen: { text: string; serverFinished: number }[] = [];
    const outcome = await collectInvocation(adapter, request(target, prompt), {
      onOutput: (text) => {
        seen.push({ text, serverFinished: target.finishedAnswers });
        target.release();
      },
    });
    expect(outcome.error).toBeUndefined();
    // The first words reached the caller while the server still held the rest of the answer.
    expect(seen[0]).toEqual({ text: 'The answer ', serverFinished: 0 });
    expect(outcome.outputs.join('')).toBe('The answer is 42.');
    expect(outcome.result).toMatchObject({
      text: 'The answer is 42.',
      // Uncached input 1200 − 500; cache reads 500; output 340 candidates + 60 thoughts.
      usage: { inputTokens: 700, cacheReadTokens: 500, outputTokens: 400, cacheWriteTokens: 0 },
      model: 'gemini-2.5-flash',
      exitCode: 0,
    });
    expect(outcome.result?.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const [sent] = target.generateRequests;
    expect(target.generateRequests).toHaveLength(1);
    expect(sent!.headers['x-goog-api-key']).toBe('gemini-test-not-a-real-key');
    // The prompt went by stdin, unchanged, and not on the command line.
    expect(sentText(sent!.body)).toContain(JSON.stringify(prompt).slice(1, -1));
  });

  it('passes the agent options on: approval mode, sandbox, include directories, extensions', async () => {
    const target = await server([geminiReply.text('ok')]);
    const base = request(target, 'hi');
    mkdirSync(join(base.configDir, 'shared-dir'));
    const outcome = await collectInvocation(
      adapter,
      invocationRequest(base.tool, 'hi', {
        env: base.env,
        configDir: base.configDir,
        adapterOptions: {
          approval_mode: 'plan',
          sandbox: false,
          include_directories: ['shared-dir'],
          extensions: ['none'],
        },
      }),
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.result?.text).toBe('ok');
    // gemini lists its workspace directories in the session context it sends the model.
    expect(sentText(target.generateRequests[0]!.body)).toContain(join(base.configDir, 'shared-dir'));
  });

  it('a refused key (400 API_KEY_INVALID) is auth with the key hint, after one request', async () => {
    const target = await server([geminiReply.apiKeyInvalid()]);
    const outcome = await collectInvocation(adapter, request(target, 'hi'));
    expect(outcome.error).toMatchObject({ kind: 'auth', fallback: true, hint: geminiHints.invalidKey });
    expect(outcome.error?.message).toContain('API key not valid');
    expect(target.generateRequests).toHaveLength(1);
  });

  it('no auth method selected is auth, before any request', async () => {
    const target = await server();
    const outcome = await collectInvocation(adapter, request(target, 'hi', { selectedAuthType: null }));
    expect(outcome.error).toMatchObject({ kind: 'auth', hint: geminiHints.noCredentials });
    expect(outcome.error?.message).toContain('Invalid auth method selected.');
    expect(target.requests).toHaveLength(0);
  });

  it('a 429 with RetryInfo is rate-limit with resetsAt when gemini said', async () => {
    const target = await server([geminiReply.rateLimited(7)]);
    const before = Date.now();
    const outcome = await collectInvocation(adapter, request(target, 'hi'));
    expect(outcome.error).toMatchObject({ kind: 'rate-limit', retrySameTool: false, fallback: true });
    const resetsAt = Date.parse(String(outcome.error?.resetsAt));
    expect(resetsAt).toBeGreaterThanOrEqual(before + 7_000);
    expect(resetsAt).toBeLessThanOrEqual(Date.now() + 7_000);
  });

  it('a used-up daily quota is plan-limit; 503 is overloaded; too long a prompt is context-too-long', async () => {
    const quota = await server([geminiReply.dailyQuotaExhausted()]);
    expect((await collectInvocation(adapter, request(quota, 'hi'))).error).toMatchObject({
      kind: 'plan-limit',
      retrySameTool: false,
      fallback: true,
    });
    const overloaded = await server([geminiReply.overloaded()]);
    expect((await collectInvocation(adapter, request(overloaded, 'hi'))).error).toMatchObject({
      kind: 'overloaded',
    });
    const tooLong = await server([geminiReply.contextTooLong()]);
    expect((await collectInvocation(adapter, request(tooLong, 'hi'))).error).toMatchObject({
      kind: 'context-too-long',
    });
  });

  it('a stream cut off mid-answer is bad-output, though part of the answer was streamed', async () => {
    const target = await server([geminiReply.truncated({ chunks: ['Partial '] })]);
    const outcome = await collectInvocation(adapter, request(target, 'hi'));
    expect(outcome.outputs).toEqual(['Partial ']);
    expect(outcome.error).toMatchObject({ kind: 'bad-output' });
  });

  it('times out on a stalled server and leaves no gemini process behind', async () => {
    const target = await server([], geminiReply.stall({ afterHeaders: true }));
    // gemini is a large Node program: on a loaded machine it can take seconds before its first request.
    const base = request(target, 'hi', { timeoutMs: 8_000 });
    const marker = join(base.configDir, 'stall-marker');
    mkdirSync(marker);
    const outcome = await collectInvocationLeavingNoProcess(
      adapter,
      { ...base, adapterOptions: { include_directories: [marker] } },
      { marker, running: () => target.waitForGenerateRequests(1) },
    );
    expect(outcome.error).toMatchObject({
      kind: 'timeout',
      fallback: true,
      message: "'gemini' timed out after 8 s",
    });
  });

  it('ends gemini when the caller aborts, as cancelled, leaving no process', async () => {
    const target = await server([], geminiReply.stall());
    const base = request(target, 'hi');
    const marker = join(base.configDir, 'cancel-marker');
    mkdirSync(marker);
    const outcome = await collectInvocationLeavingNoProcess(
      adapter,
      { ...base, adapterOptions: { include_directories: [marker] } },
      { marker, running: () => target.waitForGenerateRequests(1), abort: true },
    );
    expect(outcome.error).toMatchObject({ kind: 'cancelled', fallback: false });
  });
});

describe('the gemini adapter before it starts anything', () => {
  it('is not-installed, with the install hint, when the binary is missing', async () => {
    const target = await server();
    const outcome = await collectInvocation(
      adapter,
      request(target, 'hi', { tool: { binary: './no-such-gemini' } }),
    );
    expect(outcome.error).toMatchObject({
      kind: 'not-installed',
      fallback: true,
      hint: geminiHints.notInstalled,
    });
  });

  it('refuses a prompt over the 8 MiB gemini reads from stdin, as context-too-long, instead of letting it be cut', async () => {
    const target = await server();
    const base = request(target, '', { tool: { binary: process.execPath } });
    const outcome = await collectInvocation(adapter, {
      ...base,
      prompt: new Uint8Array(8 * 1024 * 1024 + 1),
    });
    expect(outcome.error).toMatchObject({
      kind: 'context-too-long',
      fallback: true,
      hint: geminiHints['context-too-long'],
    });
    expect(outcome.error?.message).toContain('gemini reads at most 8388608 bytes from stdin');
  });

  it('is auth when an env_required variable is missing, naming it only', async () => {
    const target = await server();
    const outcome = await collectInvocation(
      adapter,
      request(target, 'hi', {
        tool: { binary: process.execPath, env_required: ['GEMINI_API_KEY_FOR_TEAM'] },
      }),
    );
    expect(outcome.error).toMatchObject({ kind: 'auth', message: 'GEMINI_API_KEY_FOR_TEAM is not set' });
  });
});
