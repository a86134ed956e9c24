/**
 * The pieces getting-started.test.ts is made of, on small made-up guides: what a marker means (and that a wrong one
 * is an error, never a silently skipped check), how commands are cut from a block, what runs without a shell and what
 * is refused, and what a failure says.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommand } from './support/command-line.js';
import { readGuide, type GuideBlock } from './support/guide.js';
import { tmuxUnavailable } from '../../packages/cli/test/support/tmux.js';
import { GuideSession } from './support/runner.js';

const guide = (...lines: string[]) => readGuide(lines.join('\n'), 'guide.md');

describe('readGuide', () => {
  it('finds the ```sh blocks in order, with the line of each command and the heading above it', () => {
    const blocks = guide(
      '# Guide',
      '## One',
      '```sh',
      'first --flag   # a comment',
      '# a comment line',
      '',
      'second \\',
      '  --continued',
      '```',
      '```yaml',
      'not: a command',
      '```',
      '- a list',
      '',
      '  ```sh',
      '  in-a-list',
      '  ```',
    );
    expect(blocks).toEqual([
      {
        number: 1,
        line: 3,
        section: 'One',
        marker: { inClone: false, given: [] },
        commands: [
          { line: 4, text: 'first --flag   # a comment' },
          { line: 7, text: 'second --continued' },
        ],
      },
      expect.objectContaining({ number: 2, line: 15, commands: [{ line: 16, text: 'in-a-list' }] }),
    ]);
  });

  it('reads the markers before a block', () => {
    const markers = guide(
      '<!-- test: skip — installs into the real prefix, which a test must not touch -->',
      '```sh',
      'a',
      '```',
      '<!-- test: in clone -->',
      '```sh',
      'b',
      '```',
      '<!-- test: given task.md -->',
      '```sh',
      'b2',
      '```',
      '<!-- test: long-running, terminal, expect "llm-service init, a wizard" -->',
      '```sh',
      'c',
      '```',
    ).map((block: GuideBlock) => block.marker);
    expect(markers).toEqual([
      {
        line: 1,
        inClone: false,
        given: [],
        skip: 'installs into the real prefix, which a test must not touch',
      },
      { line: 5, inClone: true, given: [] },
      { line: 9, inClone: false, given: ['task.md'] },
      {
        line: 13,
        inClone: false,
        given: [],
        longRunning: { expect: 'llm-service init, a wizard', terminal: true },
      },
    ]);
  });

  it.each([
    ['<!-- test: skip -->', 'guide.md:1: `skip` needs a reason'],
    ['<!-- test: long running -->', "guide.md:1: unknown test directive 'long running'"],
    ['<!-- test: long-running -->', 'guide.md:1: `long-running` and `expect "TEXT"` go together'],
    ['<!-- test: terminal -->', 'guide.md:1: `terminal` is for long-running blocks'],
    ['<!-- test: given ../outside -->', "guide.md:1: unknown test directive 'given ../outside'"],
    [
      '<!-- test: in clone, given task.md -->',
      'guide.md:1: `given` files are written in the project directory',
    ],
  ])('refuses the marker %s', (marker, message) => {
    expect(() => guide(marker, '```sh', 'a', '```')).toThrow(message);
  });

  it('refuses a marker that is not directly before a ```sh block, and a long-running block of two commands', () => {
    expect(() => guide('<!-- test: in clone -->', '', 'Some text.', '```sh', 'a', '```')).toThrow(
      'guide.md:1: a test marker must stand directly before a ```sh block',
    );
    expect(() => guide('<!-- test: in clone -->', '```yaml', 'a: 1', '```')).toThrow('is not ```sh');
    expect(() => guide('text', '<!-- test: in clone -->')).toThrow(
      'a test marker with no ```sh block after it',
    );
    expect(() => guide('Some text <!-- test: in clone -->', '```sh', 'a', '```')).toThrow(
      'guide.md:1: a test marker goes on a line of its own',
    );
    expect(() => guide('```bash', 'a', '```')).toThrow(
      'guide.md:1: a ```bash block: commands go in ```sh blocks',
    );
    expect(() => guide('<!-- test: long-running, expect "x" -->', '```sh', 'a', 'b', '```')).toThrow(
      'guide.md:2: a long-running block holds exactly one command',
    );
  });
});

describe('parseCommand', () => {
  const env = { HOME: '/home/reader', PATH: '/usr/bin' };

  it('splits words as a shell does, expanding $VAR and a leading ~', () => {
    expect(parseCommand(`tool --prefix ~/.local 'it''s' "$HOME/x" a\\ b # note`, env)).toEqual({
      kind: 'run',
      stages: [{ argv: ['tool', '--prefix', '/home/reader/.local', 'its', '/home/reader/x', 'a b'] }],
    });
  });

  it('handles a pipeline, redirections, cd and export', () => {
    expect(parseCommand('echo "Summarise this" | tool exec --agent writer', env)).toEqual({
      kind: 'run',
      stages: [{ argv: ['echo', 'Summarise this'] }, { argv: ['tool', 'exec', '--agent', 'writer'] }],
    });
    expect(parseCommand("echo 'source <(tool completion bash)' >> ~/.bashrc", env)).toEqual({
      kind: 'run',
      stages: [{ argv: ['echo', 'source <(tool completion bash)'] }],
      stdout: { path: '/home/reader/.bashrc', append: true },
    });
    expect(parseCommand('tool < in.txt > out.txt', env)).toEqual({
      kind: 'run',
      stages: [{ argv: ['tool'] }],
      stdin: 'in.txt',
      stdout: { path: 'out.txt', append: false },
    });
    expect(parseCommand('cd ~/project', env)).toEqual({ kind: 'cd', dir: '/home/reader/project' });
    expect(parseCommand('export PATH="$HOME/.local/bin:$PATH"', env)).toEqual({
      kind: 'export',
      variables: [['PATH', '/home/reader/.local/bin:/usr/bin']],
    });
  });

  it.each([
    ['a && b', "the shell operator '&&'"],
    ['a; b', "the shell operator ';'"],
    ['ls *.md', 'a glob pattern (*.md)'],
    ['tool 2> errors.txt', 'a numbered file descriptor'],
    ['tool --model gpt#5', "a '#' inside a word"],
    ['tool $NOT_SET', '$NOT_SET is not set'],
    ['tool > a b', 'words after a redirection'],
    ['tool > a > b', 'two output redirections'],
    ['export PATH', "export of 'PATH'"],
    ['cd a | b', "'cd' in a pipeline"],
  ])('refuses %s', (text, message) => {
    expect(() => parseCommand(text, env)).toThrow(message);
  });
});

describe('GuideSession', () => {
  const root = mkdtempSync(join(tmpdir(), 'llm-service-guide-harness-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const session = () => {
    const home = join(root, 'home');
    mkdirSync(join(home, 'project'), { recursive: true });
    return new GuideSession({
      guide: 'guide.md',
      clone: root,
      home,
      projectDir: join(home, 'project'),
      env: { HOME: home, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` },
      substitutions: [],
      installedByGuide: ['llm-service'],
      givenFileText: 'a task\n',
      commandTimeoutMs: 20_000,
      firstLineTimeoutMs: 10_000,
    });
  };
  const block = (marker: string, ...commands: string[]) =>
    guide('## Section', marker, '```sh', ...commands, '```')[0] as GuideBlock;

  it('says where in the guide a command failed, how, and the end of its stderr', async () => {
    const failing = block(
      '',
      'node --version',
      `node -e "console.error('first'); console.error('boom'); process.exit(3)"   # fails`,
    );
    const error = await session()
      .runBlock(failing)
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain('guide.md:5 (block 1 at line 3, under "Section", command 2 of 2) failed:');
    expect(message).toContain(`$ node -e "console.error('first')`);
    expect(message).toContain('exited with 3');
    expect(message).toMatch(/stderr \(last 20 lines\):\n {4}\| first\n {4}\| boom/);
  });

  it('fails a command that succeeds with a stack trace or a warning of llm-service on stderr', async () => {
    await expect(
      session().runBlock(block('', `node -e "console.error(new Error('caught').stack)"`)),
    ).rejects.toThrow('succeeded, but printed a stack trace on stderr');
    await expect(
      session().runBlock(
        block('', `node -e "console.error('llm-service: warning: telemetry not recorded (1 event lost)')"`),
      ),
    ).rejects.toThrow('succeeded, but warned: llm-service: warning: telemetry not recorded (1 event lost)');
  });

  it('refuses an llm-service that the guide did not install under HOME', async () => {
    const bin = join(root, 'elsewhere');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'llm-service'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, 'llm-service'), 0o755);
    const run = session();
    run.env.PATH = `${bin}:${run.env.PATH}`;
    await expect(run.runBlock(block('', 'llm-service --help'))).rejects.toThrow(
      `llm-service resolves to ${join(bin, 'llm-service')}, not to the one the guide installs under HOME`,
    );
  });

  it('starts a long-running command, checks its first line and stops it with SIGINT', async () => {
    const serve = `node -e "console.log('Serving on http://127.0.0.1:1/'); setInterval(() => {}, 1000)"`;
    await session().runBlock(
      block('<!-- test: long-running, expect "Serving on http://127.0.0.1" -->', serve),
    );
    await expect(
      session().runBlock(block('<!-- test: long-running, expect "Dashboard:" -->', serve)),
    ).rejects.toThrow(/expected: …Dashboard:…\n {4}got: Serving on http:\/\/127\.0\.0\.1:1\//);
    // The handler is in place before the line is printed, as the dashboard's is.
    const crash = `node -e "process.on('SIGINT', () => { throw new Error('oops'); }); console.log('Dashboard: up'); setInterval(() => {}, 1000)"`;
    await expect(
      session().runBlock(block('<!-- test: long-running, expect "Dashboard:" -->', crash)),
    ).rejects.toThrow(/after SIGINT it exited with 1\n {2}it printed a stack trace on stderr/);
  });

  it.skipIf(tmuxUnavailable() !== undefined)(
    'runs a terminal block on a pseudo-terminal, checks its first line and types Ctrl-C',
    async () => {
      const tty = `node -e "console.log('on a terminal:', process.stdout.isTTY); console.log('waiting'); setInterval(() => {}, 1000)"`;
      await session().runBlock(
        block('<!-- test: long-running, terminal, expect "on a terminal: true" -->', tty),
      );
      await expect(
        session().runBlock(block('<!-- test: long-running, terminal, expect "llm-service init" -->', tty)),
      ).rejects.toThrow(/expected: …llm-service init…\n {4}got: on a terminal: true/);
    },
  );
});
