import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import type { ConfigDirSource, DiscoveredConfigDir } from '@llm-service/spec';
import { userConfigHome } from '@llm-service/plugin-kit';

export type { ConfigDirSource, DiscoveredConfigDir };

export interface DiscoverOptions {
  configDir?: string | undefined;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
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
