import { join } from 'node:path';

/**
 * The environment benchmark processes run in: HOME and the XDG directories inside `work`, so nothing reads or
 * writes the user's own config, data or caches, and no colour codes.
 */
export function isolatedEnv(work) {
  return {
    ...process.env,
    HOME: work,
    XDG_CONFIG_HOME: join(work, '.config'),
    XDG_DATA_HOME: join(work, '.local/share'),
    XDG_CACHE_HOME: join(work, '.cache'),
    NO_COLOR: '1',
  };
}
