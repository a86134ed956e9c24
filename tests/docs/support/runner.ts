/**
 * Runs a guide's blocks in one session, as a reader at a terminal would: one environment (which `export` changes),
 * the project directory or the clone's root as each block's marker says (`cd` moves within a block), and programs
 * found on the session's PATH and started without a shell. Every failure says where in the guide it happened.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TmuxSession, tmuxUnavailable } from '../../../packages/cli/test/support/tmux.js';
import { parseCommand, UnsupportedSyntax, type ParsedCommand } from './command-line.js';
import type { GuideBlock, GuideCommand } from './guide.js';

/** A documented difference between what the guide writes and what the test runs. */
export interface Substitution {
  writes: string;
  runs: string;
  why: string;
  /** The argv to run instead, or undefined when this substitution does not apply to `argv`. */
  rewrite: (argv: readonly string[]) => string[] | undefined;
}

export interface SessionOptions {
  guide: string;
  clone: string;
  home: string;
  projectDir: string;
  env: Record<string, string>;
  substitutions: readonly Substitution[];
  /** Programs the guide itself installs: each must resolve to a file under HOME, never to one already on the machine. */
  installedByGuide: readonly string[];
  /** What the test writes for a `given FILE` marker. */
  givenFileText: string;
  commandTimeoutMs: number;
  firstLineTimeoutMs: number;
}

export class GuideFailure extends Error {}

/** A V8 stack frame: `    at fn (file:1:2)` or `    at file:1:2`. */
const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;
/**
 * A warning of llm-service's own (`llm-service: warning: …`, e.g. telemetry not recorded): a guide's command that
 * warns has not simply succeeded. Fallback notices (`… unavailable (not installed); trying …`) are not warnings.
 */
const WARNING = /^llm-service: warning: .*$/m;
const TAIL_LINES = 20;

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut?: boolean;
}

export class GuideSession {
  readonly env: Record<string, string>;
  readonly #options: SessionOptions;

  constructor(options: SessionOptions) {
    this.#options = options;
    this.env = { ...options.env };
  }

