import { knownTool, modelPrices, pricesAsOf, type ModelListPrice } from './catalogue.js';

/** What init writes, whether from a named template or from the wizard's answers. */
export interface InitPlan {
  /** The template (or `wizard`) named in each file's header. */
  origin: string;
  tools: readonly string[];
  agents: Readonly<Record<string, AgentPlan>>;
  budgets: readonly BudgetPlan[];
  costOptimization?: {
    thresholdTokens: number;
    simpleTaskModels: readonly string[];
    taskTypeModels?: Readonly<Record<string, string>>;
  };
}

export interface AgentPlan {
  description: string;
  tool: string;
  model: string;
  fallback?: readonly string[];
  taskTypes?: Readonly<Record<string, { tool?: string; model?: string }>>;
  claudeOptions?: { allowed_tools?: readonly string[]; permission_mode?: string };
}

export interface BudgetPlan {
  scope: string;
  period: 'daily' | 'weekly' | 'monthly';
  limitUsd: number;
  alertAtPercent?: number;
  mode: 'soft' | 'hard';
  comment?: string;
}

export interface TemplateInfo {
  name: string;
  summary: string;
  /** When to pick it (shown by `init --help` and documented in docs/getting-started.md). */
  pickWhen: string;
  plan: InitPlan;
}

