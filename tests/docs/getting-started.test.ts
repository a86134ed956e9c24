/**
 * docs/getting-started.md, followed as a new user follows it: every command of its ```sh blocks runs, in order, in
 * one session with a fresh HOME, and must succeed (exit 0, no stack trace). The guide's Install step puts
 * `llm-service` under that HOME, and every later `llm-service` must be that one. Blocks that keep running (the
 * dashboard, the wizard) are started, their first line of output checked, and stopped with Ctrl-C. What a block needs
 * besides its commands is said by a marker in the guide (see support/guide.ts): a new block needs nothing more.
 *
 * The user and their machine, explicitly:
 *   - HOME and the XDG directories: fresh, under a temporary directory outside the repository.
 *   - The project: ~/project, empty; blocks run there unless marked `in clone` (the repository's root).
 *   - PATH: the directory of the node running this test, /usr/local/bin, /usr/bin and /bin, after a directory of
 *     stand-ins for the LLM CLIs the user has: Codex CLI and Gemini CLI (fixtures/llm-cli-stand-in.mjs, which print
 *     those tools' output formats and call no model), and an `xdg-open` that opens nothing. Claude Code is not
 *     installed, so the quick-start template's agents fall back from it, as the guide says they do.
 *   - No API key or login of the developer's reaches the commands: the environment is built, not inherited.
 *   - npm and pnpm keep the developer's cache, npm settings and pnpm store (the store the clone's node_modules was
 *     installed from: with another, `pnpm install` would recreate node_modules under the other tests' feet).
 *   - CI=1: `pnpm install` keeps the lockfile as it is, as in CI.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { readGuide } from './support/guide.js';
import {
  findProgram,
  GuideSession,
  isInside,
  TerminalUnavailable,
  type Substitution,
} from './support/runner.js';

const GUIDE = 'docs/getting-started.md';
const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const standIn = join(repositoryRoot, 'tests/docs/fixtures/llm-cli-stand-in.mjs');
const BLOCK_TIMEOUT_MS = 300_000;

/** The pnpm the guide runs with npx, from the root manifest's `packageManager`. */
const pnpmVersion = (
  JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')) as { packageManager: string }
).packageManager.replace(/^pnpm@/, '');

const systemPath = [...new Set([dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'])]
  .filter((dir) => existsSync(dir))
  .join(':');

const pnpmOnPath = (() => {
  const pnpm = findProgram('pnpm', repositoryRoot, systemPath);
  if (pnpm === undefined) return false;
  const version = spawnSync(pnpm, ['--version'], { encoding: 'utf8', env: { PATH: systemPath } });
  return version.stdout?.trim() === pnpmVersion;
})();

/**
 * Where the test runs something other than what the guide writes. Nothing else is changed: every other command runs
 * as written, and each substitution applied is printed beside the command.
 */
const substitutions: readonly Substitution[] = [
  {
    writes: `npx -y pnpm@${pnpmVersion} ARGS`,
    runs: 'pnpm ARGS (the pnpm on the PATH)',
    why: `only when that pnpm is ${pnpmVersion} itself: the same program, without npx resolving it first (3-5 s a call)`,
    rewrite: (argv) =>
      pnpmOnPath && argv[0] === 'npx' && argv[1] === '-y' && argv[2] === `pnpm@${pnpmVersion}`
        ? ['pnpm', ...argv.slice(3)]
        : undefined,
  },
  {
    writes: '… run install:global ARGS',
    runs: '… run install:global ARGS --no-build',
    why:
      'tests run after `pnpm build`; building here would rewrite the dist/ directories that other test files are ' +
      'running at the same time (scripts/install-global.test.ts runs the script the same way)',
    rewrite: (argv) => {
      const at = argv.indexOf('install:global');
      return at > 0 && argv[at - 1] === 'run' && !argv.includes('--no-build')
        ? [...argv, '--no-build']
        : undefined;
    },
  },
];

/** The store the clone's node_modules was installed from (pnpm records it in node_modules/.modules.yaml). */
function cloneStoreDir(): string | undefined {
  const modules = join(repositoryRoot, 'node_modules', '.modules.yaml');
  if (!existsSync(modules)) return undefined;
  return /^\s*"?storeDir"?:\s*"?([^",\n]+)"?,?$/m.exec(readFileSync(modules, 'utf8'))?.[1];
}

/** npm's cache and user config as the developer (or CI) running the test has them. */
function npmSettings(): Record<string, string> {
  const result = spawnSync('npm', ['config', 'get', 'cache', 'userconfig'], { encoding: 'utf8' });
  const settings: Record<string, string> = {};
  for (const [, key, value] of (result.stdout ?? '').matchAll(/^(cache|userconfig)=(.+)$/gm))
    if (key && value) settings[`npm_config_${key}`] = value;
  return settings;
}

/** Writes the stand-in LLM CLIs and the opener into `bin`. */
function installTools(bin: string): void {
  mkdirSync(bin, { recursive: true });
  const write = (name: string, script: string) => {
    writeFileSync(join(bin, name), script);
    chmodSync(join(bin, name), 0o755);
  };
  for (const tool of ['codex', 'gemini'])
    write(tool, `#!/bin/sh\nexec "${process.execPath}" "${standIn}" ${tool} "$@"\n`);
  // `dashboard --open` runs xdg-open: on this machine it opens nothing (a test must not start a browser).
  write('xdg-open', '#!/bin/sh\nexit 0\n');
}

const PASSED_THROUGH = ['LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'];

function userEnvironment(root: string, home: string): Record<string, string> {
  const env: Record<string, string> = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_STATE_HOME: join(home, '.local/state'),
    XDG_CACHE_HOME: join(home, '.cache'),
    PATH: `${join(root, 'tools')}:${systemPath}`,
    CI: '1',
    NO_UPDATE_NOTIFIER: '1',
    ...npmSettings(),
  };
  for (const name of PASSED_THROUGH)
    for (const variant of [name, name.toLowerCase()]) {
      const value = process.env[variant];
      if (value !== undefined) env[variant] = value;
    }
  return env;
}

