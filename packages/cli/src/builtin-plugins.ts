import adapterClaude from '@llm-service/adapter-claude';
import adapterGenericYaml from '@llm-service/adapter-generic-yaml';
import dashboard from '@llm-service/dashboard';
import policy from '@llm-service/policy';
import tasks from '@llm-service/tasks';
import telemetry from '@llm-service/telemetry';
import type { PluginDefinition } from '@llm-service/spec';

/** The first-party plugins this distribution always loads; `plugins:` in llm-service.yaml adds more. */
export const builtinPlugins: readonly PluginDefinition[] = [
  adapterGenericYaml,
  adapterClaude,
  policy,
  telemetry,
  dashboard,
  tasks,
];