export const templates: readonly TemplateInfo[] = [
  {
    name: 'quick-start',
    summary: 'Claude Code, Codex and Gemini CLI with three agents that fall back across tools',
    pickWhen: 'you have (or will have) more than one LLM CLI and want sensible defaults to edit',
    plan: {
      origin: 'quick-start',
      tools: ['claude', 'codex', 'gemini'],
      agents: {
        architect: {
          description: 'Designs systems and reviews plans',
          tool: 'claude',
          model: 'claude-opus-4-6',
          fallback: ['codex:gpt-5.5', 'gemini:gemini-3.1-pro-preview'],
          taskTypes: { review: { model: 'claude-sonnet-4-6' } },
        },
        'backend-dev': {
          description: 'Writes and fixes server code',
          tool: 'codex',
          model: 'gpt-5.5',
          fallback: ['claude:claude-sonnet-4-6'],
          taskTypes: { quick: { model: 'gpt-5.4-mini' } },
        },
        writer: {
          description: 'Writes docs and release notes',
          tool: 'claude',
          model: 'claude-sonnet-4-6',
          fallback: ['gemini:gemini-3-flash-preview'],
          taskTypes: { docs: { tool: 'gemini', model: 'gemini-3-flash-preview' } },
        },
      },
      budgets: [
        { scope: 'global', period: 'daily', limitUsd: 20, alertAtPercent: 80, mode: 'hard' },
        { scope: 'global', period: 'monthly', limitUsd: 300, alertAtPercent: 80, mode: 'soft' },
      ],
    },
  },
  {
    name: 'claude-only',
    summary: 'Claude Code alone: Opus for design, Sonnet for code, Haiku for small jobs',
    pickWhen: 'Claude Code is the only LLM CLI your team uses (a subscription or ANTHROPIC_API_KEY)',
    plan: {
      origin: 'claude-only',
      tools: ['claude'],
      agents: {
        architect: {
          description: 'Designs systems and reviews plans',
          tool: 'claude',
          model: 'claude-opus-4-6',
          fallback: ['claude:claude-sonnet-4-6'],
        },
        'backend-dev': {
          description: 'Writes and fixes server code',
          tool: 'claude',
          model: 'claude-sonnet-4-6',
          fallback: ['claude:claude-haiku-4-5'],
          taskTypes: { quick: { model: 'claude-haiku-4-5' } },
        },
        reviewer: {
          description: 'Reviews changes without editing files',
          tool: 'claude',
          model: 'claude-sonnet-4-6',
          claudeOptions: { allowed_tools: ['Read', 'Grep', 'Glob'], permission_mode: 'plan' },
        },
        writer: {
          description: 'Writes docs and release notes',
          tool: 'claude',
          model: 'claude-haiku-4-5',
          fallback: ['claude:claude-sonnet-4-6'],
        },
      },
      budgets: [
        { scope: 'global', period: 'daily', limitUsd: 15, alertAtPercent: 80, mode: 'hard' },
        {
          scope: 'agent:architect',
          period: 'monthly',
          limitUsd: 150,
          mode: 'soft',
          comment: 'Opus is the premium model',
        },
      ],
    },
  },
  {
    name: 'cost-optimized',
    summary:
      'cheap models first, small prompts on the cheapest model, a local Ollama fallback, tight hard budgets',
    pickWhen: 'spend matters more than peak quality, or you run many small automated requests',
    plan: {
      origin: 'cost-optimized',
      tools: ['claude', 'codex', 'gemini', 'ollama'],
      agents: {
        architect: {
          description: 'Designs systems and reviews plans',
          tool: 'claude',
          model: 'claude-sonnet-4-6',
          fallback: ['gemini:gemini-3.1-pro-preview'],
        },
        'backend-dev': {
          description: 'Writes and fixes server code',
          tool: 'codex',
          model: 'gpt-5.4-mini',
          fallback: ['gemini:gemini-3-flash-preview', 'ollama:qwen2.5-coder:7b'],
        },
        writer: {
          description: 'Writes docs and release notes',
          tool: 'gemini',
          model: 'gemini-3-flash-preview',
          fallback: ['claude:claude-haiku-4-5', 'ollama:qwen2.5-coder:7b'],
        },
      },
      budgets: [
        { scope: 'global', period: 'daily', limitUsd: 5, alertAtPercent: 70, mode: 'hard' },
        { scope: 'global', period: 'monthly', limitUsd: 60, alertAtPercent: 80, mode: 'hard' },
        {
          scope: 'chain',
          period: 'daily',
          limitUsd: 1,
          mode: 'hard',
          comment: 'each workflow run (--chain-id) on its own',
        },
      ],
      costOptimization: {
        thresholdTokens: 1500,
        simpleTaskModels: ['claude-haiku-4-5', 'gpt-5.4-mini', 'gemini-3-flash-preview'],
        taskTypeModels: { docs: 'gemini-3-flash-preview' },
      },
    },
  },
  {
    name: 'development',
    summary:
      'a software team: planner, architect, developers, reviewer, tester and writer, with per-agent budgets',
    pickWhen:
      'you run multi-agent development workflows (plan, build, review, test) and want spend per agent and per run',
    plan: {
      origin: 'development',
      tools: ['claude', 'codex', 'gemini'],
      agents: {
        planner: {
          description: 'Breaks a feature into tasks',
          tool: 'claude',
          model: 'claude-sonnet-4-6',
          fallback: ['gemini:gemini-3.1-pro-preview'],
        },
        architect: {
          description: 'Designs systems and reviews plans',
          tool: 'claude',
          model: 'claude-opus-4-6',
          fallback: ['codex:gpt-5.5', 'claude:claude-sonnet-4-6'],
          taskTypes: { review: { model: 'claude-sonnet-4-6' } },
        },
        'backend-dev': {
          description: 'Writes and fixes server code',
          tool: 'codex',
          model: 'gpt-5.5',
          fallback: ['claude:claude-sonnet-4-6'],
          taskTypes: {
            quick: { model: 'gpt-5.4-mini' },
            tests: { tool: 'claude', model: 'claude-sonnet-4-6' },
          },
        },
        'frontend-dev': {
          description: 'Builds user interfaces',
          tool: 'claude',
          model: 'claude-sonnet-4-6',
          fallback: ['codex:gpt-5.5'],
        },
        reviewer: {
          description: 'Reviews changes without editing files',
          tool: 'claude',
          model: 'claude-sonnet-4-6',
          fallback: ['gemini:gemini-3.1-pro-preview'],
          claudeOptions: { allowed_tools: ['Read', 'Grep', 'Glob'], permission_mode: 'plan' },
        },
        tester: {
          description: 'Writes and runs tests',
          tool: 'codex',
          model: 'gpt-5.4-mini',
          fallback: ['claude:claude-haiku-4-5'],
        },
        writer: {
          description: 'Writes docs and release notes',
          tool: 'gemini',
          model: 'gemini-3-flash-preview',
          fallback: ['claude:claude-haiku-4-5'],
        },
      },
      budgets: [
        { scope: 'global', period: 'daily', limitUsd: 40, alertAtPercent: 80, mode: 'hard' },
        { scope: 'global', period: 'monthly', limitUsd: 600, alertAtPercent: 75, mode: 'soft' },
        { scope: 'agent:architect', period: 'monthly', limitUsd: 200, mode: 'soft' },
        { scope: 'agent:backend-dev', period: 'monthly', limitUsd: 150, mode: 'soft' },
        {
          scope: 'chain',
          period: 'daily',
          limitUsd: 5,
          mode: 'hard',
          comment: 'each workflow run (--chain-id) on its own',
        },
      ],
    },
  },
];

