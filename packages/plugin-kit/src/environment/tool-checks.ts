import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { AdapterError, type ToolConfig } from '@llm-service/spec';
import { findExecutable } from './find-executable.js';

/**
 * What every CLI adapter does before and around spawning its tool: build the child's environment, find the binary,
 * check the working directory and credentials, probe the version. Adapters may not import each other, so this
 * toolkit lives in the plugin kit beside `runTool`.
 */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The caller's environment (the kernel passes the process's), then `extra`, then the tool's own `env`, which wins. */
export function childEnvironment(
  base: Environment,
  tool: ToolConfig,
  extra: Environment = {},
): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const source of [base, extra]) {
    for (const [name, value] of Object.entries(source)) if (value !== undefined) merged[name] = value;
  }
  return Object.assign(merged, tool.env);
}

/** `env_required` names the child would not get; an empty value counts as unset, since no credential is empty. */
export function missingCredentials(tool: ToolConfig, env: Environment): string[] {
  return tool.env_required.filter((name) => !env[name]);
}

export function presentCredentials(tool: ToolConfig, env: Environment): string[] {
  return tool.env_required.filter((name) => Boolean(env[name]));
}

/** Names only, never values, reach messages and logs. */
export function describeMissingCredentials(missing: readonly string[]): string {
  return `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set`;
}

export function credentialsError(missing: readonly string[]): AdapterError {
  return new AdapterError('auth', describeMissingCredentials(missing));
}

/** `installHint` is appended for a name looked up on PATH, e.g. how to install the tool. */
export function describeMissingBinary(tool: ToolConfig, configDir: string, installHint?: string): string {
  return tool.binary.includes('/')
    ? `binary '${tool.binary}' not found (no executable file at ${resolve(configDir, tool.binary)})`
    : `binary '${tool.binary}' not found on PATH${installHint ? ` (${installHint})` : ''}`;
}

/** The absolute path to run; PATH comes from the child's environment so a tool's own `env.PATH` is honoured. */
export function locateBinary(
  tool: ToolConfig,
  configDir: string,
  env: Environment,
  installHint?: string,
): string {
  const path = findExecutable(tool.binary, { configDir, path: env.PATH });
  if (path === undefined)
    throw new AdapterError('not-installed', describeMissingBinary(tool, configDir, installHint));
  return path;
}

/** The tool's `cwd`, relative to the config directory. */
export function workingDirectory(tool: ToolConfig, configDir: string): string {
  return resolve(configDir, tool.cwd ?? '.');
}

/**
 * Checked before spawning because a missing cwd makes spawn fail with ENOENT, which would otherwise read as a
 * missing binary.
 */
export function assertWorkingDirectory(directory: string, toolId: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch {
    // ENOENT, ENOTDIR (a file on the way), EACCES: all mean the tool cannot start there.
    isDirectory = false;
  }
  if (!isDirectory) {
    throw new AdapterError(
      'tool-error',
      `working directory '${directory}' of tool '${toolId}' does not exist or is not a directory`,
    );
  }
}
