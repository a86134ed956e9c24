import { definePlugin, type PluginDefinition } from '@llm-service/core';
import { CLAUDE_ADAPTER_ID, claudeAgentOptionsSchema, claudeToolSchema } from './claude-schema.js';

export {
  CLAUDE_ADAPTER_ID,
  claudeAgentOptionsSchema,
  claudeToolSchema,
  type ClaudeAgentOptions,
} from './claude-schema.js';

/**
 * Runs the Claude Code CLI. This first version contributes the config schemas only and registers no adapter yet,
 * so the kernel refuses to run a tool with `adapter: claude` (naming this plugin) instead of pretending to.
 */
const plugin: PluginDefinition = definePlugin({
  name: '@llm-service/adapter-claude',
  version: '0.1.0',
  apiVersion: '^1.0.0',
  configSchema: {
    tools: { [CLAUDE_ADAPTER_ID]: claudeToolSchema },
    agentOptions: { [CLAUDE_ADAPTER_ID]: claudeAgentOptionsSchema },
  },
  register() {},
});

export default plugin;
