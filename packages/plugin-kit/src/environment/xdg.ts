import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Environment } from './tool-checks.js';

/** `$XDG_CONFIG_HOME/llm-service` (default `~/.config/llm-service`): the user's own configuration. */
export function userConfigHome(env: Environment): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'llm-service');
}

/** `$XDG_DATA_HOME/llm-service` (default `~/.local/share/llm-service`): telemetry, trust records. */
export function userDataHome(env: Environment): string {
  const base = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(base, 'llm-service');
}

/** `$XDG_CACHE_HOME/llm-service` (default `~/.cache/llm-service`): what can be rebuilt, such as tokenizer tables. */
export function userCacheHome(env: Environment): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'llm-service');
}
