import { configFileNames, type AgentConfig, type ToolConfig } from '@llm-service/spec';
import { suggestName } from '@llm-service/plugin-kit';
import type { IssueCollector } from './issue-collector.js';

/** Splits a fallback entry at its first colon: `ollama:qwen2.5:7b` is tool `ollama`, model `qwen2.5:7b`. */
export function parseToolModel(entry: string): { tool: string; model: string } | undefined {
  const colon = entry.indexOf(':');
  if (colon <= 0 || colon === entry.length - 1) return undefined;
  return { tool: entry.slice(0, colon), model: entry.slice(colon + 1) };
}

/**
 * What the cross-reference checks look at. Names are every entry the files define, valid or not (so a broken tool is
 * not also reported as unknown); the records hold the entries that parsed well enough to check against. A list is
 * `undefined` when its file could not be read at all, and then nothing is checked against it.
 */
export interface CrossReferenceInput {
  agents: Record<string, AgentConfig>;
  toolNames: readonly string[] | undefined;
  tools: Record<string, ToolConfig>;
  modelNames: readonly string[] | undefined;
}

export function checkCrossReferences(collector: IssueCollector, input: CrossReferenceInput): void {
  const { agents, toolNames, tools, modelNames } = input;
  const agentsFile = configFileNames.agents;

  const checkToolModel = (path: readonly PropertyKey[], tool: string, model: string | undefined) => {
    const toolConfig = tools[tool];
    if (!toolConfig || model === undefined || toolConfig.models.includes(model)) return;
    collector.add(
      agentsFile,
      path,
      `model '${model}' is not one tool '${tool}' runs`,
      `${suggestName(model, toolConfig.models, `models of ${tool}`)}; or add it to tools.${tool}.models in tools.yaml`,
    );
  };
  const checkTool = (path: readonly PropertyKey[], tool: string) => {
    if (toolNames === undefined) return false;
    if (toolNames.includes(tool)) return true;
    collector.add(agentsFile, path, `unknown tool '${tool}'`, suggestName(tool, toolNames, 'tools'));
    return false;
  };

  for (const [agentName, agent] of Object.entries(agents)) {
    const base = ['agents', agentName];
    if (checkTool([...base, 'preferred_tool'], agent.preferred_tool)) {
      checkToolModel([...base, 'preferred_model'], agent.preferred_tool, agent.preferred_model);
    }
    for (const [taskType, route] of Object.entries(agent.task_types)) {
      const tool = route.tool ?? agent.preferred_tool;
      const routePath = [...base, 'task_types', taskType];
      if (
        route.tool === undefined ? toolNames?.includes(tool) : checkTool([...routePath, 'tool'], route.tool)
      ) {
        checkToolModel([...routePath, 'model'], tool, route.model);
      }
    }
    agent.fallback_chain.forEach((entry, index) => {
      const path = [...base, 'fallback_chain', index];
      const parsed = parseToolModel(entry);
      if (!parsed) {
        collector.add(
          agentsFile,
          path,
          `fallback entry '${entry}' is not tool:model`,
          `write it as "tool:model", e.g. "claude:claude-sonnet-4-5"`,
        );
        return;
      }
      if (checkTool(path, parsed.tool)) checkToolModel(path, parsed.tool, parsed.model);
    });
  }

  if (modelNames === undefined) return;
  for (const [toolName, tool] of Object.entries(tools)) {
    tool.models.forEach((model, index) => {
      if (!modelNames.includes(model)) {
        collector.add(
          configFileNames.tools,
          ['tools', toolName, 'models', index],
          `model '${model}' has no price in models.yaml`,
          `${suggestName(model, modelNames, 'models')}; or add '${model}:' with input_per_mtok and output_per_mtok to models.yaml`,
        );
      }
    });
  }
}
