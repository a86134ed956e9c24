import { definePlugin, type PluginDefinition, type ToolAdapterV1 } from '@llm-service/spec';
import { lazyAdapter } from '@llm-service/plugin-kit';
import { version } from '../package.json';
import type { ClaudeTool } from './adapter/settings.js';
import { checkClaudeAgents } from './config/check-config.js';
import {
  CLAUDE_ADAPTER_ID,
  claudeAgentOptionsSchema,
  claudeToolSchema,
  type ClaudeAgentOptions,
} from './config/claude-schema.js';

export { baseFlags, buildArgs, type ClaudeArgsInput } from './argv/build-args.js';
export { checkClaudeAgents } from './config/check-config.js';
export {
  CLAUDE_ADAPTER_ID,
  claudeAgentOptionsSchema,
  claudeToolSchema,
  defaultClaudeRetries,
  permissionModes,
  type ClaudeAgentOptions,
  type ClaudeToolSettings,
  type PermissionMode,
} from './config/claude-schema.js';

/**
 * The claude adapter. Its code (detection, the run, the stream parser, failure classification) loads when a claude
 * tool is first detected or run, so an `exec` that uses another adapter does not load it.
 */
export function createClaudeAdapter(): ToolAdapterV1<ClaudeTool, ClaudeAgentOptions> {
  return lazyAdapter(
    CLAUDE_ADAPTER_ID,
    async () => (await import('./adapter/claude-adapter.js')).claudeAdapter,
  );
}

/** Runs the Claude Code CLI; importing it has no side effects, registering adds the adapter. */
const plugin: PluginDefinition = definePlugin({
  name: '@llm-service/adapter-claude',
  version,
  apiVersion: '^1.0.0',
  configSchema: {
    tools: { [CLAUDE_ADAPTER_ID]: claudeToolSchema },
    agentOptions: { [CLAUDE_ADAPTER_ID]: claudeAgentOptionsSchema },
    check: checkClaudeAgents,
  },
  register(context) {
    context.adapters.add(createClaudeAdapter());
  },
});

export default plugin;
