import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { binPath, isolatedHome, runCli, temporaryDir, writeConfig } from './support/cli.js';
import { TmuxSession, tmuxUnavailable } from './support/tmux.js';

const unavailable = tmuxUnavailable();
if (unavailable) console.warn(`skipped the pseudo-terminal tests: ${unavailable}`);

const sessions: TmuxSession[] = [];
afterEach(() => {
  for (const session of sessions.splice(0)) session.kill();
});

function open(args: string[], options: { cwd: string; env: Record<string, string> }): TmuxSession {
  const session = new TmuxSession([process.execPath, binPath, ...args], options);
  sessions.push(session);
  return session;
}

// eslint-disable-next-line no-control-regex
const escapeCodes = /\u001b/;

function fakeBin(names: string[]): string {
  const dir = join(temporaryDir('bin'), 'bin');
  mkdirSync(dir);
  for (const name of names) {
    writeFileSync(join(dir, name), `#!/bin/sh\necho "${name} 1.0.0"\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

describe.skipIf(unavailable !== undefined)('on a real terminal (tmux)', () => {
  it('init asks a few questions, proposes the detected tools, and writes a config that validates', async () => {
    const { env } = isolatedHome();
    const cwd = temporaryDir('wizard');
    const session = open(['init'], {
      cwd,
      env: { ...env, PATH: `${fakeBin(['codex'])}:/usr/bin:/bin`, ANTHROPIC_API_KEY: 'test-key' },
    });
    // Claude is proposed for its key, codex for its binary; gemini and ollama are not.
    let screen = await session.waitFor(/Which tools should agents run on\?/);
    expect(screen).toContain('API keys set: ANTHROPIC_API_KEY');
    expect(screen).not.toContain('test-key');
    expect(screen).toMatch(/◼ Claude Code/);
    expect(screen).toMatch(/◼ Codex CLI \(OpenAI\) \(installed codex 1\.0\.0\)/);
    expect(screen).toMatch(/◻ Gemini CLI/);
    session.send('Enter');
    await session.waitFor(/Which agents\?/);
    session.send('Down');
    session.send('Space'); // add planner to architect, backend-dev and writer
    session.send('Enter');
    await session.waitFor(/Daily budget in USD/);
    session.send('abc', true);
    session.send('Enter');
    await session.waitFor(/enter a number above 0/);
    session.send('BSpace');
    session.send('BSpace');
    session.send('BSpace');
    session.send('7', true);
    session.send('Enter');
    await session.waitFor(/cheaper model automatically\?/);
    session.send('Enter');
    await session.waitFor(/Where should the config go\?/);
    session.send('Enter');
    screen = await session.waitFor(/next: llm-service config validate/);
    expect(await session.waitForExit()).toBe(0);
    expect(screen.replace(/\s+/g, ' '), screen).toContain(
      '4 agents (architect, planner, backend-dev, writer), 2 tools (claude, codex)',
    );

    const dir = join(cwd, '.llm-service');
    expect(readFileSync(join(dir, 'policies.yaml'), 'utf8')).toContain(
      '{ scope: global, period: daily, limit_usd: 7, alert_at_percent: 80, mode: hard }',
    );
    expect(readFileSync(join(dir, 'agents.yaml'), 'utf8')).toMatch(
      /backend-dev:\n.*\n {4}preferred_tool: codex/,
    );
    const validate = await runCli(['config', 'validate'], { cwd, env });
    expect(validate.stderr).toBe('');
    expect(validate.code).toBe(0);
  });

  it('init: Ctrl-C ends the wizard without writing anything (exit 130)', async () => {
    const { env } = isolatedHome();
    const cwd = temporaryDir('wizard');
    const session = open(['init'], { cwd, env: { ...env, PATH: '/usr/bin:/bin' } });
    await session.waitFor(/Which tools should agents run on\?/);
    session.send('C-c');
    await session.waitFor(/Nothing was written/);
    expect(await session.waitForExit()).toBe(130);
  });

  it('exec shows a spinner while it runs and a one-line summary at the end; the answer is unchanged', async () => {
    const { env } = isolatedHome();
    const dir = writeConfig(temporaryDir('exec'), {
      tools: { 'stand-in': { env: { STAND_IN_DELAY_MS: '1500' } } },
      agents: '  writer:\n    preferred_tool: stand-in\n    preferred_model: model-a\n',
    });
    const session = open(['exec', '--config-dir', dir, '-a', 'writer', '-p', 'hello there'], {
      cwd: dir,
      env,
    });
    const running = await session.waitFor(/writer → stand-in:model-a · \d+\.\ds/);
    expect(running).toBeTruthy();
    const screen = await session.waitFor(
      /✓ stand-in:model-a · \d+ in \/ \d+ out tokens · \$[\d.]+ \(estimated\) · \d+\.\ds/,
    );
    expect(await session.waitForExit()).toBe(0);
    expect(screen).not.toMatch(/writer → stand-in/); // the spinner line is cleared
  });

  it('exec --quiet draws nothing on stderr; --verbose adds the routing plan', async () => {
    const { env } = isolatedHome();
    const dir = writeConfig(temporaryDir('exec'), {
      tools: { 'stand-in': { env: { STAND_IN_DELAY_MS: '0' } } },
      agents: '  writer:\n    preferred_tool: stand-in\n    fallback_chain: ["stand-in:model-b"]\n',
    });
    const quiet = open(
      ['exec', '--config-dir', dir, '-a', 'writer', '-p', 'hi', '--quiet', '--output', join(dir, 'out.txt')],
      { cwd: dir, env },
    );
    expect(await quiet.waitForExit()).toBe(0);
    expect(quiet.screen().trim()).toMatch(/^(Pane is dead.*)?$/);
    const verbose = open(['exec', '--config-dir', dir, '-a', 'writer', '-p', 'hi', '--verbose'], {
      cwd: dir,
      env,
    });
    const screen = await verbose.waitFor(/✓ stand-in:model-a/);
    expect(screen).toContain('llm-service: plan:');
    expect(screen).toContain('1. stand-in:model-a (preferred)');
    expect(screen).toContain('2. stand-in:model-b (fallback)');
  });

  it('the budget question: a soft budget past its alert asks on the terminal, and "n" blocks (exit 3)', async () => {
    const { env } = isolatedHome();
    const dir = writeConfig(temporaryDir('budget'), {
      tools: { 'stand-in': { env: { STAND_IN_DELAY_MS: '0' } } },
      agents: '  writer:\n    preferred_tool: stand-in\n    preferred_model: model-a\n',
      extraFiles: {
        'policies.yaml':
          'version: 1\nbudgets:\n  - { scope: global, period: daily, limit_usd: 0.000001, alert_at_percent: 1, mode: soft }\n',
      },
    });
    const declined = open(['exec', '--config-dir', dir, '-a', 'writer', '-p', 'hello'], { cwd: dir, env });
    await declined.waitFor(/Proceed\? \[y\/N\]/);
    declined.send('n', true);
    declined.send('Enter');
    expect(await declined.waitForExit()).toBe(3);

    const accepted = open(['exec', '--config-dir', dir, '-a', 'writer', '-p', 'hello'], { cwd: dir, env });
    await accepted.waitFor(/Proceed\? \[y\/N\]/);
    accepted.send('y', true);
    accepted.send('Enter');
    await accepted.waitFor(/✓ stand-in:model-a/);
    expect(await accepted.waitForExit()).toBe(0);
  });

  it('tables fit the terminal width', async () => {
    const { env } = isolatedHome();
    const session = open(['tools'], { cwd: temporaryDir('tools'), env: { ...env, PATH: '/usr/bin:/bin' } });
    sessions.push(session);
    expect(await session.waitForExit()).toBe(0);
    const lines = session.screen().split('\n'); // joined: a line wider than the pane would show here
    expect(lines.some((line) => line.includes('┌'))).toBe(true);
    // Lines are joined when captured, so a table row wider than the pane would show up longer here.
    const tableLines = lines.filter((line) => /[┌│└├]/.test(line));
    expect(tableLines.length).toBeGreaterThan(5);
    for (const line of tableLines) expect([...line].length).toBeLessThanOrEqual(100);
  });
});

describe('off a terminal', () => {
  it('exec, init, tools and errors print no escape codes, spinner or summary', async () => {
    const { env } = isolatedHome();
    const dir = writeConfig(temporaryDir('plain'), {
      tools: { 'stand-in': { env: { STAND_IN_DELAY_MS: '0' } } },
      agents: '  writer:\n    preferred_tool: stand-in\n',
    });
    const plainEnv = { ...env, NO_COLOR: undefined };
    const exec = await runCli(['exec', '--config-dir', dir, '-a', 'writer', '-p', 'hi', '--verbose'], {
      env: plainEnv,
    });
    expect(exec.code).toBe(0);
    expect(exec.stderr).toContain('llm-service: plan:');
    expect(exec.stderr).not.toContain('✓');
    const init = await runCli(['init', '--template', 'quick-start', '--dir', join(dir, 'new')], {
      env: plainEnv,
    });
    const tools = await runCli(['tools', '--config-dir', dir], { env: plainEnv });
    const error = await runCli(['exec', '--config-dir', dir, '-a', 'writr', '-p', 'hi'], { env: plainEnv });
    expect(error.stderr).toContain("did you mean 'writer'?");
    for (const run of [exec, init, tools, error]) {
      expect(run.stdout.toString()).not.toMatch(escapeCodes);
      expect(run.stderr).not.toMatch(escapeCodes);
    }
  });

  it('mistyped commands, agents and task types get a did-you-mean suggestion (exit 2)', async () => {
    const dir = writeConfig(temporaryDir('typo'), {
      tools: { 'stand-in': {} },
      agents: '  writer:\n    preferred_tool: stand-in\n    task_types:\n      docs: { model: model-b }\n',
    });
    const command = await runCli(['exce']);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('(Did you mean exec?)');
    const subcommand = await runCli(['config', 'valdate']);
    expect(subcommand.stderr).toContain('(Did you mean validate?)');
    const agent = await runCli(['route', '--config-dir', dir, '-a', 'writter']);
    expect(agent.code).toBe(2);
    expect(agent.stderr).toContain("did you mean 'writer'?");
    // A task type the agent does not define is not an error: the preferred route, with a note and a did-you-mean.
    const taskType = await runCli(['route', '--config-dir', dir, '-a', 'writer', '--task-type', 'doc']);
    expect(taskType.code).toBe(0);
    expect(taskType.stdout.toString()).toContain("has no task type 'doc' (did you mean 'docs'?)");
  });

  it('FORCE_COLOR colours output even off a terminal; NO_COLOR wins', async () => {
    const { env } = isolatedHome();
    const dir = join(temporaryDir('colour'), 'config');
    const forced = await runCli(['init', '--template', 'claude-only', '--dir', dir], {
      env: { ...env, NO_COLOR: undefined, FORCE_COLOR: '1' },
    });
    expect(forced.stdout.toString()).toMatch(escapeCodes);
    const error = await runCli(['exec', '--config-dir', dir, '-a', 'x', '-p', 'y'], {
      env: { ...env, FORCE_COLOR: '1', NO_COLOR: '1' },
    });
    expect(error.stderr).not.toMatch(escapeCodes);
  });
});
