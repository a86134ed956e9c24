/**
 * `llm-service exec` through the real Claude Code CLI (the pinned npm release, see STACK.md), fully offline against
 * the Anthropic test server. Skipped, with the install command printed, only where that binary is not installed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// The testkit is a private workspace package that the CLI does not depend on; its sources are imported directly.
import {
  AnthropicTestServer,
  claudeEnvironment,
  claudeSkipReason,
  findClaudeBinary,
  reply,
  type ScriptedReply,
} from '../../testkit/src/index.js';
import {
  isolatedHome,
  processesMatching,
  runCli,
  standInPath,
  temporaryDir,
  waitFor,
} from './support/cli.js';

const skipReason = claudeSkipReason();
if (skipReason !== undefined)
  process.stderr.write(`cli: skipping real-claude end-to-end tests: ${skipReason}\n`);
const claudeBinary = findClaudeBinary() ?? '/nonexistent/claude';

const servers: AnthropicTestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function server(replies: ScriptedReply[] = [], fallback?: ScriptedReply): Promise<AnthropicTestServer> {
  const started = await AnthropicTestServer.start({ replies, ...(fallback ? { fallback } : {}) });
  servers.push(started);
  return started;
}

interface ConfigOptions {
  /** Extra lines of the claude tool entry, e.g. `retry: { max: 1 }`. */
  claudeTool?: string[];
  /** `adapter_options.claude` of the agent, as YAML flow. */
  claudeOptions?: string;
  timeoutS?: number;
}

/** A config whose agent prefers the real claude and falls back to the stand-in CLI (a generic-yaml tool). */
function writeClaudeConfig(options: ConfigOptions = {}): string {
  const dir = temporaryDir('claude-config');
  mkdirSync(join(dir, 'work'));
  const tools = [
    'version: 1',
    'tools:',
    '  claude:',
    '    adapter: claude',
    `    binary: ${JSON.stringify(claudeBinary)}`,
    '    models: [claude-sonnet-4-5]',
    // claude works on files in its working directory: give it an empty one.
    '    cwd: work',
    `    timeout_s: ${options.timeoutS ?? 60}`,
    ...(options.claudeTool ?? []).map((line) => `    ${line}`),
    '  standin:',
    '    adapter: generic-yaml',
    `    binary: ${JSON.stringify(standInPath)}`,
    '    args: ["exec", "--model", "{{model}}", "-"]',
    '    prompt_via: stdin',
    '    models: [stand-in-small]',
    '',
  ];
  writeFileSync(join(dir, 'tools.yaml'), tools.join('\n'));
  writeFileSync(
    join(dir, 'agents.yaml'),
    [
      'version: 1',
      'agents:',
      '  architect:',
      '    preferred_tool: claude',
      '    preferred_model: claude-sonnet-4-5',
      '    fallback_chain: ["standin:stand-in-small"]',
      ...(options.claudeOptions ? [`    adapter_options: { claude: ${options.claudeOptions} }`] : []),
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'models.yaml'),
    [
      'version: 1',
      'models:',
      '  claude-sonnet-4-5: { input_per_mtok: 3, output_per_mtok: 15, cache_read_per_mtok: 0.3, cache_write_per_mtok: 3.75 }',
      '  stand-in-small: { input_per_mtok: 0.1, output_per_mtok: 0.4 }',
      '',
    ].join('\n'),
  );
  return dir;
}

/** The environment of llm-service, and so of claude: a fresh HOME, the test server, and a key unless null. */
function environment(target: AnthropicTestServer, apiKey?: string | null): Record<string, string> {
  const { env: base, home } = isolatedHome();
  const { env } = claudeEnvironment({
    baseUrl: target.url,
    home,
    ...(apiKey === undefined ? {} : { apiKey }),
  });
  return { ...base, ...env };
}

const exec = (dir: string, ...extra: string[]) => [
  'exec',
  '--config-dir',
  dir,
  '--agent',
  'architect',
  '--prompt',
  'Design a cache.',
  ...extra,
];

