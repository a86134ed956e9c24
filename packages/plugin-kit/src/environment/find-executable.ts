import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds a tool's binary: a name is looked up on PATH; anything with a slash is a path, relative to the config
 * directory. Returns undefined when there is no executable file there.
 */
export function findExecutable(
  binary: string,
  options: { configDir: string; path: string | undefined },
): string | undefined {
  if (binary.includes('/')) {
    const candidate = isAbsolute(binary) ? binary : resolve(options.configDir, binary);
    return isExecutableFile(candidate) ? candidate : undefined;
  }
  for (const directory of (options.path ?? '').split(delimiter)) {
    if (!directory) continue;
    const candidate = join(directory, binary);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}