  /** Runs every command of a block; throws GuideFailure on the first that fails. */
  async runBlock(block: GuideBlock): Promise<void> {
    let cwd = block.marker.inClone ? this.#options.clone : this.#options.projectDir;
    for (const file of block.marker.given) writeFileSync(join(cwd, file), this.#options.givenFileText);
    for (const [index, command] of block.commands.entries()) {
      const where = new Where(this.#options.guide, block, command, index);
      const started = performance.now();
      const parsed = this.#parse(command, where);
      if (parsed.kind === 'cd') {
        const dir = resolve(cwd, parsed.dir);
        if (!isDirectory(dir))
          throw new GuideFailure(`${where}\n  cd: ${this.#show(dir)} is not a directory`);
        cwd = dir;
      } else if (parsed.kind === 'export') {
        for (const [name, value] of parsed.variables) this.env[name] = value;
      } else {
        const stages = parsed.stages.map((stage) => this.#program(stage.argv, cwd, where));
        const ran = `${stages.map((stage) => stage.join(' ')).join(' | ')} (in ${this.#show(cwd)})`;
        if (block.marker.longRunning) {
          const [argv] = stages;
          if (stages.length > 1 || parsed.stdin !== undefined || parsed.stdout !== undefined || !argv)
            throw new GuideFailure(
              `${where}\n  a long-running command is one program, without a pipe or redirection`,
            );
          const { expect, terminal } = block.marker.longRunning;
          if (terminal) await this.#runOnTerminal(argv, cwd, expect, where, ran);
          else await this.#runUntilFirstLine(argv, cwd, expect, where, ran);
        } else {
          const outcome = await this.#runToEnd(stages, parsed, cwd, where);
          const failed = outcome.timedOut
            ? `did not finish within ${this.#options.commandTimeoutMs / 1000} s (a command that runs until it is stopped needs <!-- test: long-running, expect "…" --> before its block)`
            : outcome.code !== 0
              ? `exited with ${outcome.code ?? outcome.signal}`
              : STACK_FRAME.test(outcome.stderr)
                ? 'succeeded, but printed a stack trace on stderr'
                : WARNING.test(outcome.stderr)
                  ? `succeeded, but warned: ${WARNING.exec(outcome.stderr)?.[0]}`
                  : undefined;
          if (failed) throw new GuideFailure(`${where}\n  ${failed}\n  ran: ${ran}\n${tails(outcome)}`);
        }
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        const substituted = parsed.stages.some(
          (stage) => this.#substitute(stage.argv).join(' ') !== stage.argv.join(' '),
        );
        console.log(`${where.short}  ${seconds} s${substituted ? `  (ran: ${ran})` : ''}`);
      }
    }
  }

  #parse(command: GuideCommand, where: Where): ParsedCommand {
    try {
      return parseCommand(command.text, this.env);
    } catch (error) {
      if (error instanceof UnsupportedSyntax)
        throw new GuideFailure(`${where}\n  the test cannot run this without a shell: ${error.message}`);
      throw error;
    }
  }

  /** The argv to start: substitutions applied, the program resolved on the session's PATH. */
  #program(written: readonly string[], cwd: string, where: Where): string[] {
    const [name, ...args] = this.#substitute(written);
    if (name === undefined) throw new GuideFailure(`${where}\n  no program`);
    const path = findProgram(name, cwd, this.env.PATH ?? '');
    if (path === undefined)
      throw new GuideFailure(`${where}\n  ${name}: command not found on the PATH (${this.env.PATH})`);
    if (this.#options.installedByGuide.includes(name) && !isInside(this.#options.home, path))
      throw new GuideFailure(
        `${where}\n  ${name} resolves to ${path}, not to the one the guide installs under HOME (${this.#options.home})`,
      );
    return [path, ...args];
  }

  /** `argv` with every substitution that applies to it. */
  #substitute(written: readonly string[]): string[] {
    let argv = [...written];
    for (const substitution of this.#options.substitutions) argv = substitution.rewrite(argv) ?? argv;
    return argv;
  }

  #runToEnd(stages: string[][], parsed: ParsedCommand & { kind: 'run' }, cwd: string, where: Where) {
    let stdinFd: number | undefined;
    let stdoutFd: number | undefined;
    try {
      if (parsed.stdin !== undefined) stdinFd = openSync(resolve(cwd, parsed.stdin), 'r');
      if (parsed.stdout !== undefined)
        stdoutFd = openSync(resolve(cwd, parsed.stdout.path), parsed.stdout.append ? 'a' : 'w');
    } catch (error) {
      if (stdinFd !== undefined) closeSync(stdinFd);
      throw new GuideFailure(
        `${where}\n  a redirection failed as it would in a shell: ${(error as Error).message}`,
      );
    }
    return runPipeline(stages, {
      cwd,
      env: this.env,
      stdin: stdinFd,
      stdout: stdoutFd,
      timeoutMs: this.#options.commandTimeoutMs,
    }).finally(() => {
      if (stdinFd !== undefined) closeSync(stdinFd);
      if (stdoutFd !== undefined) closeSync(stdoutFd);
    });
  }

  /** Starts the program, waits for its first line of output, checks it, stops it with SIGINT. */
  async #runUntilFirstLine(argv: string[], cwd: string, expect: string, where: Where, ran: string) {
    const [program, ...args] = argv as [string, ...string[]];
    const child = spawn(program, args, { cwd, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { stdout: '', stderr: '' };
    const exited = exitOf(child, output);
    // The first complete, non-blank line on stdout or stderr, whichever has one first.
    const firstLine = new Promise<string>((resolveLine) => {
      for (const stream of [child.stdout, child.stderr]) {
        let text = '';
        stream?.on('data', (chunk: string) => {
          text += chunk;
          const complete = text.slice(0, text.lastIndexOf('\n') + 1);
          const line = complete.split('\n').find((candidate) => candidate.trim() !== '');
          if (line !== undefined) resolveLine(line.trim());
        });
      }
    });
    const first = await Promise.race([
      firstLine,
      exited.then((outcome) => ({ exitedEarly: outcome })),
      sleep(this.#options.firstLineTimeoutMs).then(() => ({ silent: true as const })),
    ]);
    if (typeof first !== 'string') {
      child.kill('SIGKILL');
      const outcome = 'exitedEarly' in first ? first.exitedEarly : await exited;
      const why =
        'exitedEarly' in first
          ? `ended (${outcome.code ?? outcome.signal}) before printing a line`
          : `printed no line within ${this.#options.firstLineTimeoutMs / 1000} s`;
      throw new GuideFailure(`${where}\n  ${why}\n  ran: ${ran}\n${tails(outcome)}`);
    }
    child.kill('SIGINT');
    const stopped = await Promise.race([exited, sleep(15_000).then(() => undefined)]);
    if (stopped === undefined) child.kill('SIGKILL');
    const outcome = stopped ?? (await exited);
    const problems = [
      first.includes(expect)
        ? undefined
        : `its first line is not the expected one:\n    expected: …${expect}…\n    got: ${first}`,
      stopped === undefined ? 'it did not stop within 15 s of SIGINT (Ctrl-C)' : undefined,
      stopped && !stoppedCleanly(stopped)
        ? `after SIGINT it exited with ${stopped.code ?? stopped.signal}`
        : undefined,
      STACK_FRAME.test(outcome.stderr) ? 'it printed a stack trace on stderr' : undefined,
      WARNING.test(outcome.stderr) ? `it warned: ${WARNING.exec(outcome.stderr)?.[0]}` : undefined,
    ].filter((problem) => problem !== undefined);
    if (problems.length > 0)
      throw new GuideFailure(`${where}\n  ${problems.join('\n  ')}\n  ran: ${ran}\n${tails(outcome)}`);
  }

  /** The same on a pseudo-terminal: the first line of the screen, then Ctrl-C typed on it. */
  async #runOnTerminal(argv: string[], cwd: string, expect: string, where: Where, ran: string) {
    const unavailable = tmuxUnavailable();
    if (unavailable) throw new TerminalUnavailable(unavailable);
    const session = new TmuxSession(argv, { cwd, env: { ...this.env, TERM: 'xterm-256color' } });
    try {
      const deadline = Date.now() + this.#options.firstLineTimeoutMs;
      let first: string | undefined;
      for (;;) {
        const lines = session
          .screen()
          .split('\n')
          .filter((line) => line.trim() !== '');
        first = lines[0];
        // The first line is complete once a second one is drawn, or once the command has ended.
        const settled = lines.length > 1 || session.exitStatus() !== undefined;
        if (first?.includes(expect) || settled || Date.now() > deadline) break;
        await sleep(50);
      }
      if (!first?.includes(expect)) {
        const status = session.exitStatus();
        throw new GuideFailure(
          `${where}\n  ${status === undefined ? 'its first line on the terminal is not the expected one' : `it ended (${status}) without printing the expected line`}` +
            `\n    expected: …${expect}…\n    got: ${first ?? `nothing within ${this.#options.firstLineTimeoutMs / 1000} s`}` +
            `\n  ran on a terminal: ${ran}\n  the screen:\n${indent(session.screen())}`,
        );
      }
      session.send('C-c');
      const status = await session.waitForExit(15_000).catch(() => undefined);
      const screen = session.screen();
      const problems = [
        status === undefined ? 'it did not stop within 15 s of Ctrl-C' : undefined,
        status !== undefined && status !== 0 && status !== 130
          ? `after Ctrl-C it exited with ${status}`
          : undefined,
        STACK_FRAME.test(screen) ? 'it printed a stack trace' : undefined,
      ].filter((problem) => problem !== undefined);
      if (problems.length > 0)
        throw new GuideFailure(
          `${where}\n  ${problems.join('\n  ')}\n  ran on a terminal: ${ran}\n  the screen:\n${indent(screen)}`,
        );
    } finally {
      session.kill();
    }
  }

  /** A path as the reader would see it: under HOME as `~/…`. */
  #show(path: string): string {
    return isInside(this.#options.home, path) ? join('~', relative(this.#options.home, path)) : path;
  }
}

/** A terminal block cannot run here (no tmux): the test reports it skipped, with the reason. */
export class TerminalUnavailable extends Error {}

/** Where a command is in the guide, for messages. */
class Where {
  constructor(
    readonly guide: string,
    readonly block: GuideBlock,
    readonly command: GuideCommand,
    readonly index: number,
  ) {}

  get short(): string {
    return `${this.guide}:${this.command.line}  $ ${this.command.text}`;
  }

  toString(): string {
    const { block, command, index } = this;
    return (
      `${this.guide}:${command.line} (block ${block.number} at line ${block.line}, under "${block.section}", ` +
      `command ${index + 1} of ${block.commands.length}) failed:\n  $ ${command.text}`
    );
  }
}

/** Runs `a | b | …` to the end: each stage's stdout into the next one's stdin; stderr of every stage collected. */
function runPipeline(
  stages: string[][],
  options: { cwd: string; env: Record<string, string>; stdin?: number; stdout?: number; timeoutMs: number },
): Promise<Outcome> {
  const children: ChildProcess[] = [];
  const outputs = stages.map(() => ({ stdout: '', stderr: '' }));
  for (const [index, argv] of stages.entries()) {
    const [program, ...args] = argv as [string, ...string[]];
    const last = index === stages.length - 1;
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: [
        index === 0 ? (options.stdin ?? 'ignore') : 'pipe',
        last && options.stdout !== undefined ? options.stdout : 'pipe',
        'pipe',
      ],
    });
    const previous = children[index - 1];
    if (previous?.stdout && child.stdin) {
      child.stdin.on('error', () => undefined);
      previous.stdout.pipe(child.stdin);
    }
    children.push(child);
  }
  const exits = children.map((child, index) =>
    exitOf(child, outputs[index] ?? { stdout: '', stderr: '' }, !!children[index + 1]),
  );
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    for (const child of children) child.kill('SIGKILL');
  }, options.timeoutMs);
  return Promise.all(exits).then((outcomes) => {
    clearTimeout(timer);
    // Like `set -o pipefail`: the first stage that failed, else the last.
    const failed = outcomes.find((outcome) => outcome.code !== 0) ?? outcomes.at(-1);
    return {
      code: failed?.code ?? null,
      signal: failed?.signal ?? null,
      stdout: outputs.at(-1)?.stdout ?? '',
      stderr: outputs.map((output) => output.stderr).join(''),
      timedOut,
    };
  });
}