const markdown = readFileSync(join(repositoryRoot, GUIDE), 'utf8');
const blocks = readGuide(markdown, GUIDE);

describe(`${GUIDE}, followed by a new user`, () => {
  let root: string;
  let session: GuideSession;
  let failedAt: string | undefined;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'llm-service-guide-'));
    if (isInside(repositoryRoot, root)) throw new Error(`${root} is inside the repository`);
    const home = join(root, 'home');
    const projectDir = join(home, 'project');
    mkdirSync(projectDir, { recursive: true });
    installTools(join(root, 'tools'));
    const env = userEnvironment(root, home);
    const store = cloneStoreDir();
    if (store === undefined)
      throw new Error(
        'node_modules/.modules.yaml names no store: run `pnpm install` in the repository first',
      );
    mkdirSync(join(home, '.config', 'pnpm'), { recursive: true });
    writeFileSync(join(home, '.config', 'pnpm', 'rc'), `store-dir=${store}\n`);
    for (const substitution of substitutions)
      console.log(
        `substitution: the guide's \`${substitution.writes}\` runs as \`${substitution.runs}\`: ${substitution.why}`,
      );
    session = new GuideSession({
      guide: GUIDE,
      clone: repositoryRoot,
      home,
      projectDir,
      env,
      substitutions,
      installedByGuide: ['llm-service'],
      givenFileText: 'Propose a design for caching the price list of the shop; list the risks.\n',
      commandTimeoutMs: 240_000,
      firstLineTimeoutMs: 30_000,
    });
  });

  afterAll(() => {
    if (!root) return;
    if (failedAt === undefined) rmSync(root, { recursive: true, force: true });
    else console.log(`the session's files are kept for a look: ${root}`);
  });

  for (const block of blocks) {
    const commands = block.commands.map((command) => command.text.replace(/\s+#.*$/, '')).join('; ');
    const title = `block ${block.number} (line ${block.line}, ${block.section}): ${commands}`;
    if (block.marker.skip !== undefined) {
      it.skip(`${title} — not run: ${block.marker.skip}`, () => undefined);
      continue;
    }
    it(
      title,
      async (context) => {
        if (failedAt !== undefined) context.skip(`an earlier block failed (${failedAt})`);
        try {
          await session.runBlock(block);
        } catch (error) {
          if (error instanceof TerminalUnavailable) return context.skip(error.message);
          failedAt = `${GUIDE}:${block.line}`;
          throw error;
        }
      },
      BLOCK_TIMEOUT_MS,
    );
  }
});
