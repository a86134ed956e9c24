import { definePlugin, type PluginDefinition, type ToolAdapterV1 } from '@llm-service/spec';
import { lazyAdapter } from '@llm-service/plugin-kit';
import { version } from '../package.json';
import type { CodexTool } from './adapter/settings.js';
import { checkCodexAgents } from './config/check-config.js';
import {
  CODEX_ADAPTER_ID,
  codexAgentOptionsSchema,
  codexToolSchema,
  type CodexAgentOptions,
} from './config/codex-schema.js';

export { codexHints } from './adapter/hints.js';
export { checkCodexAgents } from './config/check-config.js';
export { baseFlags, buildArgs, tomlValue, type CodexArgsInput } from './argv/build-args.js';
export {
  CODEX_ADAPTER_ID,
  approvalPolicies,
  codexAgentOptionsSchema,
  codexToolSchema,
  sandboxModes,
  type ApprovalPolicy,
  type CodexAgentOptions,
  type CodexToolSettings,
  type SandboxMode,
} from './config/codex-schema.js';
export type { CodexTool } from './adapter/settings.js';

/**
 * The codex adapter. Its code (detection, the run, the event parser, failure classification) loads when a codex tool
 * is first detected or run, so an `exec` that uses another adapter does not load it.
 */
export function createCodexAdapter(): ToolAdapterV1<CodexTool, CodexAgentOptions> {
  return lazyAdapter(CODEX_ADAPTER_ID, async () => (await import('./adapter/codex-adapter.js')).codexAdapter);
}

/** Runs the Codex CLI; importing it has no side effects, registering adds the adapter. */
const plugin: PluginDefinition = definePlugin({
  name: '@llm-service/adapter-codex',
  version,
  apiVersion: '^1.8.0',
  configSchema: {
    tools: { [CODEX_ADAPTER_ID]: codexToolSchema },
    agentOptions: { [CODEX_ADAPTER_ID]: codexAgentOptionsSchema },
    check: checkCodexAgents,
  },
  register(context) {
    context.adapters.add(createCodexAdapter());
  },
});

export default plugin;
