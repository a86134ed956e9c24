import type { DetectResult, ToolConfig } from '@llm-service/spec';
import {
  childEnvironment,
  detectInstalledTool,
  presentCredentials,
  type Environment,
} from '@llm-service/plugin-kit';
import { genericYamlToolShape } from '../config/tool-schema.js';

/** What `llm-service tools` shows: whether the binary is there, its version, and which credentials are present. */
export async function detectTool(
  tool: ToolConfig,
  context: { configDir: string; env: Environment },
): Promise<DetectResult> {
  const env = childEnvironment(context.env, tool);
  const versionArgs = genericYamlToolShape.version_args.safeParse(tool.version_args);
  // The version is shown as the tool prints it: a tools.yaml tool's output has no known shape.
  return detectInstalledTool(
    tool,
    { configDir: context.configDir, env },
    {
      credentials: presentCredentials(tool, env),
      versionArgs: versionArgs.success ? versionArgs.data : undefined,
    },
  );
}
