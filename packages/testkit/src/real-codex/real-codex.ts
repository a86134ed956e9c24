import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { offlineHome, pinnedProgram, setApiKey } from '../real-programs/pinned-program.js';

/** The Codex CLI release the tests are pinned to (STACK.md): upstream releases change flags and messages. */
export const pinnedCodexVersion = '0.169.0';

/** The id of the provider the test config.toml defines (not `openai`: codex refuses to redefine built-in ids). */
export const codexTestProviderId = 'llm-service-test';

const codex = pinnedProgram({
  command: 'codex',
  variable: 'LLM_SERVICE_CODEX_BIN',
  title: 'the real Codex CLI',
  release: `@openai/codex@${pinnedCodexVersion}`,
});

/** How CI and developers install it: outside the workspace, ignoring its declared engines. */
export const codexInstallCommand = codex.installCommand;

/** The real `codex` for tests: `LLM_SERVICE_CODEX_BIN` when set, else the pinned install under `.tools/`. */
export const findCodexBinary = codex.find;

/** Why real-binary tests are skipped, or undefined when the binary is there. */
export const codexSkipReason = codex.skipReason;

export interface CodexEnvironmentOptions {
  /** The provider's `base_url`: the test server's API root, `/v1` included. */
  baseUrl: string;
  /**
   * The key in the variable the provider names (`OPENAI_API_KEY`); null leaves it unset, which codex reports as a
   * missing variable before it sends anything. Default: a dummy key.
   */
  apiKey?: string | null;
  /**
   * codex's own retries: `request_max_retries` (failed HTTP requests) and `stream_max_retries` (streams that fail or
   * break). 0.169.0 defaults to 4 and 5, which nest: a 500 is sent 30 times over about 26 s. Default 0 and 0.
   */
  requestMaxRetries?: number;
  streamMaxRetries?: number;
  /** Extra lines for config.toml, after the provider (e.g. a `[profiles.x]` table). */
  extraConfig?: string;
  /** A fresh directory is made when absent. */
  home?: string;
}

/** The variable the test provider reads its key from: the one a user of the built-in provider sets. */
export const codexTestKeyVariable = 'OPENAI_API_KEY';

/**
 * An environment in which the real codex reads and writes nothing of the developer's (HOME and CODEX_HOME are fresh,
 * nothing is inherited but PATH) and sends its model requests to the test server: CODEX_HOME's config.toml makes a
 * provider with `wire_api = "responses"` the default. Checked on 0.169.0: the only request it then makes is
 * `POST <base_url>/responses`.
 */
export function codexEnvironment(options: CodexEnvironmentOptions): {
  home: string;
  codexHome: string;
  env: Record<string, string>;
} {
  // TMPDIR is left to the system's, as it was when the check described above was made.
  const { home, env: offline } = offlineHome('codex', { home: options.home, privateTmp: false });
  const codexHome = join(home, '.codex');
  mkdirSync(codexHome, { recursive: true });
  const config = [
    `model_provider = "${codexTestProviderId}"`,
    'check_for_update_on_startup = false',
    '',
    `[model_providers.${codexTestProviderId}]`,
    'name = "llm-service test server"',
    `base_url = ${JSON.stringify(options.baseUrl)}`,
    `env_key = "${codexTestKeyVariable}"`,
    'wire_api = "responses"',
    `request_max_retries = ${options.requestMaxRetries ?? 0}`,
    `stream_max_retries = ${options.streamMaxRetries ?? 0}`,
    '',
    options.extraConfig ?? '',
  ].join('\n');
  writeFileSync(join(codexHome, 'config.toml'), config);
  const env: Record<string, string> = { ...offline, CODEX_HOME: codexHome };
  setApiKey(env, codexTestKeyVariable, options.apiKey, 'sk-test-not-a-real-key');
  return { home, codexHome, env };
}
