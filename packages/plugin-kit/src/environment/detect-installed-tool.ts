import { existsSync } from 'node:fs';
import type { DetectResult, ToolConfig } from '@llm-service/spec';
import { findExecutable } from './find-executable.js';
import {
  describeMissingBinary,
  describeMissingCredentials,
  missingCredentials,
  workingDirectory,
} from './tool-checks.js';
import { probeVersion } from './version-probe.js';

/** What the adapter found out itself before the binary is looked for: names only, never values. */
export interface DetectFindings {
  /** The credential sources the tool would use (see `credentialNames`). */
  credentials: string[];
  /**
   * Why the tool cannot authenticate as configured (no login, an auth setting), shown once the binary is found. A
   * tool's unset `env_required` variables are named instead: setting those comes first.
   */
  problem?: string | undefined;
  /** Appended to "binary 'x' not found on PATH": how to install the tool. */
  installHint?: string | undefined;
  /** The version flag; `--version` when absent. */
  versionArgs?: readonly string[] | undefined;
  /** The version in the probe's first line; without it, that line is shown as it is. */
  parseVersion?: ((line: string) => string | undefined) | undefined;
}

/**
 * What `llm-service tools` shows for a CLI tool: whether its binary is there (looked up on the child's PATH), its
 * version, the credentials it would find and what stands in its way. The version probe runs in the tool's working
 * directory, or in the config directory when that does not exist yet (detection reports, it does not fail).
 */
export async function detectInstalledTool(
  tool: ToolConfig,
  context: { configDir: string; env: Record<string, string> },
  findings: DetectFindings,
): Promise<DetectResult> {
  const { credentials } = findings;
  const path = findExecutable(tool.binary, { configDir: context.configDir, path: context.env.PATH });
  if (path === undefined) {
    return {
      installed: false,
      credentials,
      problem: describeMissingBinary(tool, context.configDir, findings.installHint),
    };
  }
  const configuredCwd = workingDirectory(tool, context.configDir);
  const cwd = existsSync(configuredCwd) ? configuredCwd : context.configDir;
  const versionLine = await probeVersion(path, findings.versionArgs ?? ['--version'], cwd, context.env);
  const version =
    versionLine === undefined || findings.parseVersion === undefined
      ? versionLine
      : findings.parseVersion(versionLine);
  const missing = missingCredentials(tool, context.env);
  const problem = missing.length > 0 ? describeMissingCredentials(missing) : findings.problem;
  return {
    installed: true,
    path,
    ...(version === undefined ? {} : { version }),
    credentials,
    ...(problem === undefined ? {} : { problem }),
  };
}

/** How `credentials` names a login the tool stored itself (`claude /login`, `codex login`): never what it holds. */
export const loggedInSession = 'logged-in session';

/**
 * The names of the credential sources a tool would find, never their values: the `variables` it reads that are set,
 * then the tool's `env_required` that are set, then `others` (a login the adapter found, say); each name once.
 */
export function credentialNames(
  tool: ToolConfig,
  env: Readonly<Record<string, string | undefined>>,
  variables: readonly string[],
  others: readonly string[] = [],
): string[] {
  const set = (name: string) => Boolean(env[name]);
  return [...new Set([...variables.filter(set), ...tool.env_required.filter(set), ...others])];
}
