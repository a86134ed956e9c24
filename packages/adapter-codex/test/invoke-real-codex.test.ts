import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  codexEnvironment,
  responsesReply,
  ResponsesTestServer,
  type CodexEnvironmentOptions,
  type ResponsesScriptedReply,
} from '@llm-service/testkit';
import {
  collectInvocation,
  collectInvocationLeavingNoProcess,
  removeTemporaryDirectories,
  startedServers,
  temporaryDirectory,
} from '@llm-service/testkit/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createCodexAdapter } from '../src/index.js';
import { invocationRequest, toolConfig, type CodexRequest } from './support/helpers.js';
import { codexBinary, skipReason } from './support/real-codex.js';

const adapter = createCodexAdapter();
const servers = startedServers((replies: ResponsesScriptedReply[] = [], fallback?: ResponsesScriptedReply) =>
  ResponsesTestServer.start({ replies, ...(fallback ? { fallback } : {}) }),
);
const server = servers.start;
afterEach(servers.closeAll);
afterAll(removeTemporaryDirectories);

/** A request that runs the real codex against `target`, in a fresh HOME and CODEX_HOME. */
function request(
  target: ResponsesTestServer,
  prompt: string,
  overrides: Partial<Omit<CodexRequest, 'tool'>> & {
    tool?: Record<string, unknown>;
    codex?: Omit<CodexEnvironmentOptions, 'baseUrl'>;
  } = {},
): CodexRequest & { codexHome: string } {
  const { tool, codex, ...rest } = overrides;
  const { env, codexHome } = codexEnvironment({
    baseUrl: target.baseUrl,
    home: temporaryDirectory('adapter-codex-home-'),
    ...codex,
  });
  const configDir = temporaryDirectory('adapter-codex-config-');
  return {
    ...invocationRequest(toolConfig({ binary: codexBinary, ...tool }), prompt, { env, configDir, ...rest }),
    codexHome,
  };
}

/** The request body's text: instructions and every input message, and the last user message apart. */
function sentText(body: unknown): { all: string; prompt: string } {
  const { input } = body as { input: { role?: string; content?: { type: string; text?: string }[] }[] };
  const texts = (message: (typeof input)[number]) =>
    (message.content ?? []).map((part) => part.text ?? '').join('');
  const lastUser = [...input].reverse().find((message) => message.role === 'user');
  return { all: JSON.stringify(body), prompt: lastUser ? texts(lastUser) : '' };
}

