import { existsSync } from 'node:fs';
import type { DetectResult, ToolConfig } from '@llm-service/spec';
import {
  childEnvironment,
  describeMissingBinary,
  describeMissingCredentials,
  findExecutable,
  missingCredentials,
  presentCredentials,
  probeVersion,
  workingDirectory,
  type Environment,
} from '@llm-service/plugin-kit';
import { genericYamlToolShape } from '../config/tool-schema.js';

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
    ...(missing.length === 0 ? {} : { problem: describeMissingCredentials(missing) }),
  };
}
