import { accessSync, constants, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Claude Code release the tests are pinned to (STACK.md): upstream releases change flags. */
export const pinnedClaudeVersion = '2.1.328';

/** How CI and developers install it: outside the workspace, ignoring its Node 22 `engines` (its binary is native). */
export const claudeInstallCommand = `npm i --prefix .tools --engine-strict=false --no-audit --no-fund @anthropic-ai/claude-code@${pinnedClaudeVersion}`;

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
 * The real `claude` binary for tests: `LLM_SERVICE_CLAUDE_BIN` when set, else the pinned install under `.tools/`.
 * Never the developer's own `claude` on PATH, whose version (and login) the tests know nothing about.
 */
export function findClaudeBinary(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  const configured = env.LLM_SERVICE_CLAUDE_BIN;
  if (configured) return isExecutable(configured) ? configured : undefined;
  const root = repositoryRoot();
  if (root === undefined) return undefined;
  const pinned = join(root, '.tools/node_modules/.bin/claude');
  return isExecutable(pinned) ? pinned : undefined;
}

/** Why real-binary tests are skipped, or undefined when the binary is there. */
export function claudeSkipReason(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  if (findClaudeBinary(env) !== undefined) return undefined;
  return env.LLM_SERVICE_CLAUDE_BIN
    ? `LLM_SERVICE_CLAUDE_BIN=${env.LLM_SERVICE_CLAUDE_BIN} is not an executable file`
    : `the real Claude Code CLI is not installed; in the repository root run: ${claudeInstallCommand}`;
}

export interface ClaudeEnvironmentOptions {
  /** `ANTHROPIC_BASE_URL`: the test server's URL. */
  baseUrl: string;
  /** `ANTHROPIC_API_KEY`; null leaves it unset (the "Not logged in" case). Default: a dummy key. */
  apiKey?: string | null;
  /** A fresh directory is made when absent. */
  home?: string;
}

/**
 * An environment in which the real CLI reads and writes nothing of the developer's (HOME and CLAUDE_CONFIG_DIR are
 * fresh, nothing else is inherited but PATH) and sends nothing but model requests to the test server.
 * Measured on 2.1.328 with strace: CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC alone stops every other connection
 * (DNS lookups and the `HEAD /api/hello` probe included); DISABLE_TELEMETRY alone stops the telemetry spool but not
 * all lookups. The other two are set for releases that separate them again.
 */
export function claudeEnvironment(options: ClaudeEnvironmentOptions): {
  home: string;
  env: Record<string, string>;
} {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'llm-service-claude-home-'));
  const configDir = join(home, '.claude');
  mkdirSync(configDir, { recursive: true });
  // claude keeps per-project state (and a probe folder per run) under $TMPDIR/claude-<uid>: kept in `home` too.
  const temporary = join(home, 'tmp');
  mkdirSync(temporary, { recursive: true });
  const env: Record<string, string> = {
    HOME: home,
    CLAUDE_CONFIG_DIR: configDir,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_STATE_HOME: join(home, '.local/state'),
    XDG_CACHE_HOME: join(home, '.cache'),
    TMPDIR: temporary,
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NO_COLOR: '1',
    ANTHROPIC_BASE_URL: options.baseUrl,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
  };
  const apiKey = options.apiKey === undefined ? 'sk-ant-test-not-a-real-key' : options.apiKey;
  if (apiKey !== null) env.ANTHROPIC_API_KEY = apiKey;
  return { home, env };
}
