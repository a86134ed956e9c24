import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { offlineHome, pinnedProgram, setApiKey } from '../real-programs/pinned-program.js';

/** The Gemini CLI release the tests are pinned to (STACK.md): upstream releases change flags and output. */
export const pinnedGeminiVersion = '0.61.0';

const gemini = pinnedProgram({
  command: 'gemini',
  variable: 'LLM_SERVICE_GEMINI_BIN',
  title: 'the real Gemini CLI',
  release: `@google/gemini-cli@${pinnedGeminiVersion}`,
});

/** How CI and developers install it: outside the workspace, ignoring its Node 22 `engines` (it runs on Node 20). */
export const geminiInstallCommand = gemini.installCommand;

/** The real `gemini` binary for tests: `LLM_SERVICE_GEMINI_BIN` when set, else the pinned install under `.tools/`. */
export const findGeminiBinary = gemini.find;

/** Why real-binary tests are skipped, or undefined when the binary is there. */
export const geminiSkipReason = gemini.skipReason;

export interface GeminiEnvironmentOptions {
  /** `GOOGLE_GEMINI_BASE_URL`: the test server's URL. */
  baseUrl: string;
  /** `GEMINI_API_KEY`; null leaves it unset. Default: a dummy key. */
  apiKey?: string | null;
  /**
   * `security.auth.selectedType` in `$HOME/.gemini/settings.json`; null writes no auth selection (gemini then stops
   * with "Invalid auth method selected", exit 41). Default `gemini-api-key`.
   */
  selectedAuthType?: string | null;
  /**
   * `general.maxAttempts`: gemini's own attempts per model request (1 to 10; its default is 10, starting 5 s apart).
   * Default 1, so a scripted 429 or 503 fails at once instead of after minutes of backoff.
   */
  maxAttempts?: number;
  /** A fresh directory is made when absent. */
  home?: string;
}

/**
 * An environment in which the real CLI reads and writes nothing of the developer's (HOME, TMPDIR and the XDG homes
 * are fresh, nothing else is inherited but PATH) and sends model requests to the test server. gemini writes an error
 * report for every failed API call into the OS temporary directory: TMPDIR keeps those inside `home` too. Usage
 * statistics are switched off in the settings so nothing is queued for Google's logging endpoint.
 */
export function geminiEnvironment(options: GeminiEnvironmentOptions): {
  home: string;
  env: Record<string, string>;
} {
  const { home, env: offline } = offlineHome('gemini', { home: options.home, privateTmp: true });
  const settingsDir = join(home, '.gemini');
  mkdirSync(settingsDir, { recursive: true });
  const selectedType = options.selectedAuthType === undefined ? 'gemini-api-key' : options.selectedAuthType;
  const settings = {
    ...(selectedType === null ? {} : { security: { auth: { selectedType } } }),
    general: { maxAttempts: options.maxAttempts ?? 1, enableAutoUpdate: false },
    privacy: { usageStatisticsEnabled: false },
  };
  writeFileSync(join(settingsDir, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  const env: Record<string, string> = { ...offline, GOOGLE_GEMINI_BASE_URL: options.baseUrl };
  setApiKey(env, 'GEMINI_API_KEY', options.apiKey, 'gemini-test-not-a-real-key');
  return { home, env };
}
