import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isolatedHome,
  processExists,
  runCli,
  standInPath,
  temporaryDir,
  waitFor,
  writeConfig,
  quickStartDir,
} from './support/cli.js';

const agents = `  architect:
    preferred_tool: primary
    preferred_model: model-a
    fallback_chain: ["secondary:model-b"]
    task_types:
      review: { model: model-b }
      docs: { tool: secondary, model: model-c }
`;

function config(tools: Parameters<typeof writeConfig>[1]['tools'], agentYaml = agents): string {
  return writeConfig(temporaryDir('config'), { tools, agents: agentYaml });
}

function twoTools(primary: Parameters<typeof writeConfig>[1]['tools'][string] = {}) {
  return config({
    primary: { models: ['model-a', 'model-b'], ...primary },
    secondary: {
      models: ['model-b', 'model-c'],
      output:
        '{ format: jsonl, text: item.text, input_tokens: usage.input_tokens, output_tokens: usage.output_tokens }',
      args: ['exec', '--json', '--model', '{{model}}', '-'],
    },
  });
}

describe('llm-service exec, end to end through the built binary', () => {
  it('runs the quick-start example and streams the answer to stdout only', async () => {
    const run = await runCli([
      'exec',
      '--config-dir',
      quickStartDir,
      '--agent',
      'architect',
      '--prompt',
      'Design a cache',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toContain('Stand-in answer from stand-in-large');
    expect(run.stdout.toString()).toContain('> Design a cache');
  });

  it('routes each agent of one config to its own preferred tool and model', async () => {
    const routes = await Promise.all(
      ['architect', 'backend-dev', 'writer'].map(async (agent) => {
        const run = await runCli(
          ['exec', '--config-dir', quickStartDir, '--agent', agent, '-p', 'hi', '--json'],
          {
            env: isolatedHome().env,
          },
        );
        expect(run.code, run.stderr).toBe(0);
        const result = JSON.parse(run.stdout.toString()) as { tool: string; model: string; reason: string };
        return `${agent} -> ${result.tool}:${result.model} (${result.reason})`;
      }),
    );
    expect(routes).toEqual([
      'architect -> stand-in:stand-in-large (preferred)',
      'backend-dev -> stand-in-json:stand-in-small (preferred)',
      'writer -> stand-in:stand-in-small (preferred)',
    ]);
  });

  it('routes by agent preference and by task type, and reports it in --json', async () => {
    const dir = twoTools();
    const preferred = await runCli([
      'exec',
      '--config-dir',
      dir,
      '--agent',
      'architect',
      '--prompt',
      'hi',
      '--json',
    ]);
    expect(preferred.code).toBe(0);
    const result = JSON.parse(preferred.stdout.toString());
    expect(result).toMatchObject({
      agent: 'architect',
      tool: 'primary',
      model: 'model-a',
      reason: 'preferred',
      // The stand-in prints plain text: its prompt and answer are counted.
      costSource: 'estimated',
    });
    expect(Object.keys(result)).toEqual([
      'text',
      'agent',
      'tool',
      'model',
      'reason',
      'usage',
      'costUsd',
      'costSource',
      'latencyMs',
      'invocationId',
      'chainId',
      'attempts',
    ]);

    const review = JSON.parse(
      (
        await runCli([
          'exec',
          '--config-dir',
          dir,
          '--agent',
          'architect',
          '--task-type',
          'review',
          '--prompt',
          'hi',
          '--json',
        ])
      ).stdout.toString(),
    );
    expect(review).toMatchObject({ tool: 'primary', model: 'model-b', reason: 'task_type' });

    const docs = JSON.parse(
      (
        await runCli([
          'exec',
          '--config-dir',
          dir,
          '--agent',
          'architect',
          '--task-type',
          'docs',
          '--prompt',
          'hi',
          '--json',
        ])
      ).stdout.toString(),
    );
    expect(docs).toMatchObject({ tool: 'secondary', model: 'model-c', reason: 'task_type' });
    // The jsonl tool reports usage; cost is computed from models.yaml: model-c costs $0.5 / $2 per million tokens.
    expect(docs.usage.inputTokens).toBeGreaterThan(0);
    expect(docs.costUsd).toBeCloseTo((docs.usage.inputTokens * 0.5 + docs.usage.outputTokens * 2) / 1e6, 12);
  });

  it('honours --tool, --model, --no-fallback and --chain-id', async () => {
    const dir = twoTools();
    const byTool = JSON.parse(
      (
        await runCli([
          'exec',
          '--config-dir',
          dir,
          '-a',
          'architect',
          '-p',
          'x',
          '--tool',
          'secondary',
          '--json',
        ])
      ).stdout.toString(),
    );
    expect(byTool).toMatchObject({ tool: 'secondary', model: 'model-b', reason: 'override' });
    const byModel = JSON.parse(
      (
        await runCli([
          'exec',
          '--config-dir',
          dir,
          '-a',
          'architect',
          '-p',
          'x',
          '--model',
          'model-b',
          '--json',
          '--chain-id',
          'pipeline-7',
        ])
      ).stdout.toString(),
    );
    expect(byModel).toMatchObject({
      tool: 'primary',
      model: 'model-b',
      reason: 'override',
      chainId: 'pipeline-7',
    });

    const missing = twoTools({ binary: './no-such-tool' });
    const noFallback = await runCli([
      'exec',
      '--config-dir',
      missing,
      '-a',
      'architect',
      '-p',
      'x',
      '--no-fallback',
    ]);
    expect(noFallback.code).toBe(1);
    expect(noFallback.stderr).toContain('no available tool');
  });

  it('takes the chain id from LLM_SERVICE_CHAIN_ID', async () => {
    const { env } = isolatedHome();
    const run = await runCli(['exec', '--config-dir', twoTools(), '-a', 'architect', '-p', 'x', '--json'], {
      env: { ...env, LLM_SERVICE_CHAIN_ID: 'from-env' },
    });
    expect(JSON.parse(run.stdout.toString()).chainId).toBe('from-env');
  });

  it('falls back when the preferred binary is missing, and says so on stderr', async () => {
    const dir = twoTools({ binary: './not-installed-tool' });
    const run = await runCli([
      'exec',
      '--config-dir',
      dir,
      '--agent',
      'architect',
      '--prompt',
      'hi',
      '--json',
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('primary:model-a unavailable (not installed); trying secondary:model-b');
    const result = JSON.parse(run.stdout.toString());
    expect(result).toMatchObject({ tool: 'secondary', model: 'model-b', reason: 'fallback' });
    expect(result.attempts.map((attempt: { status: string }) => attempt.status)).toEqual([
      'failed',
      'success',
    ]);
  });

  it('falls back when the preferred tool exits with an error', async () => {
    const dir = twoTools({ env: { STAND_IN_FAIL: 'crash' } });
    const run = await runCli(['exec', '--config-dir', dir, '--agent', 'architect', '--prompt', 'hi']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('primary:model-a failed; trying secondary:model-b');
    expect(run.stdout.toString()).toContain('Stand-in answer from model-b');
  });

  it('exits 1 with "no available tool" when the whole chain fails', async () => {
    const dir = config({
      primary: { binary: './missing-one', models: ['model-a', 'model-b'] },
      secondary: { env: { STAND_IN_FAIL: 'crash' }, models: ['model-b', 'model-c'] },
    });
    const run = await runCli(['exec', '--config-dir', dir, '--agent', 'architect', '--prompt', 'hi']);
    expect(run.code).toBe(1);
    expect(run.stdout.length).toBe(0);
    expect(run.stderr).toMatch(
      /no available tool for agent 'architect': tried primary:model-a \(not-installed: binary '\.\/missing-one' not found.*\), secondary:model-b \(tool-error: 'secondary' exited with code 101: thread main panicked/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('writes --output atomically and keeps stdout empty; adds --context files before the prompt', async () => {
    const dir = twoTools();
    const work = temporaryDir('work');
    const record = temporaryDir('record');
    writeFileSync(join(work, 'notes.md'), 'context line\n');
    const { env } = isolatedHome();
    const output = join(work, 'answer.md');
    const run = await runCli(
      [
        'exec',
        '--config-dir',
        dir,
        '-a',
        'architect',
        '-p',
        'the prompt',
        '--context',
        'notes.md',
        '--output',
        output,
      ],
      {
        cwd: work,
        env: { ...env, STAND_IN_RECORD_DIR: record },
      },
    );
    expect(run.code).toBe(0);
    expect(run.stdout.length).toBe(0);
    expect(readFileSync(output, 'utf8')).toContain('Stand-in answer from model-a');
    expect(readdirSync(work).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(readFileSync(join(record, 'prompt.bin'), 'utf8')).toBe(
      '<context file="notes.md">\ncontext line\n</context>\n\nthe prompt',
    );
  });

  it('reads the prompt from stdin and from --prompt-file', async () => {
    const dir = twoTools();
    const fromStdin = await runCli(['exec', '--config-dir', dir, '-a', 'architect'], {
      input: 'piped prompt\n',
    });
    expect(fromStdin.stdout.toString()).toContain('> piped prompt');
    const file = join(temporaryDir('prompt'), 'p.md');
    writeFileSync(file, 'from a file\n');
    const fromFile = await runCli(['exec', '--config-dir', dir, '-a', 'architect', '--prompt-file', file]);
    expect(fromFile.stdout.toString()).toContain('> from a file');
  });

  it('gives one-line errors with exit code 2 for usage and configuration mistakes', async () => {
    const dir = twoTools();
    const unknownAgent = await runCli(['exec', '--config-dir', dir, '--agent', 'architekt', '-p', 'x']);
    expect(unknownAgent.code).toBe(2);
    expect(unknownAgent.stderr).toContain("unknown agent 'architekt'");
    expect(unknownAgent.stderr).toContain("did you mean 'architect'?");

    const unknownTaskType = await runCli([
      'exec',
      '--config-dir',
      dir,
      '--agent',
      'architect',
      '-t',
      'reviw',
      '-p',
      'x',
    ]);
    // The documented fallback to the agent's preferred route, said on stderr.
    expect(unknownTaskType.code, unknownTaskType.stderr).toBe(0);
    expect(unknownTaskType.stderr).toContain(
      "llm-service: agent 'architect' has no task type 'reviw' (did you mean 'review'?); using its preferred tool and model",
    );

    const missingFile = await runCli([
      'exec',
      '--config-dir',
      dir,
      '--agent',
      'architect',
      '--prompt-file',
      '/nonexistent/prompt.md',
    ]);
    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr).toContain(
      "--prompt-file: cannot read prompt file '/nonexistent/prompt.md' (no such file)",
    );

    const noConfig = await runCli([
      'exec',
      '--config-dir',
      temporaryDir('empty'),
      '--agent',
      'architect',
      '-p',
      'x',
    ]);
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toMatch(
      /^llm-service: error: no config in \S+ \(given by --config-dir\)\n {2}hint: run `llm-service init --dir \S+` to create one there\n$/,
    );

    const noDirectory = await runCli(['exec', '--config-dir', '/nonexistent/dir', '--agent', 'a', '-p', 'x']);
    expect(noDirectory.code).toBe(2);
    expect(noDirectory.stderr).toBe(
      'llm-service: error: no config directory /nonexistent/dir (given by --config-dir)\n' +
        '  hint: run `llm-service init --dir /nonexistent/dir` to create one there\n',
    );

    const { env: emptyHome } = isolatedHome();
    const nothingFound = await runCli(['exec', '--agent', 'a', '-p', 'x'], {
      cwd: temporaryDir('cwd'),
      env: emptyHome,
    });
    expect(nothingFound.code).toBe(2);
    expect(nothingFound.stderr).toContain(
      'llm-service: error: no config found: no .llm-service/ directory here or in a parent directory, and none in ',
    );
    expect(nothingFound.stderr).toContain('hint: run `llm-service init` to create one in ./.llm-service');
    expect(noConfig.stderr).toContain('llm-service init');

    const badFlag = await runCli(['exec', '--agent', 'a', '--timeout', 'soon']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain('--timeout takes a positive number');

    const unknownCommand = await runCli(['exce']);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain('exec');

    const forceWithoutReason = await runCli([
      'exec',
      '--config-dir',
      dir,
      '--agent',
      'architect',
      '-p',
      'x',
      '--force',
    ]);
    expect(forceWithoutReason.code).toBe(2);
    expect(forceWithoutReason.stderr).toContain('--force needs --reason');

    for (const run of [unknownAgent, missingFile, noConfig, forceWithoutReason]) {
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stdout.length).toBe(0);
    }
  });

  it('ends quietly when stdout is closed early', async () => {
    const dir = twoTools({ env: { STAND_IN_CHUNK_DELAY_MS: '50' } });
    const { env } = isolatedHome();
    const run = await runCli(['exec', '--config-dir', dir, '-a', 'architect', '-p', 'x'], {
      env,
      onSpawn: (child) => child.stdout?.once('data', () => child.stdout?.destroy()),
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('shows the plan with route and --dry-run without running anything', async () => {
    const dir = twoTools({ binary: './absent' });
    const route = await runCli(['route', '--config-dir', dir, '--agent', 'architect']);
    expect(route.code).toBe(0);
    expect(route.stdout.toString()).toContain('1. primary:model-a  (preferred)  not available');
    expect(route.stdout.toString()).toContain('2. secondary:model-b  (fallback)  installed');
    const json = JSON.parse(
      (await runCli(['route', '--config-dir', dir, '--agent', 'architect', '--json'])).stdout.toString(),
    );
    expect(json.candidates.map((candidate: { tool: string }) => candidate.tool)).toEqual([
      'primary',
      'secondary',
    ]);
    const dry = await runCli(['exec', '--config-dir', dir, '--agent', 'architect', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout.toString()).toContain('primary:model-a');
  });
});

describe('what a tool prints reaches the terminal safely', () => {
  it("shows a failing tool's message redacted and with its control sequences as text", async () => {
    const script = join(temporaryDir('hostile'), 'hostile-tool.mjs');
    writeFileSync(
      script,
      [
        '#!/usr/bin/env node',
        // A title change, a screen clear and a cursor move, then a key: none may reach the terminal as such.
        String.raw`process.stderr.write('failed\x1b]0;pwned\x07\x1b[2J\x1b[1;1H with api_key=sk-live-abcdef1234567890\n');`,
        'process.exit(1);',
      ].join('\n'),
      { mode: 0o755 },
    );
    const dir = config(
      { primary: { binary: script, models: ['model-a'] } },
      '  architect:\n    preferred_tool: primary\n    preferred_model: model-a\n',
    );
    const run = await runCli(['exec', '--config-dir', dir, '-a', 'architect', '--no-fallback', '-p', 'hi'], {
      env: isolatedHome().env,
    });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('failed\\x1b]0;pwned\\x07\\x1b[2J');
    // Nothing the terminal would obey: no BEL and no ESC (NO_COLOR is set, so not even our own colours).
    expect(run.stderr.includes('\u0007') || run.stderr.includes('\u001b')).toBe(false);
    expect(run.stderr).not.toContain('sk-live-abcdef1234567890');
  });
});

describe('processes: timeouts and Ctrl-C leave nothing behind', () => {
  it('a tool never outlives an exec killed with SIGKILL (on Linux, the kernel ends it)', async () => {
    const pidFile = join(temporaryDir('pid'), 'tool.pid');
    const dir = twoTools({ env: { STAND_IN_DELAY_MS: '60000', STAND_IN_PID_FILE: pidFile } });
    let killed: ChildProcess | undefined;
    const run = runCli(['exec', '--config-dir', dir, '-a', 'architect', '-p', 'x', '--no-fallback'], {
      onSpawn: (child) => (killed = child),
    });
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0, 10_000);
    const tool = Number(readFileSync(pidFile, 'utf8'));
    expect(processExists(tool)).toBe(true);
    killed!.kill('SIGKILL');
    expect((await run).signal).toBe('SIGKILL');
    await waitFor(() => !processExists(tool), 5_000);
  });

  it('the prompt file of an exec killed with SIGKILL is removed by the next run that needs a private directory', async () => {
    const tmp = temporaryDir('tmpdir');
    const record = temporaryDir('record');
    const dir = config(
      {
        slow: {
          promptVia: 'file',
          models: ['model-a'],
          env: { STAND_IN_DELAY_MS: '3000', STAND_IN_RECORD_DIR: record },
        },
        quick: { promptVia: 'file', models: ['model-b'] },
      },
      '  slow:\n    preferred_tool: slow\n    preferred_model: model-a\n  quick:\n    preferred_tool: quick\n    preferred_model: model-b\n',
    );
    const env = { ...isolatedHome().env, TMPDIR: tmp };
    let killed: ChildProcess | undefined;
    const first = runCli(['exec', '--config-dir', dir, '-a', 'slow', '-p', 'a secret prompt'], {
      env,
      onSpawn: (child) => (killed = child),
    });
    await waitFor(() => existsSync(join(record, 'argv.json')), 10_000);
    const argv = JSON.parse(readFileSync(join(record, 'argv.json'), 'utf8')) as string[];
    const promptFile = argv[argv.indexOf('--prompt-file') + 1]!;
    expect(existsSync(promptFile)).toBe(true);
    killed!.kill('SIGKILL');
    expect((await first).signal).toBe('SIGKILL');
    // Killed before it could clean up: the prompt is still on disk, until the next run that uses the directory.
    expect(existsSync(promptFile)).toBe(true);
    const second = await runCli(['exec', '--config-dir', dir, '-a', 'quick', '-p', 'hi'], { env });
    expect(second.code, second.stderr).toBe(0);
    expect(existsSync(promptFile)).toBe(false);
    expect(readdirSync(tmp).filter((name) => name.startsWith('llm-service-'))).toEqual([]);
  });

  it('a timeout ends the tool and the child it started; with --no-fallback the request fails', async () => {
    const dir = twoTools({ env: { STAND_IN_DELAY_MS: '60000' } });
    const pidFile = join(temporaryDir('pid'), 'child.pid');
    const { env } = isolatedHome();
    const run = await runCli(
      ['exec', '--config-dir', dir, '-a', 'architect', '-p', 'x', '--timeout', '1', '--no-fallback'],
      {
        env: { ...env, STAND_IN_CHILD_PID_FILE: pidFile },
      },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/primary:model-a \(timeout: timed out after 1 ?s/);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => !processExists(grandchild), 5_000);
  });

  it('a timeout on the preferred tool falls back to the next candidate, which answers', async () => {
    const pidFile = join(temporaryDir('pid'), 'child.pid');
    // The preferred tool's own timeout_s and child, so the fallback keeps its full time and starts no child.
    const dir = twoTools({
      env: { STAND_IN_DELAY_MS: '60000', STAND_IN_CHILD_PID_FILE: pidFile },
      timeoutS: 1,
    });
    const run = await runCli(['exec', '--config-dir', dir, '-a', 'architect', '-p', 'x'], {
      env: isolatedHome().env,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.toString()).toContain('Stand-in answer from model-b');
    expect(run.stderr).toMatch(/primary:model-a timed out; trying secondary:model-b/);
    await waitFor(() => !processExists(Number(readFileSync(pidFile, 'utf8'))), 5_000);
  });

  it('Ctrl-C ends the tool and its children and exits 130', async () => {
    const dir = twoTools({ env: { STAND_IN_DELAY_MS: '60000' } });
    const pidFile = join(temporaryDir('pid'), 'child.pid');
    const { env } = isolatedHome();
    const run = await runCli(['exec', '--config-dir', dir, '-a', 'architect', '-p', 'x'], {
      env: { ...env, STAND_IN_CHILD_PID_FILE: pidFile },
      onSpawn: (child) => {
        void waitFor(() => existsSync(pidFile)).then(() => child.kill('SIGINT'));
      },
    });
    expect(run.code).toBe(130);
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await waitFor(() => !processExists(grandchild), 5_000);
  });

  it('SIGTERM exits 143', async () => {
    const dir = twoTools({ env: { STAND_IN_DELAY_MS: '60000' } });
    const pidFile = join(temporaryDir('pid'), 'child.pid');
    const { env } = isolatedHome();
    const run = await runCli(['exec', '--config-dir', dir, '-a', 'architect', '-p', 'x'], {
      env: { ...env, STAND_IN_CHILD_PID_FILE: pidFile },
      onSpawn: (child) => {
        void waitFor(() => existsSync(pidFile)).then(() => child.kill('SIGTERM'));
      },
    });
    expect(run.code).toBe(143);
    await waitFor(() => !processExists(Number(readFileSync(pidFile, 'utf8'))), 5_000);
  });
});

export { standInPath };
