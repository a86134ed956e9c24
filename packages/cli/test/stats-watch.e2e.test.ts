import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  binPath,
  isolatedHome,
  runCli,
  temporaryDir,
  waitFor,
  writeConfig,
  type CliRun,
} from './support/cli.js';
import { TmuxSession, tmuxUnavailable } from './support/tmux.js';

const unavailable = tmuxUnavailable();
if (unavailable) console.warn(`skipped the pseudo-terminal test of stats --watch: ${unavailable}`);

// eslint-disable-next-line no-control-regex
const escapeCodes = /\u001b/;
const showCursor = '\u001b[?25h';

/** A config whose one agent runs the stand-in, with telemetry in a temporary directory. */
function setup() {
  const { env } = isolatedHome();
  const dbPath = join(temporaryDir('watch-db'), 'telemetry.db');
  const dir = writeConfig(temporaryDir('watch-config'), {
    tools: { 'stand-in': { models: ['model-a'] } },
    agents: '  writer: { preferred_tool: stand-in, preferred_model: model-a }\n',
    extraFiles: { 'llm-service.yaml': `version: 1\ntelemetry: { db_path: ${JSON.stringify(dbPath)} }\n` },
  });
  const exec = async (prompt: string) => {
    const run = await runCli(['exec', '--config-dir', dir, '--agent', 'writer', '--prompt', prompt], { env });
    expect(run.code, run.stderr).toBe(0);
  };
  // Every recorded day, so a test that runs across midnight sees the same figures.
  const stats = ['stats', '--config-dir', dir, '--since', '2000-01-01', '--by', 'model'];
  return { env, dir, exec, stats };
}

/** Starts a command and follows its stdout as it is written. */
function start(args: string[], env: Record<string, string>) {
  let child: ChildProcess | undefined;
  let output = '';
  const result: Promise<CliRun> = runCli(args, {
    env,
    onSpawn: (spawned) => {
      child = spawned;
      spawned.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    },
  });
  running.push(() => child?.kill('SIGKILL'));
  return {
    result,
    output: () => output,
    interrupt: () => child?.kill('SIGINT'),
  };
}

const running: (() => void)[] = [];
const sessions: TmuxSession[] = [];
afterEach(() => {
  for (const stop of running.splice(0)) stop();
  for (const session of sessions.splice(0)) session.kill();
});

