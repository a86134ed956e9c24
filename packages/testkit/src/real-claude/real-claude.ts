import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { offlineHome, pinnedProgram, setApiKey } from '../real-programs/pinned-program.js';

export { repositoryRoot } from '../real-programs/pinned-program.js';

/** The Claude Code release the tests are pinned to (STACK.md): upstream releases change flags. */
export const pinnedClaudeVersion = '2.1.328';

const claude = pinnedProgram({
  command: 'claude',
  variable: 'LLM_SERVICE_CLAUDE_BIN',
  title: 'the real Claude Code CLI',
  release: `@anthropic-ai/claude-code@${pinnedClaudeVersion}`,
});

/** How CI and developers install it: outside the workspace, ignoring its Node 22 `engines` (its binary is native). */
export const claudeInstallCommand = claude.installCommand;

/** The real `claude` binary for tests: `LLM_SERVICE_CLAUDE_BIN` when set, else the pinned install under `.tools/`. */
export const findClaudeBinary = claude.find;

/** Why real-binary tests are skipped, or undefined when the binary is there. */
export const claudeSkipReason = claude.skipReason;

/** The dummy subscription token a `login: 'subscription'` environment gets: shaped like a real one, valid nowhere. */
export const testOauthToken = 'sk-ant-oat01-test-not-a-real-token';

export interface ClaudeEnvironmentOptions {
  /** `ANTHROPIC_BASE_URL`: the test server's URL. */
  baseUrl: string;
  /**
   * How claude logs in: with `ANTHROPIC_API_KEY` (the default), or as a subscriber (`CLAUDE_CODE_OAUTH_TOKEN`, no API
   * key), the login on which claude reads the service's plan-limit headers and prints `rate_limit_event` lines.
   */
  login?: 'api-key' | 'subscription';
  /** `ANTHROPIC_API_KEY` on an API-key login; null leaves it unset (the "Not logged in" case). Default: a dummy key. */
  apiKey?: string | null;
  /** `CLAUDE_CODE_OAUTH_TOKEN` on a subscription login. Default: a dummy token (the test server takes any). */
  oauthToken?: string;
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
  // claude keeps per-project state (and a probe folder per run) under $TMPDIR/claude-<uid>: kept in `home` too.
  const { home, env: offline } = offlineHome('claude', { home: options.home, privateTmp: true });
  const configDir = join(home, '.claude');
  mkdirSync(configDir, { recursive: true });
  const env: Record<string, string> = {
    ...offline,
    CLAUDE_CONFIG_DIR: configDir,
    ANTHROPIC_BASE_URL: options.baseUrl,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
  };
  if (options.login === 'subscription') env.CLAUDE_CODE_OAUTH_TOKEN = options.oauthToken ?? testOauthToken;
  else setApiKey(env, 'ANTHROPIC_API_KEY', options.apiKey, 'sk-ant-test-not-a-real-key');
  return { home, env };
}
