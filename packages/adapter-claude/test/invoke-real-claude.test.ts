import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnthropicTestServer, claudeEnvironment, reply, type ScriptedReply } from '@llm-service/testkit';
import {
  collectInvocation,
  collectInvocationLeavingNoProcess,
  removeTemporaryDirectories,
  startedServers,
  temporaryDirectory,
} from '@llm-service/testkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createClaudeAdapter } from '../src/index.js';
import { invocationRequest, toolConfig, withAgentOptions, type ClaudeRequest } from './support/helpers.js';
import { claudeBinary, skipReason } from './support/real-claude.js';

const adapter = createClaudeAdapter();
const servers = startedServers((replies: ScriptedReply[] = [], fallback?: ScriptedReply) =>
  AnthropicTestServer.start({ replies, ...(fallback ? { fallback } : {}) }),
);
const server = servers.start;
afterEach(async () => {
  await servers.closeAll();
  removeTemporaryDirectories();
});

/** A request that runs the real claude against `target`, in a fresh HOME. */
function request(
  target: AnthropicTestServer,
  prompt: string,
  overrides: Partial<Omit<ClaudeRequest, 'tool'>> & {
    tool?: Record<string, unknown>;
    apiKey?: string | null;
  } = {},
): ClaudeRequest {
  const { tool, apiKey, ...rest } = overrides;
  const { env } = claudeEnvironment({ baseUrl: target.url, ...(apiKey === undefined ? {} : { apiKey }) });
  const configDir = temporaryDirectory('adapter-claude-config-');
  return invocationRequest(toolConfig({ binary: claudeBinary, ...tool }), prompt, {
    env,
    configDir,
    ...rest,
  });
}

/** The text of what the model was sent: system blocks and the last user message. */
function sentText(body: unknown): { system: string; prompt: string } {
  const { system, messages } = body as {
    system: { text: string }[];
    messages: { content: { type: string; text?: string }[] }[];
  };
  const last = messages.at(-1)!.content;
  return {
    system: system.map((block) => block.text).join('\n'),
    prompt: last.map((block) => block.text ?? '').join('\n'),
  };
}

