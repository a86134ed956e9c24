import type { CommandV1 } from '@llm-service/spec';

/** `budget`: declared statically (for --help); its implementation loads on first run. */
export const budgetCommand: CommandV1 = {
  specificationVersion: 'v1',
  name: 'budget',
  summary:
    'show every budget of policies.yaml (spent, limit, use, mode, time to reset) and the plan windows of subscriptions',
  options: [
    { flags: '--chain-id <id>', description: 'show chain budgets for this chain id' },
    {
      flags: '--all-projects',
      description: "show a `project` budget for every project that spent this month, not only this config's",
    },
    { flags: '--json', description: 'print the report as JSON (shape documented in @llm-service/policy)' },
  ],
  async run(input) {
    const { runBudget } = await import('./run-budget.js');
    return runBudget(input);
  },
};

/** `simulate`: replays requests through routing and model selection, without running tools. */
export const simulateCommand: CommandV1 = {
  specificationVersion: 'v1',
  name: 'simulate',
  summary: 'replay a workload or recorded requests through routing and policies, and compare costs',
  options: [
    {
      flags: '--workload <file>',
      description: 'JSONL, one request a line: agent, task_type, prompt_tokens, output_tokens',
    },
    {
      flags: '--from-telemetry',
      description: 'replay the successful requests recorded in telemetry (with --since)',
    },
    {
      flags: '--since <date>',
      description: 'with --from-telemetry: from this UTC day (YYYY-MM-DD) or ISO time',
    },
    { flags: '--policies <file>', description: 'candidate policies.yaml to compare with the current one' },
    { flags: '--json', description: 'print the report as JSON (shape documented in @llm-service/policy)' },
  ],
  async run(input) {
    const { runSimulate } = await import('../simulate/run-simulate.js');
    return runSimulate(input);
  },
};
