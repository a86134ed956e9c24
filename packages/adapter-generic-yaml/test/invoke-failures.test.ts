import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAdapterError, type AdapterError } from '@llm-service/spec';
import { createGenericYamlAdapter } from '../src/index.js';
import {
  collect,
  fakeCli,
  fixturesDir,
  invocationRequest,
  isAlive,
  temporaryDirectory,
  toolConfig,
  waitFor,
} from './helpers.js';

function adapterError(error: unknown): AdapterError {
  expect(isAdapterError(error)).toBe(true);
  return error as AdapterError;
}

function readPid(file: string): number {
  return Number(readFileSync(file, 'utf8'));
}

/** A tool that starts a grandchild, records both, and then sleeps far past any test's patience. */
function hangingTool(record: string, extraEnv: Record<string, string> = {}) {
  return toolConfig({
    prompt_via: 'file',
    args: ['{{prompt_file}}'],
    env: {
      FAKE_RECORD_DIR: record,
      FAKE_READ_FILE_ARG: '0',
      FAKE_GRANDCHILD_PID_FILE: join(record, 'grandchild.pid'),
      FAKE_SLEEP_MS: '60000',
      ...extraEnv,
    },
  });
}

describe('timeouts and cancellation end the whole process group', () => {
  it('times out, kills the grandchild too, and removes the prompt file', async () => {
    const record = temporaryDirectory();
    const pending = collect(invocationRequest(hangingTool(record), 'hi', { timeoutMs: 1_000 }));
    const pidFile = join(record, 'grandchild.pid');
    expect(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0)).toBe(true);
    expect(isAlive(readPid(pidFile))).toBe(true);
    const outcome = await pending;
    const error = adapterError(outcome.error);
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe('timed out after 1 s');
    expect(error.fallback).toBe(true);
    expect(await waitFor(() => !isAlive(readPid(pidFile)))).toBe(true);
    const file = JSON.parse(readFileSync(join(record, 'file.json'), 'utf8')) as { path: string };
    expect(existsSync(file.path)).toBe(false);
  });

  it('reports cancelled when the signal aborts, and kills the group', async () => {
    const record = temporaryDirectory();
    const controller = new AbortController();
    const pending = collect(invocationRequest(hangingTool(record), 'hi'), controller.signal);
    const pidFile = join(record, 'grandchild.pid');
    expect(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0)).toBe(true);
    expect(isAlive(readPid(pidFile))).toBe(true);
    controller.abort();
    const outcome = await pending;
    expect(adapterError(outcome.error).kind).toBe('cancelled');
    expect(adapterError(outcome.error).fallback).toBe(false);
    expect(await waitFor(() => !isAlive(readPid(pidFile)))).toBe(true);
  });

  it('fails at once, without starting the tool, when the signal is already aborted', async () => {
    const record = temporaryDirectory();
    const controller = new AbortController();
    controller.abort();
    const outcome = await collect(invocationRequest(hangingTool(record), 'hi'), controller.signal);
    expect(adapterError(outcome.error).kind).toBe('cancelled');
    expect(existsSync(join(record, 'argv.json'))).toBe(false);
  });

  it('kills the group and removes the prompt file when the subscriber unsubscribes', async () => {
    const record = temporaryDirectory();
    const events: string[] = [];
    const subscription = createGenericYamlAdapter()
      .invoke(invocationRequest(hangingTool(record), 'hi'), new AbortController().signal)
      .subscribe({
        next: (event) => events.push(event.type),
        error: () => events.push('error'),
        complete: () => events.push('complete'),
      });
    const pidFile = join(record, 'grandchild.pid');
    expect(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0)).toBe(true);
    expect(isAlive(readPid(pidFile))).toBe(true);
    subscription.unsubscribe();
    expect(await waitFor(() => !isAlive(readPid(pidFile)))).toBe(true);
    const file = JSON.parse(readFileSync(join(record, 'file.json'), 'utf8')) as { path: string };
    expect(await waitFor(() => !existsSync(file.path))).toBe(true);
    // Nothing reaches a subscriber that has left.
    expect(events).toEqual([]);
  });
});

