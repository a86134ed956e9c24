import {
  UsageError,
  type Candidate,
  type ResolvedConfig,
  type RoutePlan,
  type RouteRequest,
} from '@llm-service/spec';
import { parseToolModel } from '@llm-service/config';
import { closestMatch, suggestName } from '@llm-service/plugin-kit';

function firstModelOf(config: ResolvedConfig, tool: string): string {
  const model = config.tools[tool]?.models[0];
  if (model === undefined) throw new UsageError(`tool '${tool}' lists no models`);
  return model;
}

function assertToolRunsModel(config: ResolvedConfig, tool: string, model: string, flag: string): void {
  const models = config.tools[tool]?.models ?? [];
  if (!models.includes(model)) {
    throw new UsageError(`${flag}: model '${model}' is not one tool '${tool}' runs`, {
      hint: suggestName(model, models, `models of ${tool}`),
    });
  }
}

/**
 * The ordered candidates for a request (DESIGN section 3). A pure function of config and request, so `route` shows
 * exactly what `exec` would try.
 */
export function planRoute(config: ResolvedConfig, request: RouteRequest): RoutePlan {
  const agent = config.agents[request.agent];
  if (!agent) {
    throw new UsageError(`unknown agent '${request.agent}'`, {
      hint: suggestName(request.agent, Object.keys(config.agents), 'agents'),
    });
  }

  const candidates: Candidate[] = [];
  let explicit = false;
  // A task type the agent maps is an explicit route; any other task type keeps the preferred candidate (DESIGN
  // section 3), which policies may then rewrite (e.g. `task_type_models` of cost optimisation), the same for every
  // agent, with a notice: a typo would otherwise go unnoticed.
  const route = request.taskType === undefined ? undefined : agent.task_types[request.taskType];
  let notice: string | undefined;
  if (request.taskType !== undefined && !route) {
    const known = Object.keys(agent.task_types);
    const close = closestMatch(request.taskType, known);
    notice =
      `agent '${request.agent}' has no task type '${request.taskType}'` +
      `${close === undefined ? '' : ` (did you mean '${close}'?)`}; using its preferred tool and model`;
  }
  if (route) {
    const tool = route.tool ?? agent.preferred_tool;
    const model =
      route.model ??
      (route.tool ? firstModelOf(config, tool) : (agent.preferred_model ?? firstModelOf(config, tool)));
    candidates.push({ tool, model, reason: 'task_type' });
    explicit = true;
  } else {
    const tool = agent.preferred_tool;
    candidates.push({
      tool,
      model: agent.preferred_model ?? firstModelOf(config, tool),
      reason: 'preferred',
    });
  }
  for (const entry of agent.fallback_chain) {
    const parsed = parseToolModel(entry);
    if (parsed) candidates.push({ ...parsed, reason: 'fallback' });
  }

  if (request.tool !== undefined || request.model !== undefined) {
    candidates[0] = overrideCandidate(config, candidates, request.tool, request.model);
    explicit = true;
  }

  const unique: Candidate[] = [];
  for (const candidate of candidates) {
    if (!unique.some((seen) => seen.tool === candidate.tool && seen.model === candidate.model))
      unique.push(candidate);
  }
  return {
    agent: request.agent,
    candidates: request.noFallback ? unique.slice(0, 1) : unique,
    explicit,
    ...(notice === undefined ? {} : { notice }),
  };
}

function overrideCandidate(
  config: ResolvedConfig,
  candidates: readonly Candidate[],
  tool: string | undefined,
  model: string | undefined,
): Candidate {
  if (tool !== undefined && !config.tools[tool]) {
    throw new UsageError(`--tool: unknown tool '${tool}'`, {
      hint: suggestName(tool, Object.keys(config.tools), 'tools'),
    });
  }
  if (tool !== undefined && model !== undefined) {
    assertToolRunsModel(config, tool, model, '--model');
    return { tool, model, reason: 'override' };
  }
  if (tool !== undefined) {
    const onTool = candidates.find((candidate) => candidate.tool === tool);
    return { tool, model: onTool?.model ?? firstModelOf(config, tool), reason: 'override' };
  }
  const first = candidates[0];
  if (!first || model === undefined) throw new UsageError('nothing to override');
  assertToolRunsModel(config, first.tool, model, '--model');
  return { tool: first.tool, model, reason: 'override' };
}