describe.skipIf(skipReason !== undefined)('the claude adapter running the real claude', () => {
  it('streams the server’s answer and reports its usage and claude’s cost, with the prompt sent on stdin', async () => {
    const target = await server([
      reply.chunks(['The answer ', 'is 42', '.'], {
        usage: {
          input_tokens: 1200,
          output_tokens: 340,
          cache_read_input_tokens: 500,
          cache_creation_input_tokens: 60,
        },
      }),
    ]);
    const prompt = 'What is the answer? ✓ — «bytes as given»\n';
    const outcome = await collectInvocation(adapter, request(target, prompt));
    expect(outcome.error).toBeUndefined();
    expect(outcome.outputs).toEqual(['The answer ', 'is 42', '.']);
    expect(outcome.result).toMatchObject({
      text: 'The answer is 42.',
      usage: { inputTokens: 1200, outputTokens: 340, cacheReadTokens: 500, cacheWriteTokens: 60 },
      model: 'claude-sonnet-4-5',
      exitCode: 0,
      turns: 1,
    });
    // claude-sonnet-4-5 at claude's own list prices: $3 in, $15 out, $0.30 cache read, $3.75 cache write per MTok.
    expect(outcome.result?.reportedCostUsd).toBeCloseTo(
      (1200 * 3 + 340 * 15 + 500 * 0.3 + 60 * 3.75) / 1_000_000,
      12,
    );
    expect(outcome.result?.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const [sent] = target.messageRequests;
    expect(sent!.headers['x-api-key']).toBe('sk-ant-test-not-a-real-key');
    expect(sentText(sent!.body).prompt).toContain(prompt);
  });

  it('passes the agent options: system prompt file, allowed tools, permission mode, directories, budget', async () => {
    const target = await server([reply.text('ok')]);
    const base = request(target, 'hi');
    mkdirSync(join(base.configDir, 'prompts'));
    writeFileSync(
      join(base.configDir, 'prompts/architect.md'),
      'APPENDED-ARCHITECT-PROMPT: answer as an architect.',
    );
    const shared = join(base.configDir, 'shared-dir');
    mkdirSync(shared);
    const outcome = await collectInvocation(adapter, {
      ...withAgentOptions(base, {
        append_system_prompt_file: 'prompts/architect.md',
        allowed_tools: ['Read', 'Bash(git diff *)'],
        // The legacy name, which claude 2.1.328 accepts though --help lists `manual` instead.
        permission_mode: 'default',
        add_dirs: ['shared-dir'],
      }),
      maxBudgetUsd: 5,
    });
    expect(outcome.error).toBeUndefined();
    expect(outcome.result?.text).toBe('ok');
    const sent = sentText(target.messageRequests[0]!.body);
    expect(sent.system).toContain('APPENDED-ARCHITECT-PROMPT: answer as an architect.');
    // claude tells the model its budget, which shows --max-budget-usd arrived.
    expect(sent.prompt).toContain('USD budget: $0/$5');
  });

  it('grants a tool only through allowed_tools, and a directory beyond the working one only through add_dirs', async () => {
    /** The model asks to create a file in a directory outside claude's working directory. */
    const attempt = async (grant: { allow: boolean; addDir: boolean }) => {
      const shared = temporaryDirectory('adapter-claude-shared-');
      const target = await server([
        reply.text('Creating the file.', {
          toolUse: { id: 'toolu_1', name: 'Bash', input: { command: `touch ${shared}/made-by-claude` } },
        }),
        reply.text('Done.'),
      ]);
      const outcome = await collectInvocation(
        adapter,
        withAgentOptions(request(target, 'make the file'), {
          ...(grant.allow ? { allowed_tools: ['Bash(touch *)'] } : {}),
          ...(grant.addDir ? { add_dirs: [shared] } : {}),
        }),
      );
      const messages = (target.messageRequests[1]?.body as { messages: unknown[] } | undefined)?.messages;
      return {
        outcome,
        created: existsSync(join(shared, 'made-by-claude')),
        toolResult: JSON.stringify(messages?.at(-1)),
      };
    };

    const denied = await attempt({ allow: false, addDir: false });
    expect(denied.outcome.result?.text).toBe('Done.');
    expect(denied.outcome.outputs.join('')).toBe('Creating the file.\n\nDone.');
    expect(denied.created).toBe(false);
    expect(denied.toolResult).toContain('needs approval');
    expect((await attempt({ allow: true, addDir: false })).created).toBe(false);
    expect((await attempt({ allow: false, addDir: true })).created).toBe(false);
    expect((await attempt({ allow: true, addDir: true })).created).toBe(true);
  });

  it('without a key, fails as auth before any request is sent', async () => {
    const target = await server();
    const outcome = await collectInvocation(adapter, request(target, 'hi', { apiKey: null }));
    expect(outcome.error).toMatchObject({ kind: 'auth', retrySameTool: false, fallback: true });
    expect(outcome.error?.message).toContain('Not logged in');
    expect(outcome.outputs).toEqual([]);
    expect(target.messageRequests).toHaveLength(0);
  });

  it('stops claude at the first 401 for a static ANTHROPIC_API_KEY instead of letting it retry', async () => {
    const target = await server([], reply.error(401));
    const outcome = await collectInvocation(adapter, request(target, 'hi', { tool: { retry: { max: 5 } } }));
    expect(outcome.error).toMatchObject({ kind: 'auth', retrySameTool: false, fallback: true });
    expect(outcome.error?.message).toContain('refused ANTHROPIC_API_KEY (HTTP 401)');
    expect(target.messageRequests).toHaveLength(1);
  });

  it('lets claude retry a 429 once and succeeds', async () => {
    const target = await server([reply.error(429), reply.text('after the limit')]);
    const outcome = await collectInvocation(adapter, request(target, 'hi'));
    expect(outcome.error).toBeUndefined();
    expect(outcome.result?.text).toBe('after the limit');
    expect(target.messageRequests).toHaveLength(2);
  });

  it('bounds claude’s own retries of 529 by retry.max, then fails as overloaded for the chain to move on', async () => {
    const target = await server([], reply.error(529));
    const outcome = await collectInvocation(adapter, request(target, 'hi', { tool: { retry: { max: 1 } } }));
    expect(outcome.error).toMatchObject({ kind: 'overloaded', retrySameTool: false, fallback: true });
    expect(target.messageRequests).toHaveLength(2);
    const zero = await server([], reply.error(529));
    await collectInvocation(adapter, request(zero, 'hi', { tool: { retry: { max: 0 } } }));
    expect(zero.messageRequests).toHaveLength(1);
  });

  it('stops at the --max-budget-usd cap mid-task without falling back', async () => {
    const target = await server([
      reply.text('Let me look.', {
        usage: { input_tokens: 100_000, output_tokens: 10 },
        toolUse: { id: 'toolu_1', name: 'Read', input: { file_path: '/etc/hostname' } },
      }),
      reply.text('never sent'),
    ]);
    const outcome = await collectInvocation(adapter, request(target, 'hi', { maxBudgetUsd: 0.01 }));
    expect(outcome.error).toMatchObject({ kind: 'tool-error', fallback: false });
    expect(outcome.error?.message).toContain('Reached maximum budget ($0.01)');
    expect(target.messageRequests).toHaveLength(1);
    // The turn that crossed the cap was paid for: the failure carries what claude reported, for the budgets.
    expect(outcome.error?.usage).toMatchObject({ inputTokens: 100_000, outputTokens: 10 });
    expect(outcome.error?.reportedCostUsd).toBeCloseTo((100_000 * 3 + 10 * 15) / 1_000_000, 12);
  });

  it('returns a whole answer whose only turn crossed the cap, with what it really cost', async () => {
    const target = await server([
      reply.text('costly', { usage: { input_tokens: 100_000, output_tokens: 10 } }),
    ]);
    const outcome = await collectInvocation(adapter, request(target, 'hi', { maxBudgetUsd: 0.01 }));
    expect(outcome.error).toBeUndefined();
    expect(outcome.result).toMatchObject({ text: 'costly', exitCode: 1 });
    expect(outcome.result?.reportedCostUsd).toBeCloseTo((100_000 * 3 + 10 * 15) / 1_000_000, 12);
  });

  it('emits the first chunk while the server is still streaming', async () => {
    const target = await server([reply.chunks(['first chunk ', 'second chunk'], { holdAfterChunk: 1 })]);
    const seen: { text: string; serverFinished: number }[] = [];
    const outcome = await collectInvocation(adapter, request(target, 'hi'), {
      onOutput: (text) => {
        seen.push({ text, serverFinished: target.finishedAnswers });
        target.release();
      },
    });
    expect(outcome.error).toBeUndefined();
    expect(seen[0]).toEqual({ text: 'first chunk ', serverFinished: 0 });
    expect(outcome.result?.text).toBe('first chunk second chunk');
  });

  it('times out on a stalled server and leaves no claude process behind', async () => {
    const target = await server([], reply.stall({ afterHeaders: true }));
    const base = request(target, 'hi', { timeoutMs: 3_000 });
    const marker = join(base.configDir, 'stall-marker');
    mkdirSync(marker);
    const outcome = await collectInvocationLeavingNoProcess(
      adapter,
      { ...base, adapterOptions: { add_dirs: ['stall-marker'] } },
      { marker, running: () => target.waitForMessageRequests(1) },
    );
    expect(outcome.error).toMatchObject({
      kind: 'timeout',
      fallback: true,
      message: "'claude' timed out after 3 s",
    });
  });

  it('ends claude when the caller aborts, as cancelled, leaving no process', async () => {
    const target = await server([], reply.stall());
    const base = request(target, 'hi');
    const marker = join(base.configDir, 'cancel-marker');
    mkdirSync(marker);
    const outcome = await collectInvocationLeavingNoProcess(
      adapter,
      { ...base, adapterOptions: { add_dirs: ['cancel-marker'] } },
      { marker, running: () => target.waitForMessageRequests(1), abort: true },
    );
    expect(outcome.error).toMatchObject({ kind: 'cancelled', fallback: false });
  });
});

describe('the claude adapter before it starts anything', () => {
  it('is not-installed when the binary is missing', async () => {
    const target = await server();
    const outcome = await collectInvocation(
      adapter,
      request(target, 'hi', { tool: { binary: './no-such-claude' } }),
    );
    expect(outcome.error).toMatchObject({ kind: 'not-installed', fallback: true });
  });

  it('is auth when an env_required variable is missing, naming it only', async () => {
    const target = await server();
    const outcome = await collectInvocation(
      adapter,
      request(target, 'hi', {
        tool: { binary: process.execPath, env_required: ['ANTHROPIC_API_KEY_FOR_TEAM'] },
      }),
    );
    expect(outcome.error).toMatchObject({ kind: 'auth', message: 'ANTHROPIC_API_KEY_FOR_TEAM is not set' });
  });

  it('refuses a cost cap of zero without falling back', async () => {
    const target = await server();
    const outcome = await collectInvocation(
      adapter,
      request(target, 'hi', { tool: { binary: process.execPath }, maxBudgetUsd: 0 }),
    );
    expect(outcome.error).toMatchObject({ kind: 'tool-error', fallback: false });
  });
});
