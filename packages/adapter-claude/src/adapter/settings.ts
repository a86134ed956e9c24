import { AdapterError, type ToolConfig } from '@llm-service/spec';
import {
  claudeAgentOptionsSchema,
  claudeToolSchema,
  type ClaudeAgentOptions,
  type ClaudeToolSettings,
} from '../config/claude-schema.js';

function problems(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${issue.message} (at ${path})` : issue.message;
    })
    .join('; ');
}

/**
 * This adapter's keys of a tool entry. The kernel hands over entries its config loader already validated, so this
 * normally just types them (and fills defaults); it also guards library callers that build a ToolConfig by hand.
 */
export function readToolSettings(toolId: string, tool: ToolConfig): ClaudeToolSettings {
  const parsed = claudeToolSchema.safeParse({ retry: tool.retry });
  if (parsed.success) return parsed.data;
  throw new AdapterError(
    'tool-error',
    `tools.yaml entry '${toolId}' is invalid: ${problems(parsed.error.issues)}`,
  );
}

/** `adapter_options.claude` of the agent; absent means no options. */
export function readAgentOptions(agent: string, options: unknown): ClaudeAgentOptions {
  const parsed = claudeAgentOptionsSchema.safeParse(options ?? {});
  if (parsed.success) return parsed.data;
  throw new AdapterError(
    'tool-error',
    `adapter_options.claude of agent '${agent}' is invalid: ${problems(parsed.error.issues)}`,
  );
}
