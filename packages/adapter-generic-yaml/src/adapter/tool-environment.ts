import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { AdapterError, findExecutable, type ToolConfig } from '@llm-service/core';

export type Environment = Readonly<Record<string, string | undefined>>;

/** The child's environment: the caller's (the kernel passes the process environment) with the tool's `env` on top. */
export function childEnvironment(base: Environment, tool: ToolConfig): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) if (value !== undefined) merged[name] = value;
  return Object.assign(merged, tool.env);
}

/**
 * `env_required` names the child would not get. Checked against the child's environment, so a key supplied through
 * the tool's own `env` counts; an empty value counts as unset, since no credential is empty.
 */
export function missingCredentials(tool: ToolConfig, env: Environment): string[] {
  return tool.env_required.filter((name) => !env[name]);
}

export function presentCredentials(tool: ToolConfig, env: Environment): string[] {
  return tool.env_required.filter((name) => Boolean(env[name]));
}

/** Never includes values: only names reach messages and logs. */
export function credentialsError(missing: readonly string[]): AdapterError {
  const names = missing.join(', ');
  return new AdapterError('auth', `${names} ${missing.length === 1 ? 'is' : 'are'} not set`);
}

export function describeMissingBinary(tool: ToolConfig, configDir: string): string {
  return tool.binary.includes('/')
    ? `binary '${tool.binary}' not found (no executable file at ${resolve(configDir, tool.binary)})`
    : `binary '${tool.binary}' not found on PATH`;
}

/** The absolute path to run; PATH comes from the child's environment so a tool's own `env.PATH` is honoured. */
export function locateBinary(tool: ToolConfig, configDir: string, env: Environment): string {
  const path = findExecutable(tool.binary, { configDir, path: env.PATH });
  if (path === undefined) throw new AdapterError('not-installed', describeMissingBinary(tool, configDir));
  return path;
}

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