describe('failed runs', () => {
  it('keeps the end of stderr and the exit code of a non-zero exit', async () => {
    const stderr = `${'noise line\n'.repeat(1000)}fatal: the real reason\n`;
    const tool = toolConfig({ env: { FAKE_STDERR: stderr, FAKE_EXIT: '3', FAKE_OUTPUT: 'partial' } });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    const error = adapterError(outcome.error);
    expect(error.kind).toBe('tool-error');
    expect(error.toolExitCode).toBe(3);
    expect(error.message).toMatch(/^'fake' exited with code 3: /);
    expect(error.message).toContain('fatal: the real reason');
    expect(error.detail?.endsWith('fatal: the real reason')).toBe(true);
    // About 2 KB of tail: enough to diagnose, not the whole log.
    expect(error.detail?.length).toBeLessThanOrEqual(2049);
    expect(error.detail?.length).toBeGreaterThan(2000);
  });

  it('carries the usage and cost a run reported before exiting with an error, without streaming its answer', async () => {
    const spent = { result: 'half an answer', usage: { in: 1200, out: 300 }, cost: 0.021 };
    const tool = toolConfig({
      output: {
        format: 'jsonl',
        text: 'result',
        input_tokens: 'usage.in',
        output_tokens: 'usage.out',
        cost_usd: 'cost',
      },
      env: { FAKE_OUTPUT: `${JSON.stringify(spent)}`, FAKE_EXIT: '1' },
    });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    const error = adapterError(outcome.error);
    expect(error).toMatchObject({ kind: 'tool-error', toolExitCode: 1, reportedCostUsd: 0.021 });
    expect(error.usage).toEqual({
      inputTokens: 1200,
      outputTokens: 300,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
    // The last line had no newline: reading it for the cost must not stream a failed answer after the fact.
    expect(outcome.outputs).toEqual([]);
  });

  it('reports no spending for a failed run that printed none', async () => {
    const tool = toolConfig({ env: { FAKE_OUTPUT: 'Error: quota exhausted', FAKE_EXIT: '1' } });
    const error = adapterError((await collect(invocationRequest(tool, 'hi'))).error);
    expect(error.usage).toBeUndefined();
    expect(error.reportedCostUsd).toBeUndefined();
  });

  it('falls back to stdout for the message when stderr is empty', async () => {
    const tool = toolConfig({ env: { FAKE_OUTPUT: 'Error: quota exhausted', FAKE_EXIT: '1' } });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    expect(adapterError(outcome.error).detail).toBe('Error: quota exhausted');
  });

  const patterns = {
    auth: ['not logged in', 'invalid api key'],
    'rate-limit': ['\\b429\\b', 'rate.?limit'],
    overloaded: ['overloaded', '\\b529\\b'],
    'plan-limit': ['usage limit reached', 'quota exhausted'],
    'context-too-long': ['context.?length', 'too many tokens'],
  };

  it.each([
    ['Error: Not logged in. Run `tool login`.', '', 'auth', false],
    ['', 'HTTP 429 Too Many Requests', 'rate-limit', true],
    ['API error 529: Overloaded', '', 'overloaded', true],
    ['segmentation fault', '', 'tool-error', false],
    ['rate limited: usage limit reached until 14:00', '', 'plan-limit', false],
    ['', "This model's maximum context length is 8192 tokens", 'context-too-long', false],
  ] as const)('classifies stderr %j / stdout %j as %s', async (stderr, stdout, kind, retrySameTool) => {
    const tool = toolConfig({
      error_patterns: patterns,
      env: { FAKE_STDERR: stderr, FAKE_OUTPUT: stdout, FAKE_EXIT: '1' },
    });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    const error = adapterError(outcome.error);
    expect(error.kind).toBe(kind);
    expect(error.retrySameTool).toBe(retrySameTool);
    expect(error.toolExitCode).toBe(1);
  });

  it('says what to do about a login or a rate limit, naming the key variables tools.yaml gives the tool', async () => {
    const failing = (stderr: string) =>
      toolConfig({
        error_patterns: patterns,
        env_required: ['FAKE_API_KEY'],
        env: { FAKE_STDERR: stderr, FAKE_EXIT: '1' },
      });
    const env = { ...process.env, FAKE_API_KEY: 'k' };
    const run = async (stderr: string) =>
      adapterError((await collect(invocationRequest(failing(stderr), 'hi', { env }))).error);
    const auth = await run('not logged in');
    expect(auth.hint).toBe(
      'log fake in, or set the API key it reads (tools.yaml names FAKE_API_KEY, FAKE_STDERR, FAKE_EXIT); `llm-service tools` shows which key variables are set',
    );
    expect((await run('HTTP 429')).hint).toBe(
      "wait until fake's rate limit resets, or add a fallback_chain entry on another tool",
    );
    expect((await run('segfault')).hint).toBeUndefined();
  });

  it('does not apply error patterns to a successful run', async () => {
    const tool = toolConfig({
      error_patterns: patterns,
      env: { FAKE_OUTPUT: 'rate limits explained', FAKE_EXIT: '0' },
    });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    expect(outcome.result?.text).toBe('rate limits explained');
  });

  it('reports a missing binary as not-installed', async () => {
    const tool = toolConfig({ binary: 'llm-service-no-such-tool' });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    const error = adapterError(outcome.error);
    expect(error.kind).toBe('not-installed');
    expect(error.message).toBe("binary 'llm-service-no-such-tool' not found on PATH");
    expect(error.fallback).toBe(true);
  });

  it('reports a missing relative binary with the path it looked at', async () => {
    const tool = toolConfig({ binary: './bin/missing-tool' });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    expect(adapterError(outcome.error).message).toContain(join(fixturesDir, 'bin/missing-tool'));
  });

  it('reports a script whose interpreter is missing as not-installed', async () => {
    const directory = temporaryDirectory();
    const script = join(directory, 'broken-tool');
    writeFileSync(script, '#!/nonexistent/interpreter\n');
    chmodSync(script, 0o755);
    const outcome = await collect(invocationRequest(toolConfig({ binary: script }), 'hi'));
    expect(adapterError(outcome.error).kind).toBe('not-installed');
  });

  it('reports a missing working directory instead of a misleading ENOENT', async () => {
    const tool = toolConfig({ cwd: 'no-such-directory' });
    const outcome = await collect(invocationRequest(tool, 'hi'));
    expect(adapterError(outcome.error).message).toMatch(
      /working directory .*no-such-directory.* does not exist/,
    );
  });
});

describe('environment', () => {
  it('refuses to run when an env_required variable is unset or empty, naming it without values', async () => {
    const tool = toolConfig({ env_required: ['OPENAI_API_KEY', 'OTHER_KEY'] });
    const env = { PATH: process.env.PATH, OPENAI_API_KEY: '', OTHER_KEY: 'sk-secret-value' };
    const outcome = await collect(invocationRequest(tool, 'hi', { env }));
    const error = adapterError(outcome.error);
    expect(error.kind).toBe('auth');
    expect(error.message).toBe('OPENAI_API_KEY is not set');
    expect(JSON.stringify(error)).not.toContain('sk-secret-value');
  });

  it('gives the child the request environment with the tool env on top, in the configured cwd', async () => {
    const record = temporaryDirectory();
    const tool = toolConfig({
      cwd: '..',
      env_required: ['API_KEY'],
      env: {
        FAKE_RECORD_DIR: record,
        FAKE_RECORD_ENV: 'FROM_REQUEST,FROM_TOOL,OVERRIDDEN,API_KEY',
        FROM_TOOL: 'tool',
        OVERRIDDEN: 'by tool',
        API_KEY: 'from tool env',
      },
    });
    const env = { PATH: process.env.PATH, FROM_REQUEST: 'request', OVERRIDDEN: 'by request' };
    const outcome = await collect(invocationRequest(tool, 'hi', { env }));
    expect(outcome.error).toBeUndefined();
    expect(JSON.parse(readFileSync(join(record, 'env.json'), 'utf8'))).toEqual({
      FROM_REQUEST: 'request',
      FROM_TOOL: 'tool',
      OVERRIDDEN: 'by tool',
      API_KEY: 'from tool env',
    });
    expect(readFileSync(join(record, 'cwd.txt'), 'utf8')).toBe(join(fixturesDir, '..'));
  });

  it('finds a bare binary name on the PATH of the child environment', async () => {
    const tool = toolConfig({ binary: 'fake-llm.mjs', env: { FAKE_OUTPUT: 'found' } });
    const env = { PATH: `${fixturesDir}:${process.env.PATH ?? ''}` };
    const outcome = await collect(invocationRequest(tool, 'hi', { env }));
    expect(outcome.result?.text).toBe('found');
    expect(fakeCli.startsWith(fixturesDir)).toBe(true);
  });
});