describe.skipIf(skipReason !== undefined)('the codex adapter running the real codex', () => {
  it('hands on the answer with the server’s usage, cached tokens apart from input, the prompt sent on stdin', async () => {
    const target = await server([
      responsesReply.chunks(['The answer ', 'is 42.'], {
        usage: { input_tokens: 2000, cached_tokens: 500, output_tokens: 300, reasoning_tokens: 100 },
      }),
    ]);
    const prompt = 'What is the answer? ✓ — «bytes as given»\n--not-a-flag\n';
    const outcome = await collectInvocation(adapter, request(target, prompt));
    expect(outcome.error).toBeUndefined();
    expect(outcome.outputs).toEqual(['The answer is 42.']);
    expect(outcome.result).toMatchObject({
      text: 'The answer is 42.',
      // codex's input_tokens (2000) include the 500 cached; reasoning (100) is inside output (300).
      usage: { inputTokens: 1500, outputTokens: 300, cacheReadTokens: 500, cacheWriteTokens: 0 },
      model: 'gpt-5.5',
      exitCode: 0,
      turns: 1,
    });
    expect(outcome.result?.reportedCostUsd).toBeUndefined();
    expect(outcome.result?.sessionId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    const [sent] = target.responseRequests;
    expect(target.responseRequests).toHaveLength(1);
    expect(sent!.headers.authorization).toBe('Bearer sk-test-not-a-real-key');
    expect((sent!.body as { model: string; stream: boolean }).model).toBe('gpt-5.5');
    expect((sent!.body as { stream: boolean }).stream).toBe(true);
    expect(sentText(sent!.body).prompt).toBe(prompt);
  });

  it('hands on each agent message as codex completes it, before the response (and codex) ends', async () => {
    const target = await server([
      responsesReply.messages([['First ', 'message.'], ['Second message.']], { holdAfterMessage: 1 }),
    ]);
    const seen: { text: string; serverFinished: number }[] = [];
    const outcome = await collectInvocation(adapter, request(target, 'hi'), {
      onOutput: (text) => {
        seen.push({ text, serverFinished: target.finishedAnswers });
        target.release();
      },
    });
    expect(outcome.error).toBeUndefined();
    expect(seen[0]).toEqual({ text: 'First message.', serverFinished: 0 });
    // Several messages in one run are separated as adapter-claude separates turns: by a blank line.
    expect(outcome.outputs).toEqual(['First message.', '\n\nSecond message.']);
    expect(outcome.result?.text).toBe('First message.\n\nSecond message.');
  });

  it('passes the agent options: sandbox, approval policy, working directory, profile and -c pairs', async () => {
    const target = await server([responsesReply.text('ok')]);
    const base = request(target, 'hi');
    writeFileSync(join(base.codexHome, 'careful.config.toml'), 'model_reasoning_effort = "low"\n');
    mkdirSync(join(base.configDir, 'workspace'));
    const outcome = await collectInvocation(adapter, {
      ...base,
      adapterOptions: {
        sandbox: 'workspace-write',
        working_directory: 'workspace',
        profile: 'careful',
        config: { model_verbosity: 'high' },
      },
    });
    expect(outcome.error).toBeUndefined();
    const body = target.responseRequests[0]!.body as {
      reasoning?: { effort?: string };
      text?: { verbosity?: string };
    };
    const sent = sentText(body).all;
    expect(sent).toContain('`sandbox_mode` is `workspace-write`');
    expect(sent).toContain('Approval policy is currently never');
    expect(sent).toContain(`<cwd>${join(base.configDir, 'workspace')}</cwd>`);
    expect(body.reasoning?.effort).toBe('low');
    expect(body.text?.verbosity).toBe('high');

    // Without options codex exec runs with its defaults: read-only, never asking, no profile, the tool's directory.
    const plain = await server([responsesReply.text('ok')]);
    const defaults = request(plain, 'hi');
    await collectInvocation(adapter, defaults);
    const plainBody = plain.responseRequests[0]!.body as { reasoning?: { effort?: string } };
    expect(plainBody.reasoning?.effort).not.toBe('low');
    const plainSent = sentText(plainBody).all;
    expect(plainSent).toContain('`sandbox_mode` is `read-only`');
    expect(plainSent).toContain('Approval policy is currently never');
    expect(plainSent).toContain(`<cwd>${defaults.configDir}</cwd>`);
    expect(plainSent).not.toContain('# Escalation Requests');

    // auto-review (--approve-for-me): codex tells the model how escalation requests are reviewed instead of refusing them.
    const reviewed = await server([responsesReply.text('ok')]);
    await collectInvocation(adapter, {
      ...request(reviewed, 'hi'),
      adapterOptions: { approval_policy: 'auto-review' },
    });
    const reviewedSent = sentText(reviewed.responseRequests[0]!.body).all;
    expect(reviewedSent).toContain('# Escalation Requests');
    expect(reviewedSent).toContain('`sandbox_mode` is `workspace-write`');
    expect(reviewedSent).not.toContain('Approval policy is currently never');

    const bypass = await server([responsesReply.text('ok')]);
    await collectInvocation(adapter, {
      ...request(bypass, 'hi'),
      adapterOptions: { dangerously_bypass_approvals_and_sandbox: true },
    });
    expect(sentText(bypass.responseRequests[0]!.body).all).toContain(
      '`sandbox_mode` is `danger-full-access`',
    );
  });

  it('without a key, fails as auth with the login hint before any request is sent', async () => {
    const target = await server();
    const outcome = await collectInvocation(adapter, request(target, 'hi', { codex: { apiKey: null } }));
    expect(outcome.error).toMatchObject({ kind: 'auth', retrySameTool: false, fallback: true });
    expect(outcome.error?.message).toContain('Missing environment variable: `OPENAI_API_KEY`');
    expect(outcome.error?.hint).toBe('codex is not logged in: run `codex login` or set OPENAI_API_KEY');
    expect(target.responseRequests).toHaveLength(0);
  });

  it('a refused key (401) is auth', async () => {
    const target = await server([], responsesReply.unauthorized());
    const outcome = await collectInvocation(adapter, request(target, 'hi'));
    expect(outcome.error).toMatchObject({ kind: 'auth', retrySameTool: false, fallback: true });
    expect(outcome.error?.message).toContain('401 Unauthorized');
    expect(outcome.error?.hint).toContain('run `codex login` again');
  });

  it('429 is rate-limit; a wait the service states becomes resetsAt', async () => {
    const plain = await server([], responsesReply.rateLimited({ retryAfterSeconds: 7 }));
    const limited = await collectInvocation(adapter, request(plain, 'hi'));
    expect(limited.error).toMatchObject({ kind: 'rate-limit', retrySameTool: false, fallback: true });
    expect(limited.error?.message).toContain('429 Too Many Requests');
    expect(limited.error?.hint).toContain('wait until the limit resets');
    expect(plain.responseRequests).toHaveLength(1);

    const inStream = await server([], responsesReply.rateLimitedInStream(7.5));
    const before = Date.now();
    const stated = await collectInvocation(
      adapter,
      request(inStream, 'hi', { tool: { retry: { same_tool: true } } }),
    );
    expect(stated.error).toMatchObject({ kind: 'rate-limit', retrySameTool: true });
    const resetsAt = Date.parse(String(stated.error?.resetsAt));
    expect(resetsAt).toBeGreaterThanOrEqual(before + 7_500);
    expect(resetsAt).toBeLessThanOrEqual(Date.now() + 7_500);
  });

  it('a used-up plan (usage_limit_reached) is plan-limit with the reset time codex prints', async () => {
    // Today and another day: codex prints "8:53 AM" for the one and "Dec 10th, 2026 7:55 AM" for the other.
    for (const aheadMs of [60 * 60_000, 3 * 24 * 60 * 60_000]) {
      const reset = new Date(Date.now() + aheadMs);
      const target = await server(
        [],
        responsesReply.usageLimitReached({ resetsAt: reset, planType: 'plus' }),
      );
      const outcome = await collectInvocation(adapter, request(target, 'hi'));
      expect(outcome.error).toMatchObject({ kind: 'plan-limit', retrySameTool: false, fallback: true });
      expect(outcome.error?.message).toContain('You’ve hit your usage limit.');
      expect(outcome.error?.hint).toContain('ChatGPT plan');
      // codex prints the minute: the reset is reported as the end of that minute.
      const resetsAt = Date.parse(String(outcome.error?.resetsAt));
      expect(resetsAt).toBeGreaterThan(reset.getTime());
      expect(resetsAt).toBeLessThanOrEqual(reset.getTime() + 60_000);
      expect(target.responseRequests).toHaveLength(1);
    }
  });

  it('an API account out of credit (insufficient_quota) is plan-limit without a reset time', async () => {
    const target = await server([], responsesReply.insufficientQuota());
    const outcome = await collectInvocation(adapter, request(target, 'hi'));
    expect(outcome.error).toMatchObject({ kind: 'plan-limit', fallback: true, retrySameTool: false });
    expect(outcome.error?.resetsAt).toBeUndefined();
    expect(outcome.error?.hint).toContain('out of credit');
  });

  it('500 and 503 are overloaded once codex has spent its own retries', async () => {
    for (const status of [500, 503] as const) {
      const target = await server([], responsesReply.serverError(status));
      const outcome = await collectInvocation(adapter, request(target, 'hi'));
      expect(outcome.error).toMatchObject({ kind: 'overloaded', retrySameTool: false, fallback: true });
      expect(target.responseRequests).toHaveLength(1);
    }
    // With one stream retry allowed in its provider config, codex sends the request twice and says so.
    const retried = await server([], responsesReply.serverError(500));
    const outcome = await collectInvocation(
      adapter,
      request(retried, 'hi', { codex: { streamMaxRetries: 1 } }),
    );
    expect(outcome.error).toMatchObject({ kind: 'overloaded' });
    expect(outcome.error?.message).toContain('after 1 retry by codex');
    expect(retried.responseRequests).toHaveLength(2);
  });

  it('a prompt too long for the model is context-too-long', async () => {
    const target = await server([], responsesReply.contextTooLong());
    const outcome = await collectInvocation(adapter, request(target, 'hi'));
    expect(outcome.error).toMatchObject({ kind: 'context-too-long', retrySameTool: false, fallback: true });
    expect(outcome.error?.message).toContain('context window');
  });

  it('a stream cut before response.completed is bad-output', async () => {
    const target = await server([], responsesReply.truncated());
    const outcome = await collectInvocation(adapter, request(target, 'hi'));
    expect(outcome.error).toMatchObject({ kind: 'bad-output', fallback: true });
    expect(outcome.error?.message).toContain('stream closed before response.completed');
    expect(outcome.outputs).toEqual([]);
  });

  it('times out on a stalled server and leaves no codex process behind', async () => {
    const target = await server([], responsesReply.stall({ afterHeaders: true }));
    const base = request(target, 'hi', { timeoutMs: 3_000 });
    mkdirSync(join(base.configDir, 'stall-marker'));
    const outcome = await collectInvocationLeavingNoProcess(
      adapter,
      { ...base, adapterOptions: { working_directory: 'stall-marker' } },
      { marker: join(base.configDir, 'stall-marker'), running: () => target.waitForResponseRequests(1) },
    );
    expect(outcome.error).toMatchObject({
      kind: 'timeout',
      fallback: true,
      message: "'codex' timed out after 3 s",
    });
  });

  it('ends codex when the caller aborts, as cancelled', async () => {
    const target = await server([], responsesReply.stall());
    const base = request(target, 'hi');
    mkdirSync(join(base.configDir, 'cancel-marker'));
    const outcome = await collectInvocationLeavingNoProcess(
      adapter,
      { ...base, adapterOptions: { working_directory: 'cancel-marker' } },
      {
        marker: join(base.configDir, 'cancel-marker'),
        running: () => target.waitForResponseRequests(1),
        abort: true,
      },
    );
    expect(outcome.error).toMatchObject({ kind: 'cancelled', fallback: false });
  });
});

describe('the codex adapter before it starts anything', () => {
  it('is not-installed, with the install hint, when the binary is missing', async () => {
    const target = await server();
    const outcome = await collectInvocation(
      adapter,
      request(target, 'hi', { tool: { binary: 'no-such-codex' } }),
    );
    expect(outcome.error).toMatchObject({ kind: 'not-installed', fallback: true });
    expect(outcome.error?.message).toContain('npm i -g @openai/codex');
  });

  it('is auth when an env_required variable is missing, naming it only', async () => {
    const target = await server();
    const outcome = await collectInvocation(
      adapter,
      request(target, 'hi', {
        tool: { binary: process.execPath, env_required: ['OPENAI_API_KEY_FOR_TEAM'] },
      }),
    );
    expect(outcome.error).toMatchObject({ kind: 'auth', message: 'OPENAI_API_KEY_FOR_TEAM is not set' });
  });

  it('refuses a working_directory that does not exist, naming it', async () => {
    const target = await server();
    const outcome = await collectInvocation(adapter, {
      ...request(target, 'hi', { tool: { binary: process.execPath } }),
      adapterOptions: { working_directory: 'missing-dir' },
    });
    expect(outcome.error).toMatchObject({ kind: 'tool-error' });
    expect(outcome.error?.message).toContain('missing-dir');
    expect(target.responseRequests).toHaveLength(0);
  });
});
