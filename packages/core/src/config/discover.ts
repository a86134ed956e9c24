import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** Where a config directory came from; only `project` configs need trusting. */
export type ConfigDirSource = 'flag' | 'env' | 'project' | 'user';

export interface DiscoveredConfigDir {
  dir: string;
  source: ConfigDirSource;
}

export interface DiscoverOptions {
  configDir?: string | undefined;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

export function userConfigHome(env: Readonly<Record<string, string | undefined>>): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'llm-service');
}

export function userDataHome(env: Readonly<Record<string, string | undefined>>): string {
  const base = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(base, 'llm-service');
}

function isDirectory(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** DESIGN section 2: flag, then `LLM_SERVICE_CONFIG_DIR`, then `./.llm-service/` here or above, then the user's home. */
export function discoverConfigDir(options: DiscoverOptions): DiscoveredConfigDir {
  if (options.configDir) return { dir: resolve(options.cwd, options.configDir), source: 'flag' };
  const fromEnv = options.env.LLM_SERVICE_CONFIG_DIR;
  if (fromEnv) return { dir: resolve(options.cwd, fromEnv), source: 'env' };
  const userDir = userConfigHome(options.env);
  let current = resolve(options.cwd);
  for (;;) {
    const candidate = join(current, '.llm-service');
    // The user's own config home is never a "project" config, even when found by walking up.
    if (isDirectory(candidate) && resolve(candidate) !== resolve(userDir))
      return { dir: candidate, source: 'project' };
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return { dir: userDir, source: 'user' };
}
