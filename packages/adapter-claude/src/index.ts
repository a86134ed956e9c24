import { definePlugin, type PluginDefinition } from '@llm-service/spec';
import { version } from '../package.json';
import { createClaudeAdapter } from './adapter/claude-adapter.js';
import { checkClaudeAgents } from './config/check-config.js';
import { CLAUDE_ADAPTER_ID, claudeAgentOptionsSchema, claudeToolSchema } from './config/claude-schema.js';

export { createClaudeAdapter } from './adapter/claude-adapter.js';
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
