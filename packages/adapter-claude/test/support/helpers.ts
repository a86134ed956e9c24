import { coreToolShape, z, type InvocationRequest } from '@llm-service/spec';
import { invocationRequestFor } from '@llm-service/testkit/testing';
import type { ClaudeTool } from '../../src/adapter/settings.js';
import {
  claudeAgentOptionsSchema,
  claudeToolSchema,
  type ClaudeAgentOptions,
} from '../../src/config/claude-schema.js';

export type ClaudeRequest = InvocationRequest<ClaudeTool, ClaudeAgentOptions>;

/** The same merge core's config loader does for a tool with `adapter: claude`. */
const mergedToolSchema = z.strictObject({ ...coreToolShape, ...claudeToolSchema.shape });

export function toolConfig(raw: Record<string, unknown>): ClaudeTool {
  return mergedToolSchema.parse({
    adapter: 'claude',
    binary: 'claude',
    models: ['claude-sonnet-4-5'],
    ...raw,
  });
}

/** One attempt's request as the kernel builds it for the claude tool. */
export const invocationRequest = invocationRequestFor<ClaudeTool, ClaudeAgentOptions>({
  toolId: 'claude',
  model: 'claude-sonnet-4-5',
  parseOptions: (raw) => claudeAgentOptionsSchema.parse(raw),
});

/** `request` with an agent's raw `adapter_options.claude`, validated as the config loader would. */
export function withAgentOptions(request: ClaudeRequest, raw: unknown): ClaudeRequest {
  return { ...request, adapterOptions: claudeAgentOptionsSchema.parse(raw) };
}
