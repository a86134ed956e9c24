import { coreToolShape, z, type InvocationRequest } from '@llm-service/spec';
import { invocationRequestFor } from '@llm-service/testkit/testing';
import type { GeminiTool } from '../../src/adapter/settings.js';
import {
  geminiAgentOptionsSchema,
  geminiToolSchema,
  type GeminiAgentOptions,
} from '../../src/config/gemini-schema.js';

// src/adapter/detect-gemini.test.ts takes its directories from here.
export { removeTemporaryDirectories, temporaryDirectory } from '@llm-service/testkit/testing';

export type GeminiRequest = InvocationRequest<GeminiTool, GeminiAgentOptions>;

/** The same merge core's config loader does for a tool with `adapter: gemini`. */
const mergedToolSchema = z.strictObject({ ...coreToolShape, ...geminiToolSchema.shape });

export function toolConfig(raw: Record<string, unknown>): GeminiTool {
  return mergedToolSchema.parse({
    adapter: 'gemini',
    binary: 'gemini',
    models: ['gemini-2.5-flash'],
    ...raw,
  });
}

/** One attempt's request as the kernel builds it for the gemini tool. */
export const invocationRequest = invocationRequestFor<GeminiTool, GeminiAgentOptions>({
  toolId: 'gemini',
  model: 'gemini-2.5-flash',
  parseOptions: (raw) => geminiAgentOptionsSchema.parse(raw),
});
