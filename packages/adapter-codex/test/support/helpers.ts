import { coreToolShape, z, type InvocationRequest } from '@llm-service/spec';
import { invocationRequestFor } from '@llm-service/testkit/testing';
import type { CodexTool } from '../../src/adapter/settings.js';
import {
  codexAgentOptionsSchema,
  codexToolSchema,
  type CodexAgentOptions,
} from '../../src/config/codex-schema.js';

export type CodexRequest = InvocationRequest<CodexTool, CodexAgentOptions>;

/** The same merge core's config loader does for a tool with `adapter: codex`. */
const mergedToolSchema = z.strictObject({ ...coreToolShape, ...codexToolSchema.shape });

export function toolConfig(raw: Record<string, unknown>): CodexTool {
  return mergedToolSchema.parse({ adapter: 'codex', binary: 'codex', models: ['gpt-5.5'], ...raw });
}

/** One attempt's request as the kernel builds it for the codex tool. */
export const invocationRequest = invocationRequestFor<CodexTool, CodexAgentOptions>({
  toolId: 'codex',
  model: 'gpt-5.5',
  parseOptions: (raw) => codexAgentOptionsSchema.parse(raw),
});
