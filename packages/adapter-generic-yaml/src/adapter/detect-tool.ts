import { existsSync } from 'node:fs';
import { findExecutable, runTool, type DetectResult, type ToolConfig } from '@llm-service/core';
import { genericYamlToolShape } from '../config/tool-schema.js';
import {
  childEnvironment,
  describeMissingBinary,
  missingCredentials,
  presentCredentials,
  workingDirectory,
  type Environment,
} from './tool-environment.js';

/** A version probe that hangs (a tool waiting for a login prompt, say) must not hang `llm-service tools`. */
export const versionTimeoutMs = 5_000;
const maxVersionLength = 200;

function firstLine(text: string): string | undefined {
  const line = text
    .split(/\r?\n/)
    .map((candidate) => candidate.trim())
    .find((candidate) => candidate.length > 0);
  return line?.slice(0, maxVersionLength);
}

async function probeVersion(
  file: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string>,
): Promise<string | undefined> {
  const result = await runTool({
    file,
    args,
    cwd,
    env,
    timeoutMs: versionTimeoutMs,
    signal: new AbortController().signal,
    killGraceMs: 500,
    collectStdout: true,
    maxStderrBytes: 4096,
  });
  // A non-zero exit usually means the flag is unknown and the output is a usage text, not a version.
  if (result.spawnError || result.timedOut || result.exitCode !== 0) return undefined;
  // Some tools print their version on stderr.
  return firstLine(result.stdout.toString('utf8')) ?? firstLine(result.stderr);
}

/** What `llm-service tools` shows: whether the binary is there, its version, and which credentials are present. */
export async function detectTool(
  tool: ToolConfig,
  context: { configDir: string; env: Environment },
): Promise<DetectResult> {
  const env = childEnvironment(context.env, tool);
  const credentials = presentCredentials(tool, env);
  const path = findExecutable(tool.binary, { configDir: context.configDir, path: env.PATH });
  if (path === undefined) {
    return { installed: false, credentials, problem: describeMissingBinary(tool, context.configDir) };
  }
  const versionArgs = genericYamlToolShape.version_args.safeParse(tool.version_args);
  const configuredCwd = workingDirectory(tool, context.configDir);
  const cwd = existsSync(configuredCwd) ? configuredCwd : context.configDir;
  const version = await probeVersion(path, versionArgs.success ? versionArgs.data : ['--version'], cwd, env);
  const missing = missingCredentials(tool, env);
  return {
    installed: true,
    path,
    ...(version === undefined ? {} : { version }),
    credentials,
    ...(missing.length === 0
      ? {}
      : { problem: `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set` }),
  };
}
