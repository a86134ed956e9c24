import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DetectResult, ToolConfig } from '@llm-service/spec';
import {
  childEnvironment,
  credentialNames,
  detectInstalledTool,
  loggedInSession,
  parseVersion,
  type Environment,
} from '@llm-service/plugin-kit';
import { codexHints } from './hints.js';
import type { CodexTool } from './settings.js';

/** Environment variables codex authenticates with: `CODEX_API_KEY` for `exec`, `OPENAI_API_KEY` for the OpenAI provider. */
export const credentialVariables = ['OPENAI_API_KEY', 'CODEX_API_KEY'] as const;

/** The kit's version parser (`codex-cli 0.169.0` → `0.169.0`), exported where detection has always exported it. */
export { loggedInSession, parseVersion };

/** codex's home: `CODEX_HOME`, else `~/.codex`. */
export function codexHome(env: Environment): string | undefined {
  if (env.CODEX_HOME) return env.CODEX_HOME;
  return env.HOME ? join(env.HOME, '.codex') : undefined;
}

/** Whether `codex login` has stored credentials (`auth.json` in codex's home): the file is only tested, never read. */
export function hasLoggedInSession(env: Environment): boolean {
  const home = codexHome(env);
  return home !== undefined && existsSync(join(home, 'auth.json'));
}

/** Names of the credential sources codex would find (and of the tool's `env_required` that are set), never values. */
export function presentCredentials(tool: ToolConfig, env: Environment): string[] {
  return credentialNames(tool, env, credentialVariables, hasLoggedInSession(env) ? [loggedInSession] : []);
}

/** What `llm-service tools` shows: whether codex is there, its version, and which credentials it would find. */
export async function detectCodex(
  tool: CodexTool,
  context: { configDir: string; env: Environment },
): Promise<DetectResult> {
  const env = childEnvironment(context.env, tool);
  const credentials = presentCredentials(tool, env);
  return detectInstalledTool(
    tool,
    { configDir: context.configDir, env },
    {
      credentials,
      problem: credentials.length === 0 ? codexHints.notLoggedIn : undefined,
      installHint: codexHints.notInstalled,
      parseVersion,
    },
  );
}
