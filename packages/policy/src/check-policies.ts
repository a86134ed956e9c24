import type { ConfigCheckProblem, ResolvedConfig } from '@llm-service/spec';
import { suggestName } from '@llm-service/plugin-kit';
import { parseBudgetScope, POLICIES_FILE, type PoliciesFile } from './policies-schema.js';

const nouns = { agent: 'agents', tool: 'tools', model: 'models' } as const;
const sources = { agent: 'agents.yaml', tool: 'tools.yaml', model: 'models.yaml' } as const;

/**
 * Cross-reference checks of policies.yaml against the rest of the config: budget scopes name known agents, tools
 * or models, plan-limit rules name known tools, and the models cost optimisation picks have a price.
 */
export function checkPolicies(config: ResolvedConfig): ConfigCheckProblem[] {
  const policies = config.files[POLICIES_FILE] as PoliciesFile | undefined;
  if (!policies) return [];
  const known = {
    agent: Object.keys(config.agents),
    tool: Object.keys(config.tools),
    model: Object.keys(config.models),
  };
  const problems: ConfigCheckProblem[] = [];

  (policies.budgets ?? []).forEach((budget, index) => {
    const scope = parseBudgetScope(budget.scope);
    // A project is whatever name requests are recorded under, so any name may have a budget.
    if (!scope || !('name' in scope) || scope.kind === 'project') return;
    if (known[scope.kind].includes(scope.name)) return;
    problems.push({
      file: POLICIES_FILE,
      path: ['budgets', index, 'scope'],
      message: `budget scope '${budget.scope}' names an unknown ${scope.kind} '${scope.name}'`,
      suggestion: `${suggestName(scope.name, known[scope.kind], nouns[scope.kind])}; ${nouns[scope.kind]} are defined in ${sources[scope.kind]}`,
    });
  });

  (policies.plan_limits ?? []).forEach((rule, index) => {
    if (known.tool.includes(rule.tool)) return;
    problems.push({
      file: POLICIES_FILE,
      path: ['plan_limits', index, 'tool'],
      message: `plan-limit rule names an unknown tool '${rule.tool}'`,
      suggestion: `${suggestName(rule.tool, known.tool, 'tools')}; tools are defined in tools.yaml`,
    });
  });

  const optimization = policies.cost_optimization;
  const checkModel = (path: readonly PropertyKey[], model: string) => {
    if (known.model.includes(model)) return;
    problems.push({
      file: POLICIES_FILE,
      path,
      message: `model '${model}' has no price in models.yaml`,
      suggestion: `${suggestName(model, known.model, 'models')}; or add '${model}:' to models.yaml`,
    });
  };
  optimization?.simple_task_models.forEach((model, index) =>
    checkModel(['cost_optimization', 'simple_task_models', index], model),
  );
  for (const [taskType, model] of Object.entries(optimization?.task_type_models ?? {})) {
    checkModel(['cost_optimization', 'task_type_models', taskType], model);
  }
  return problems;
}
