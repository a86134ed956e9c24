import { definePlugin, type PluginDefinition, type ToolAdapterV1 } from '@llm-service/spec';
import { lazyAdapter } from '@llm-service/plugin-kit';
import { version } from '../package.json';
import type { GeminiTool } from './adapter/settings.js';
import {
  GEMINI_ADAPTER_ID,
  geminiAgentOptionsSchema,
  geminiToolSchema,
  type GeminiAgentOptions,
} from './config/gemini-schema.js';

export { baseFlags, buildArgs, type GeminiArgsInput } from './argv/build-args.js';
export {
  approvalModes,
  GEMINI_ADAPTER_ID,
  geminiAgentOptionsSchema,
  geminiToolSchema,
  type ApprovalMode,
  type GeminiAgentOptions,
  type GeminiToolSettings,
} from './config/gemini-schema.js';

/**
 * The gemini adapter. Its code (detection, the run, the stream parser, failure classification) loads when a gemini
 * tool is first detected or run, so an `exec` that uses another adapter does not load it.
 */
export function createGeminiAdapter(): ToolAdapterV1<GeminiTool, GeminiAgentOptions> {
  return lazyAdapter(
    GEMINI_ADAPTER_ID,
    async () => (await import('./adapter/gemini-adapter.js')).geminiAdapter,
  );
}

/** Runs the Gemini CLI headless; importing it has no side effects, registering adds the adapter. */
const plugin: PluginDefinition = definePlugin({
  name: '@llm-service/adapter-gemini',
  version,
  apiVersion: '^1.8.0',
  configSchema: {
    tools: { [GEMINI_ADAPTER_ID]: geminiToolSchema },
    agentOptions: { [GEMINI_ADAPTER_ID]: geminiAgentOptionsSchema },
  },
  register(context) {
    context.adapters.add(createGeminiAdapter());
  },
});

export default plugin;
