import { definePlugin, type PluginDefinition, type ToolAdapterV1 } from '@llm-service/spec';
import { lazyAdapter } from '@llm-service/plugin-kit';
import { version } from '../package.json';
import type { OpenAITool } from './adapter/settings.js';
import {
  OPENAI_ADAPTER_ID,
  openaiAgentOptionsSchema,
  openaiToolSchema,
  type OpenAIAgentOptions,
} from './config/openai-schema.js';

export type { OpenAITool } from './adapter/settings.js';
export {
  defaultOpenAIRetries,
  httpBinary,
  OPENAI_ADAPTER_ID,
  openaiAgentOptionsSchema,
  openaiToolSchema,
  type OpenAIAgentOptions,
  type OpenAIToolSettings,
} from './config/openai-schema.js';

/**
 * The openai adapter. Its code (detection, the request, the event-stream reader, failure classification) loads when
 * an openai tool is first detected or run, so an `exec` that uses another adapter does not load it.
 */
export function createOpenAIAdapter(): ToolAdapterV1<OpenAITool, OpenAIAgentOptions> {
  return lazyAdapter(
    OPENAI_ADAPTER_ID,
    async () => (await import('./adapter/openai-adapter.js')).openaiAdapter,
  );
}

/**
 * Calls OpenAI-compatible Chat Completions APIs over HTTP; importing it has no side effects, registering adds the
 * adapter. It needs plugin API 1.8 for the `plan-limit` and `context-too-long` kinds and for `resetsAt`, which lets
 * the kernel wait out a 429's Retry-After before retrying.
 */
const plugin: PluginDefinition = definePlugin({
  name: '@llm-service/adapter-openai',
  version,
  apiVersion: '^1.8.0',
  configSchema: {
    tools: { [OPENAI_ADAPTER_ID]: openaiToolSchema },
    agentOptions: { [OPENAI_ADAPTER_ID]: openaiAgentOptionsSchema },
  },
  register(context) {
    context.adapters.add(createOpenAIAdapter());
  },
});

export default plugin;