export const templateNames = templates.map((template) => template.name);

/** The relative path from a config file to its JSON Schema (see `config schema`). */
export const schemaDirName = '.schemas';
export function schemaFileName(configFile: string): string {
  return configFile.replace(/\.yaml$/, '.schema.json');
}

/** A YAML scalar: plain when unambiguous, else double-quoted (JSON strings are valid YAML). */
export function yamlScalar(value: string | number | boolean): string {
  if (typeof value !== 'string') return String(value);
  return /^[A-Za-z_][A-Za-z0-9._/-]*$/.test(value) && !/^(true|false|null|yes|no|on|off|y|n|~)$/i.test(value)
    ? value
    : JSON.stringify(value);
}

/** A scalar in block context (a description): plain prose reads better than quotes when YAML allows it. */
export function yamlBlockScalar(value: string): string {
  return /^[A-Za-z][A-Za-z0-9 ,.()/-]*[A-Za-z0-9.)]$/.test(value) ? value : JSON.stringify(value);
}

const flowList = (values: readonly string[]) => `[${values.map(yamlScalar).join(', ')}]`;

function header(file: string, plan: InitPlan, what: string): string[] {
  return [
    `# yaml-language-server: $schema=./${schemaDirName}/${schemaFileName(file)}`,
    `# ${what}`,
    `# Written by \`llm-service init\` (${plan.origin}); check with \`llm-service config validate\`.`,
    'version: 1',
  ];
}

/** Every model the plan's tools run, in the catalogue's order. */
function modelsOfTool(toolId: string): readonly string[] {
  return knownTool(toolId)?.models ?? [];
}

