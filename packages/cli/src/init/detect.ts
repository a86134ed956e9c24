import { findExecutable, probeVersion } from '@llm-service/plugin-kit';
import { extraApiKeyNames, knownTools, type KnownTool } from './catalogue.js';

type Environment = Readonly<Record<string, string | undefined>>;

export interface DetectedCli {
  tool: KnownTool;
  /** Absolute path of the binary on PATH, when found. */
  path?: string;
  /** First line of its `--version`, when it answered in time. */
  version?: string;
}

/** Finds every known LLM CLI on PATH and probes the versions of those found, all at once; nothing runs in a shell. */
export async function detectKnownClis(env: Environment, cwd: string): Promise<DetectedCli[]> {
  const childEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) childEnv[name] = value;
  return Promise.all(
    knownTools.map(async (tool): Promise<DetectedCli> => {
      const path = findExecutable(tool.binary, { configDir: cwd, path: env.PATH });
      if (path === undefined) return { tool };
      const version = await probeVersion(path, tool.versionArgs, cwd, childEnv).catch(() => undefined);
      return { tool, path, ...(version === undefined ? {} : { version }) };
    }),
  );
}

/** Every API-key variable llm-service knows of that is set (names only; values are never read further). */
export function apiKeysSet(env: Environment, extraNames: readonly string[] = []): string[] {
  const names = new Set<string>([
    ...knownTools.flatMap((tool) => tool.apiKeys),
    ...extraApiKeyNames,
    ...extraNames,
  ]);
  return [...names].filter((name) => Boolean(env[name])).sort();
}