describe('stats --watch through the built binary', () => {
  it('off a terminal, prints the report again when an exec is recorded, and ends with 0 on SIGINT', async () => {
    const { env, exec, stats } = setup();
    await exec('first');
    const watch = start([...stats, '--watch', '--interval', '0.2'], env);
    await waitFor(() => /^model-a\s+1\s+100\.0%/m.test(watch.output()), 20_000);
    expect(watch.output()).toMatch(
      /^Invocations of project default from 2000-01-01 to now \(UTC\), by model\n/,
    );
    // Nothing changes: the same report is not printed again, however many times it is read.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(watch.output().match(/^Invocations /gm)).toHaveLength(1);

    await exec('second');
    await waitFor(() => /^model-a\s+2\s+100\.0%/m.test(watch.output()), 20_000);
    watch.interrupt();
    const run = await watch.result;
    expect(run.code).toBe(0);
    expect(run.signal).toBeNull();
    expect(run.stderr).toBe('');
    const text = run.stdout.toString();
    expect(text).not.toMatch(escapeCodes);
    // Each report printed whole, after a blank line: the first, maybe one with the second exec still running, the last.
    const reports = text.split(/\n\n(?=Invocations )/);
    expect(reports[0]).toMatch(/^model-a\s+1\s+100\.0%/m);
    expect(reports.at(-1)).toMatch(/^model-a\s+2\s+100\.0%/m);
    expect(reports.length).toBeLessThanOrEqual(3);
  });

  it('with --json, prints one JSON report a line each time it changes', async () => {
    const { env, exec, stats } = setup();
    const watch = start([...stats, '--watch', '--json', '--interval', '0.2'], env);
    // No database yet: a report that says so, then the first exec creates it.
    await waitFor(() => watch.output().includes('\n'), 20_000);
    expect(JSON.parse(watch.output().split('\n')[0]!)).toMatchObject({
      version: 1,
      database: { exists: false },
      groups: [],
    });
    await exec('first');
    const lines = () =>
      watch
        .output()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { total: { invocations: number; successes: number } });
    await waitFor(() => lines().some((report) => report.total.successes === 1), 20_000);
    watch.interrupt();
    const run = await watch.result;
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout.toString()).not.toMatch(escapeCodes);
    expect(lines().at(-1)).toMatchObject({ total: { invocations: 1, successes: 1 } });
  });

  it('refuses --interval without --watch, and an interval that is not a number of seconds', async () => {
    const { env, stats } = setup();
    const alone = await runCli([...stats, '--interval', '5'], { env });
    expect(alone.code).toBe(2);
    expect(alone.stderr.split('\n')[0]).toBe('llm-service: error: --interval needs --watch');
    for (const interval of ['0', 'soon', '-1']) {
      const run = await runCli([...stats, '--watch', `--interval=${interval}`], { env });
      expect(run.code, interval).toBe(2);
      expect(run.stderr.split('\n')[0]).toBe(
        `llm-service: error: --interval '${interval}' is not a number of seconds from 0.1 to 86400`,
      );
      expect(run.stdout.length).toBe(0);
    }
  });

  it('lists --watch and --interval in help and in shell completion', async () => {
    const help = await runCli(['stats', '--help']);
    expect(help.stdout.toString()).toContain('--watch');
    expect(help.stdout.toString()).toContain('--interval <seconds>');
    const bash = (await runCli(['completion', 'bash'])).stdout.toString();
    expect(bash).toMatch(/'stats'\) words='[^']*--watch[^']*--interval/);
  });

  it.skipIf(unavailable !== undefined)(
    'on a terminal, redraws in place with the cursor hidden, and restores it on Ctrl-C',
    async () => {
      const { env, exec, stats } = setup();
      await exec('first');
      const session = new TmuxSession([process.execPath, binPath, ...stats, '--watch', '--interval', '0.2'], {
        cwd: temporaryDir('watch-cwd'),
        env,
        width: 160,
        height: 30,
      });
      sessions.push(session);
      const tmux = (...args: string[]) =>
        spawnSync('tmux', ['-f', '/dev/null', '-L', session.socket, ...args], {
          encoding: 'utf8',
        }).stdout.trim();
      const cursorShown = () => tmux('display-message', '-p', '-t', 'main', '#{cursor_flag}');
      // What the command writes, escape codes included (tmux runs the pipe's command through sh).
      const raw = join(temporaryDir('watch-raw'), 'pane.txt');
      tmux('pipe-pane', '-t', 'main', '-o', `cat > '${raw}'`);
      let screen = await session.waitFor(/^model-a\s+1\s+100\.0%/m);
      expect(screen).toMatch(
        /^Read every 0\.2 s and when telemetry changes; last at \d\d:\d\d:\d\d \(UTC\)\./,
      );
      expect(cursorShown()).toBe('0');

      await exec('second');
      screen = await session.waitFor(/^model-a\s+2\s+100\.0%/m);
      // Drawn over the last report, not below it.
      expect(screen.match(/^Invocations /gm)).toHaveLength(1);
      expect(screen).not.toMatch(/^model-a\s+1\s/m);

      session.send('C-c');
      expect(await session.waitForExit()).toBe(0);
      // The cursor is shown again: the last thing written (tmux's state of a dead pane says nothing reliable).
      await waitFor(() => existsSync(raw) && readFileSync(raw, 'latin1').endsWith(showCursor), 5_000);
      screen = session.screen();
      expect(screen).not.toMatch(/error/i);
      expect(screen).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    },
  );
});