/** The child's end, with what it printed collected into `output` (stdout left alone when it feeds the next stage). */
function exitOf(
  child: ChildProcess,
  output: { stdout: string; stderr: string },
  piped = false,
): Promise<Outcome> {
  if (!piped) child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  return new Promise((resolveExit) => {
    child.on('error', (error) => {
      output.stderr += `${error.message}\n`;
      resolveExit({ code: null, signal: null, ...output });
    });
    child.on('close', (code, signal) =>
      resolveExit({ code, signal, stdout: output.stdout, stderr: output.stderr }),
    );
  });
}

function stoppedCleanly(outcome: Outcome): boolean {
  return outcome.code === 0 || outcome.code === 130 || outcome.signal === 'SIGINT';
}

function tails(outcome: Outcome): string {
  const tail = (text: string) => text.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
  return [
    `  stderr (last ${TAIL_LINES} lines):\n${indent(tail(outcome.stderr) || '(empty)')}`,
    `  stdout (last ${TAIL_LINES} lines):\n${indent(tail(outcome.stdout) || '(empty)')}`,
  ].join('\n');
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `    | ${line}`)
    .join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

/** The program a shell would run for `name`: a path (relative to `cwd`) when it has a slash, else the first on PATH. */
export function findProgram(name: string, cwd: string, path: string): string | undefined {
  const candidates = name.includes('/')
    ? [resolve(cwd, name)]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, name));
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function isInside(dir: string, path: string): boolean {
  const fromDir = relative(dir, path);
  return fromDir === '' || (!fromDir.startsWith('..') && !isAbsolute(fromDir));
}
