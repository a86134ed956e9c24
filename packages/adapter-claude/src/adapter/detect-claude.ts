import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { lazySchema, z, type DetectResult, type ToolConfig } from '@llm-service/spec';
import {
  credentialNames,
  detectInstalledTool,
  loggedInSession,
  parseVersion,
  readJsonSettings,
  type Environment,
} from '@llm-service/plugin-kit';
import type { ClaudeTool } from './settings.js';
import { claudeChildEnvironment, installHint } from './tool-environment.js';

/** Environment variables Claude Code authenticates with, in the order it prefers them. */
export const credentialVariables = [
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'CLAUDE_CODE_OAUTH_TOKEN',
] as const;

/** Third-party providers: with one of these set, Claude Code uses that cloud's own credentials. */
export const providerVariables = [
  'CLAUDE_CODE_USE_BEDROCK',
  'CLAUDE_CODE_USE_VERTEX',
  'CLAUDE_CODE_USE_FOUNDRY',
] as const;

/** The kit's version parser (`2.1.328 (Claude Code)` → `2.1.328`), exported where detection has always exported it. */
export { loggedInSession, parseVersion };

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** The part of `.claude.json` detection reads: whether an OAuth account is noted, never what it holds. */
const globalConfigSchema = lazySchema(() => z.looseObject({ oauthAccount: z.unknown() }));

/** Whether Claude Code's config shows a `/login`: files are only tested, and of `.claude.json` only a key's presence. */
export function hasLoggedInSession(env: Environment): boolean {
  const home = env.HOME;
  const configDir = env.CLAUDE_CONFIG_DIR ?? (home ? join(home, '.claude') : undefined);
  // Linux keeps the OAuth tokens in this file; macOS keeps them in the keychain and notes the account in .claude.json.
  if (configDir && existsSync(join(configDir, '.credentials.json'))) return true;
  const globalConfig = env.CLAUDE_CONFIG_DIR
    ? join(env.CLAUDE_CONFIG_DIR, '.claude.json')
    : home
      ? join(home, '.claude.json')
      : undefined;
  const oauthAccount = readJsonSettings(globalConfig, globalConfigSchema)?.oauthAccount;
  return typeof oauthAccount === 'object' && oauthAccount !== null;
}

/** Names of the credential sources claude would find (and of the tool's `env_required` that are set), never values. */
export function presentCredentials(tool: ToolConfig, env: Environment): string[] {
  const providers = providerVariables.filter((name) => isTruthy(env[name]));
  return credentialNames(
    tool,
    env,
    [...credentialVariables, ...providers],
    hasLoggedInSession(env) ? [loggedInSession] : [],
  );
}

/** What `llm-service tools` shows: whether claude is there, its version, and which credentials it would find. */
export async function detectClaude(
  tool: ClaudeTool,
  context: { configDir: string; env: Environment },
): Promise<DetectResult> {
  const env = claudeChildEnvironment(context.env, tool);
  const credentials = presentCredentials(tool, env);
  return detectInstalledTool(
    tool,
    { configDir: context.configDir, env },
    {
      credentials,
      problem:
        credentials.length === 0
          ? 'no credentials found: set ANTHROPIC_API_KEY, or run `claude` once and /login'
          : undefined,
      installHint,
      parseVersion,
    },
  );
}
