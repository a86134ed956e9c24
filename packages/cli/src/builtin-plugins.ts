import adapterClaude from '@llm-service/adapter-claude';
import adapterCodex from '@llm-service/adapter-codex';
import adapterGemini from '@llm-service/adapter-gemini';
import adapterGenericYaml from '@llm-service/adapter-generic-yaml';
import adapterOpenAI from '@llm-service/adapter-openai';
import dashboard from '@llm-service/dashboard';
import policy from '@llm-service/policy';
import tasks from '@llm-service/tasks';
import telemetry from '@llm-service/telemetry';
import type { PluginDefinition } from '@llm-service/spec';

/** The first-party plugins this distribution always loads; `plugins:` in llm-service.yaml adds more. */
export const builtinPlugins: readonly PluginDefinition[] = [
  adapterGenericYaml,
  adapterClaude,
  adapterCodex,
  adapterGemini,
  adapterOpenAI,
  policy,
  telemetry,
  dashboard,
  tasks,
];