describe.skipIf(skipReason !== undefined)('llm-service exec through the real claude', () => {
  it('prints the server’s answer, and reports the usage the server sent and the cost claude computed', async () => {
    const target = await server([
      reply.chunks(['Use an LRU cache ', 'with a TTL.'], {
        usage: {
          input_tokens: 2000,
          output_tokens: 150,
          cache_read_input_tokens: 1000,
          cache_creation_input_tokens: 80,
        },
      }),
    ]);
    const dir = writeClaudeConfig();
    const plain = await runCli(exec(dir), { env: environment(target) });
    expect(plain.stderr).toBe('');
    expect(plain.code).toBe(0);
    expect(plain.stdout.toString()).toBe('Use an LRU cache with a TTL.');

    target.enqueue(
      reply.text('Use an LRU cache with a TTL.', {
        usage: {
          input_tokens: 2000,
          output_tokens: 150,
          cache_read_input_tokens: 1000,
          cache_creation_input_tokens: 80,
        },
      }),
    );
    const json = await runCli(exec(dir, '--json'), { env: environment(target) });
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout.toString()) as Record<string, unknown>;
    expect(result).toMatchObject({
      text: 'Use an LRU cache with a TTL.',
      tool: 'claude',
      model: 'claude-sonnet-4-5',
      reason: 'preferred',
      usage: { inputTokens: 2000, outputTokens: 150, cacheReadTokens: 1000, cacheWriteTokens: 80 },
      costSource: 'tool',
    });
    // What claude reported (its list prices for claude-sonnet-4-5), which matches models.yaml here.
    expect(result.costUsd).toBeCloseTo((2000 * 3 + 150 * 15 + 1000 * 0.3 + 80 * 3.75) / 1_000_000, 12);
    expect(target.messageRequests).toHaveLength(2);
  });

  it('with no key, classifies the failure as auth and the next candidate in the chain answers', async () => {
    const target = await server();
    const dir = writeClaudeConfig();
    const run = await runCli(exec(dir, '--json'), { env: environment(target, null) });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout.toString()) as { tool: string; text: string; attempts: unknown[] };
    expect(result.tool).toBe('standin');
    expect(result.text).toContain('Stand-in answer from stand-in-small');
    expect(result.attempts).toMatchObject([
      { tool: 'claude', status: 'failed', errorKind: 'auth' },
      { tool: 'standin', status: 'success', reason: 'fallback' },
    ]);
    expect(run.stderr).toContain(
      'claude:claude-sonnet-4-5 unavailable (not logged in or invalid credentials)',
    );
    expect(target.messageRequests).toHaveLength(0);
  });

  it('with no key and no fallback, fails with a hint to log claude in', async () => {
    const target = await server();
    const dir = writeClaudeConfig();
    const run = await runCli(exec(dir, '--no-fallback'), { env: environment(target, null) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      '  hint: log claude in: run `claude` once and use /login, or set ANTHROPIC_API_KEY',
    );
    expect(run.stderr).not.toContain('run `llm-service tools` to see what is installed');
  });

  it('succeeds after a 429 that claude retries itself', async () => {
    const target = await server([reply.error(429), reply.text('Answered after the rate limit.')]);
    const run = await runCli(exec(writeClaudeConfig()), { env: environment(target) });
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toBe('Answered after the rate limit.');
    expect(target.messageRequests).toHaveLength(2);
  });

  it('falls back after a bounded number of requests when every try is 529', async () => {
    const target = await server([], reply.error(529));
    const run = await runCli(exec(writeClaudeConfig({ claudeTool: ['retry: { max: 2 }'] })), {
      env: environment(target),
    });
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toContain('Stand-in answer from stand-in-small');
    expect(run.stderr).toContain('claude:claude-sonnet-4-5 overloaded; trying standin:stand-in-small');
    // One request and claude's two retries (CLAUDE_CODE_MAX_RETRIES=2); no retry of our own on top.
    expect(target.messageRequests).toHaveLength(3);
  });

  it('retries on claude itself as well only when retry.same_tool is set', async () => {
    const target = await server([], reply.error(529));
    const run = await runCli(
      exec(
        writeClaudeConfig({ claudeTool: ['retry: { max: 1, base_ms: 0, same_tool: true }'] }),
        '--no-fallback',
      ),
      { env: environment(target) },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('overloaded');
    // Two runs of claude, each a request and one retry.
    expect(target.messageRequests).toHaveLength(4);
  });

  it('ends a run against a stalled server with a timeout and leaves no claude process', async () => {
    const target = await server([], reply.stall({ afterHeaders: true }));
    const dir = writeClaudeConfig({ claudeOptions: '{ add_dirs: [stall-marker] }' });
    mkdirSync(join(dir, 'stall-marker'));
    const marker = join(dir, 'stall-marker');
    let sawClaude = false;
    const run = await runCli(exec(dir, '--timeout', '3', '--no-fallback'), {
      env: environment(target),
      onSpawn: () =>
        void target.waitForMessageRequests(1).then(() => (sawClaude = processesMatching(marker).length > 0)),
    });
    expect(sawClaude).toBe(true);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('timed out after 3 s');
    expect(target.messageRequests).toHaveLength(1);
    await waitFor(() => processesMatching(marker).length === 0, 5_000);
  });

  it('Ctrl-C ends claude and exits 130', async () => {
    const target = await server([], reply.stall());
    const dir = writeClaudeConfig({ claudeOptions: '{ add_dirs: [sigint-marker] }' });
    mkdirSync(join(dir, 'sigint-marker'));
    const marker = join(dir, 'sigint-marker');
    let sawClaude = false;
    const run = await runCli(exec(dir), {
      env: environment(target),
      onSpawn: (child) =>
        void target.waitForMessageRequests(1).then(() => {
          sawClaude = processesMatching(marker).length > 0;
          child.kill('SIGINT');
        }),
    });
    expect(sawClaude).toBe(true);
    expect(run.code).toBe(130);
    expect(run.stdout.toString()).toBe('');
    await waitFor(() => processesMatching(marker).length === 0, 5_000);
  });

  it('streams a long answer to stdout in pieces, the first before the server has finished sending', async () => {
    const chunks = Array.from({ length: 40 }, (_, index) => `line ${index + 1} of a long answer\n`);
    const target = await server([reply.chunks(chunks, { holdAfterChunk: 1, chunkDelayMs: 10 })]);
    let firstChunkWhileStreaming: { stdout: string; finishedAnswers: number } | undefined;
    const pieces: string[] = [];
    const run = await runCli(exec(writeClaudeConfig()), {
      env: environment(target),
      onSpawn: (child) =>
        child.stdout?.on('data', (data: Buffer) => {
          pieces.push(data.toString());
          if (firstChunkWhileStreaming === undefined) {
            firstChunkWhileStreaming = { stdout: pieces.join(''), finishedAnswers: target.finishedAnswers };
            // Only now does the server send the rest.
            target.release();
          }
        }),
    });
    expect(run.code).toBe(0);
    expect(firstChunkWhileStreaming).toEqual({ stdout: 'line 1 of a long answer\n', finishedAnswers: 0 });
    expect(run.stdout.toString()).toBe(chunks.join(''));
    expect(pieces.length).toBeGreaterThan(1);
  });
});
