import { accessSync, constants, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Spelled out again in `PinnedProgram`: the finders real-claude and the others export take their declared types
// from it, and a public declaration must name no private type.
type Environment = Readonly<Record<string, string | undefined>>;

/** A real CLI the tests run at one pinned npm release, installed under `.tools/` outside the workspace. */
export interface PinnedProgram {
  /** How CI and developers install it; `--engine-strict=false` because the CLIs declare newer Node engines. */
  installCommand: string;
  /** The variable's binary when set, else the pinned install: never one on PATH, whose version the tests don't know. */
  find(env?: Readonly<Record<string, string | undefined>>): string | undefined;
  /** Why real-binary tests are skipped, or undefined when the binary is there. */
  skipReason(env?: Readonly<Record<string, string | undefined>>): string | undefined;
}

export function pinnedProgram(program: {
  /** The binary's name in `.tools/node_modules/.bin`. */
  command: string;
  /** The variable that points the tests at another binary, e.g. `LLM_SERVICE_CLAUDE_BIN`. */
  variable: string;
  /** How a skip reason names it, e.g. `the real Claude Code CLI`. */
  title: string;
  /** The npm package and version, e.g. `@openai/codex@0.169.0`. */
  release: string;
}): PinnedProgram {
  const installCommand = `npm i --prefix .tools --engine-strict=false --no-audit --no-fund ${program.release}`;
  const find = (env: Environment = process.env): string | undefined => {
    const configured = env[program.variable];
    if (configured) return isExecutable(configured) ? configured : undefined;
    const root = repositoryRoot();
    if (root === undefined) return undefined;
    const pinned = join(root, '.tools/node_modules/.bin', program.command);
    return isExecutable(pinned) ? pinned : undefined;
  };
  const skipReason = (env: Environment = process.env): string | undefined => {
    if (find(env) !== undefined) return undefined;
    const configured = env[program.variable];
    return configured
      ? `${program.variable}=${configured} is not an executable file`
      : `${program.title} is not installed; in the repository root run: ${installCommand}`;
  };
  return { installCommand, find, skipReason };
}

/** The repository root: the nearest directory above this module holding pnpm-workspace.yaml. */
export function repositoryRoot(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let directory = from; ; directory = dirname(directory)) {
    if (existsSync(join(directory, 'pnpm-workspace.yaml'))) return directory;
    if (dirname(directory) === directory) return undefined;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * A fresh HOME (unless `home` is given) and the environment that keeps a CLI inside it: the XDG homes under it,
 * nothing inherited but PATH, no colours in output meant for parsers. `privateTmp` also moves TMPDIR into it, for
 * CLIs that leave state or error reports in the temporary directory.
 */
export function offlineHome(
  command: string,
  options: { home?: string | undefined; privateTmp: boolean },
): { home: string; env: Record<string, string> } {
  const home = options.home ?? mkdtempSync(join(tmpdir(), `llm-service-${command}-home-`));
  const env: Record<string, string> = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_STATE_HOME: join(home, '.local/state'),
    XDG_CACHE_HOME: join(home, '.cache'),
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NO_COLOR: '1',
  };
  if (options.privateTmp) {
    env.TMPDIR = join(home, 'tmp');
    mkdirSync(env.TMPDIR, { recursive: true });
  }
  return { home, env };
}

/** Sets the API key variable: a dummy key unless the test gave one, none at all for `null` (the not-logged-in case). */
export function setApiKey(
  env: Record<string, string>,
  variable: string,
  apiKey: string | null | undefined,
  dummyKey: string,
): void {
  const key = apiKey === undefined ? dummyKey : apiKey;
  if (key !== null) env[variable] = key;
}