function renderAgents(plan: InitPlan): string {
  const lines = [
    ...header('agents.yaml', plan, 'Agents: who asks, and which tool and model each prefers.'),
    'agents:',
  ];
  for (const [name, agent] of Object.entries(plan.agents)) {
    lines.push(`  ${yamlScalar(name)}:`);
    lines.push(`    description: ${yamlBlockScalar(agent.description)}`);
    lines.push(`    preferred_tool: ${yamlScalar(agent.tool)}`);
    lines.push(`    preferred_model: ${yamlScalar(agent.model)}`);
    if (agent.fallback && agent.fallback.length > 0)
      lines.push(`    fallback_chain: ${flowList(agent.fallback)} # tool:model, tried in order`);
    const taskTypes = Object.entries(agent.taskTypes ?? {});
    if (taskTypes.length > 0) {
      lines.push('    task_types: # chosen with --task-type');
      for (const [taskType, route] of taskTypes) {
        const parts = [
          ...(route.tool ? [`tool: ${yamlScalar(route.tool)}`] : []),
          ...(route.model ? [`model: ${yamlScalar(route.model)}`] : []),
        ];
        lines.push(`      ${yamlScalar(taskType)}: { ${parts.join(', ')} }`);
      }
    }
    if (agent.claudeOptions) {
      const options = agent.claudeOptions;
      lines.push('    adapter_options:');
      lines.push('      claude:');
      if (options.allowed_tools) lines.push(`        allowed_tools: ${flowList(options.allowed_tools)}`);
      if (options.permission_mode)
        lines.push(`        permission_mode: ${yamlScalar(options.permission_mode)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function renderTools(plan: InitPlan): string {
  const lines = [
    ...header(
      'tools.yaml',
      plan,
      'Tools: how each LLM CLI is run. Never through a shell; placeholders fill one argument each.',
    ),
    'tools:',
  ];
  for (const id of plan.tools) {
    const tool = knownTool(id);
    if (!tool) continue;
    lines.push(`  ${yamlScalar(id)}:`);
    for (const entryLine of tool.entry) lines.push(`    ${entryLine}`);
    lines.push(`    models: ${flowList(modelsOfTool(id))}`);
    lines.push(`    timeout_s: ${id === 'ollama' ? 300 : 900}`);
  }
  return `${lines.join('\n')}\n`;
}

function renderPrice(name: string, price: ModelListPrice): string {
  const fields = [
    `provider: ${yamlScalar(price.provider)}`,
    `input_per_mtok: ${price.input_per_mtok}`,
    `output_per_mtok: ${price.output_per_mtok}`,
    ...(price.cache_read_per_mtok === undefined ? [] : [`cache_read_per_mtok: ${price.cache_read_per_mtok}`]),
    ...(price.cache_write_per_mtok === undefined
      ? []
      : [`cache_write_per_mtok: ${price.cache_write_per_mtok}`]),
    ...(price.context_window === undefined ? [] : [`context_window: ${price.context_window}`]),
    `tier: ${price.tier}`,
  ];
  return `  ${yamlScalar(name)}: { ${fields.join(', ')} }`;
}

function renderModels(plan: InitPlan): string {
  const lines = [
    ...header(
      'models.yaml',
      plan,
      'Models: list prices in USD per million tokens (prompts up to 200k tokens). Update them when providers change prices.',
    ),
    `prices_as_of: ${pricesAsOf}`,
    'models:',
  ];
  const prices: Readonly<Record<string, ModelListPrice>> = modelPrices;
  for (const id of plan.tools) {
    for (const model of modelsOfTool(id)) {
      const price = prices[model];
      if (price) lines.push(renderPrice(model, price));
    }
  }
  return `${lines.join('\n')}\n`;
}

function renderPolicies(plan: InitPlan): string {
  const lines = [
    ...header(
      'policies.yaml',
      plan,
      'Policies: budgets (hard blocks, soft warns) and cost optimisation. `llm-service budget` shows what is left.',
    ),
    'budgets:',
  ];
  for (const budget of plan.budgets) {
    const fields = [
      `scope: ${yamlScalar(budget.scope)}`,
      `period: ${budget.period}`,
      `limit_usd: ${budget.limitUsd}`,
      ...(budget.alertAtPercent === undefined ? [] : [`alert_at_percent: ${budget.alertAtPercent}`]),
      `mode: ${budget.mode}`,
    ];
    lines.push(`  - { ${fields.join(', ')} }${budget.comment ? ` # ${budget.comment}` : ''}`);
  }
  const optimization = plan.costOptimization;
  lines.push('cost_optimization:');
  if (optimization) {
    lines.push('  enabled: true');
    lines.push(
      `  simple_task_threshold_tokens: ${optimization.thresholdTokens} # prompts below this use a cheaper model`,
    );
    lines.push(
      `  simple_task_models: ${flowList(optimization.simpleTaskModels)} # the first one the chosen tool runs wins`,
    );
    const taskTypeModels = Object.entries(optimization.taskTypeModels ?? {});
    if (taskTypeModels.length > 0)
      lines.push(
        `  task_type_models: { ${taskTypeModels.map(([type, model]) => `${yamlScalar(type)}: ${yamlScalar(model)}`).join(', ')} }`,
      );
  } else {
    lines.push('  enabled: false # set true to send small prompts to a cheaper model');
  }
  return `${lines.join('\n')}\n`;
}

function renderSettings(plan: InitPlan): string {
  return [
    ...header('llm-service.yaml', plan, 'Settings: third-party plugins and telemetry.'),
    '# Plugins by npm name or by path relative to this directory, e.g. ["./plugins/audit.js"].',
    'plugins: []',
    'telemetry:',
    '  capture_content: false # record token counts and costs, never prompts or answers',
    '',
  ].join('\n');
}

/** The files of a config directory, in the order they are written. */
export function renderPlan(plan: InitPlan): ReadonlyMap<string, string> {
  return new Map([
    ['agents.yaml', renderAgents(plan)],
    ['tools.yaml', renderTools(plan)],
    ['models.yaml', renderModels(plan)],
    ['policies.yaml', renderPolicies(plan)],
    ['llm-service.yaml', renderSettings(plan)],
  ]);
}
