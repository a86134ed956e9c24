import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DetectResult, ToolConfig } from '@llm-service/spec';
import {
  describeMissingBinary,
  describeMissingCredentials,
  findExecutable,
  missingCredentials,
  presentCredentials as presentRequiredCredentials,
  probeVersion,
  workingDirectory,
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

export const loggedInSession = 'logged-in session';

/** `2.1.328 (Claude Code)` → `2.1.328`; anything else, its first line. */
export function parseVersion(output: string): string | undefined {
  const line = output
    .split(/\r?\n/)
    .map((candidate) => candidate.trim())
    .find((candidate) => candidate.length > 0);
  if (line === undefined) return undefined;
  return /^v?(\d+\.\d+\.\d+\S*)/.exec(line)?.[1] ?? line.slice(0, 200);
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

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
  if (!globalConfig || !existsSync(globalConfig)) return false;
  try {
    const parsed = JSON.parse(readFileSync(globalConfig, 'utf8')) as Record<string, unknown>;
    return typeof parsed.oauthAccount === 'object' && parsed.oauthAccount !== null;
  } catch {
    return false;
  }
}

/** Names of the credential sources claude would find (and of the tool's `env_required` that are set), never values. */
export function presentCredentials(tool: ToolConfig, env: Environment): string[] {
  const names = new Set<string>(credentialVariables.filter((name) => Boolean(env[name])));
  for (const name of providerVariables) if (isTruthy(env[name])) names.add(name);
  for (const name of presentRequiredCredentials(tool, env)) names.add(name);
  if (hasLoggedInSession(env)) names.add(loggedInSession);
  return [...names];
}

/** What `llm-service tools` shows: whether claude is there, its version, and which credentials it would find. */
export async function detectClaude(
  tool: ClaudeTool,
  context: { configDir: string; env: Environment },
): Promise<DetectResult> {
  const env = claudeChildEnvironment(context.env, tool);
  const credentials = presentCredentials(tool, env);
  const missing = missingCredentials(tool, env);
  const problem =
    missing.length > 0
      ? describeMissingCredentials(missing)
      : credentials.length === 0
        ? 'no credentials found: set ANTHROPIC_API_KEY, or run `claude` once and /login'
        : undefined;
  const path = findExecutable(tool.binary, { configDir: context.configDir, path: env.PATH });
  if (path === undefined) {
    return {
      installed: false,
      credentials,
      problem: describeMissingBinary(tool, context.configDir, installHint),
    };
  }
  const configuredCwd = workingDirectory(tool, context.configDir);
  const cwd = existsSync(configuredCwd) ? configuredCwd : context.configDir;
  const versionLine = await probeVersion(path, ['--version'], cwd, env);
  const version = versionLine === undefined ? undefined : parseVersion(versionLine);
  return {
    installed: true,
    path,
    ...(version === undefined ? {} : { version }),
    credentials,
    ...(problem === undefined ? {} : { problem }),
  };
}
