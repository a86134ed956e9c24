import { statSync, type Stats } from 'node:fs';
import { resolve } from 'node:path';
import { configFileNames, type ConfigCheckProblem, type ResolvedConfig } from '@llm-service/spec';

/**
 * What is wrong with `path` as the file or directory an option names, or undefined when it is one: `does not exist`,
 * `is not a directory`, `cannot be read (EACCES)`. `more` checks what the adapter needs beyond that (a size, say).
 */
export function pathProblem(
  path: string,
  expected: 'file' | 'directory',
  more?: (stats: Stats) => string | undefined,
): string | undefined {
  try {
    const stats = statSync(path);
    if (expected === 'file' ? !stats.isFile() : !stats.isDirectory()) return `is not a ${expected}`;
    return more?.(stats);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
  }
}

/**
 * A plugin's whole-config check of one path-valued agent option (`adapter_options.<adapterId>.<option>`, relative
 * to the config directory): a path that is not there shows up in `config validate` with its line, not as a failed
 * run later. `problemOf` says what is wrong with the resolved path (see `pathProblem`).
 */
export function agentPathOptionProblems(
  config: ResolvedConfig,
  adapterId: string,
  option: string,
  problemOf: (path: string) => string | undefined,
): ConfigCheckProblem[] {
  const problems: ConfigCheckProblem[] = [];
  for (const [agentName, agent] of Object.entries(config.agents)) {
    const options = agent.adapter_options[adapterId];
    // The options were validated at load by the adapter's schema: a path option there is a string or absent.
    const value =
      typeof options === 'object' && options !== null
        ? (options as Record<string, unknown>)[option]
        : undefined;
    if (typeof value !== 'string') continue;
    const path = resolve(config.dir, value);
    const problem = problemOf(path);
    if (problem === undefined) continue;
    problems.push({
      file: configFileNames.agents,
      path: ['agents', agentName, 'adapter_options', adapterId, option],
      message: `${option} '${value}' (${path}) ${problem}`,
      suggestion: 'paths are relative to the config directory',
    });
  }
  return problems;
}
