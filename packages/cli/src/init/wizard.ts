import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as prompts from '@clack/prompts';
import type { CliContext } from '../program.js';
import {
  defaultInitDir,
  reportWritten,
  writePlan,
  type ExistingFiles,
  type InitOptions,
} from '../commands/init.js';
import { knownTool } from './catalogue.js';
import { apiKeysSet, detectKnownClis } from './detect.js';
import { renderPlan, type AgentPlan, type InitPlan } from './templates.js';

type Tier = 'premium' | 'standard' | 'economy';

/** The tools the wizard can configure, in order of preference. */
export const wizardTools = ['claude', 'codex', 'gemini', 'ollama'] as const;
type WizardTool = (typeof wizardTools)[number];

const modelByTier: Record<WizardTool, Record<Tier, string>> = {
  claude: { premium: 'claude-opus-4-6', standard: 'claude-sonnet-4-6', economy: 'claude-haiku-4-5' },
  codex: { premium: 'gpt-5.5', standard: 'gpt-5.5', economy: 'gpt-5.4-mini' },
  gemini: {
    premium: 'gemini-3.1-pro-preview',
    standard: 'gemini-3.1-pro-preview',
    economy: 'gemini-3-flash-preview',
  },
  ollama: { premium: 'qwen2.5-coder:7b', standard: 'qwen2.5-coder:7b', economy: 'qwen2.5-coder:7b' },
};

interface Role {
  description: string;
  tier: Tier;
  /** The tool this role prefers when it is chosen. */
  prefers?: WizardTool;
}

export const wizardRoles: Readonly<Record<string, Role>> = {
  architect: { description: 'Designs systems and reviews plans', tier: 'premium' },
  planner: { description: 'Breaks a feature into tasks', tier: 'standard' },
  'backend-dev': { description: 'Writes and fixes server code', tier: 'standard', prefers: 'codex' },
  'frontend-dev': { description: 'Builds user interfaces', tier: 'standard' },
  reviewer: { description: 'Reviews changes without editing files', tier: 'standard' },
  tester: { description: 'Writes and runs tests', tier: 'economy', prefers: 'codex' },
  writer: { description: 'Writes docs and release notes', tier: 'economy', prefers: 'gemini' },
};

export interface WizardAnswers {
  tools: readonly WizardTool[];
  agents: readonly string[];
  dailyBudgetUsd: number;
  costOptimization: boolean;
}

/** Turns the answers into a plan: each agent on its preferred chosen tool, falling back across the others. */
export function planFromAnswers(answers: WizardAnswers): InitPlan {
  const cloud = answers.tools.filter((tool): tool is Exclude<WizardTool, 'ollama'> => tool !== 'ollama');
  const agents: Record<string, AgentPlan> = {};
  // In the roles' own order, whatever order they were ticked in.
  for (const name of Object.keys(wizardRoles).filter((role) => answers.agents.includes(role))) {
    const role = wizardRoles[name];
    if (!role) continue;
    const ordered = [
      ...(role.prefers && role.prefers !== 'ollama' && cloud.includes(role.prefers) ? [role.prefers] : []),
      ...cloud.filter((tool) => tool !== role.prefers),
      ...(answers.tools.includes('ollama') ? (['ollama'] as const) : []),
    ];
    const [primary, ...others] = ordered;
    if (primary === undefined) continue;
    agents[name] = {
      description: role.description,
      tool: primary,
      model: modelByTier[primary][role.tier],
      fallback: others.map((tool) => `${tool}:${modelByTier[tool][role.tier]}`),
      ...(name === 'reviewer' && primary === 'claude'
        ? { claudeOptions: { allowed_tools: ['Read', 'Grep', 'Glob'], permission_mode: 'plan' } }
        : {}),
    };
  }
  const daily = answers.dailyBudgetUsd;
  return {
    origin: 'wizard',
    tools: answers.tools,
    agents,
    budgets: [
      { scope: 'global', period: 'daily', limitUsd: daily, alertAtPercent: 80, mode: 'hard' },
      { scope: 'global', period: 'monthly', limitUsd: daily * 20, alertAtPercent: 80, mode: 'soft' },
    ],
    ...(answers.costOptimization && cloud.length > 0
      ? {
          costOptimization: {
            thresholdTokens: 1500,
            simpleTaskModels: cloud.map((tool) => modelByTier[tool].economy),
          },
        }
      : {}),
  };
}

function cancelled(context: CliContext): number {
  prompts.cancel('Nothing was written.', { output: context.io.stdout });
  return 130;
}

/** The interactive `init`: detect, propose, ask four short questions, write. */
export async function runInitWizard(options: InitOptions, context: CliContext): Promise<number> {
  const { io } = context;
  const common = { input: io.stdin, output: io.stdout };
  prompts.intro('llm-service init', common);
  const spinner = prompts.spinner({ output: io.stdout });
  spinner.start('Looking for LLM CLIs and API keys');
  const detected = await detectKnownClis(io.env, io.cwd);
  const keys = apiKeysSet(io.env);
  spinner.stop('Checked your PATH and environment');
  const found = detected.filter((cli) => cli.path !== undefined);
  prompts.note(
    [
      found.length > 0
        ? found.map((cli) => `${cli.tool.id} ${cli.version ?? ''}`.trim()).join(', ')
        : 'no LLM CLI found on PATH',
      keys.length > 0 ? `API keys set: ${keys.join(', ')}` : 'no API-key variables set',
    ].join('\n'),
    'Found',
    common,
  );

  const usable = (tool: WizardTool) =>
    found.some((cli) => cli.tool.id === tool) ||
    (knownTool(tool)?.apiKeys ?? []).some((name) => keys.includes(name));
  const proposed = wizardTools.filter(usable);
  const tools = await prompts.multiselect<WizardTool>({
    ...common,
    message: 'Which tools should agents run on?',
    options: wizardTools.map((tool) => {
      const cli = detected.find((candidate) => candidate.tool.id === tool);
      return {
        value: tool,
        label: knownTool(tool)?.label ?? tool,
        hint: cli?.path ? `installed${cli.version ? ` ${cli.version}` : ''}` : 'not found',
      };
    }),
    initialValues: proposed.length > 0 ? proposed : ['claude'],
    required: true,
  });
  if (prompts.isCancel(tools)) return cancelled(context);

  const agents = await prompts.multiselect<string>({
    ...common,
    message: 'Which agents?',
    options: Object.entries(wizardRoles).map(([name, role]) => ({
      value: name,
      label: name,
      hint: `${role.description} (${role.tier} models)`,
    })),
    initialValues: ['architect', 'backend-dev', 'writer'],
    required: true,
  });
  if (prompts.isCancel(agents)) return cancelled(context);

  const budget = await prompts.text({
    ...common,
    message: 'Daily budget in USD for all agents together (a hard limit)?',
    placeholder: '20',
    defaultValue: '20',
    validate: (value) => {
      if (value === undefined || value.trim() === '') return undefined;
      const number = Number(value);
      return Number.isFinite(number) && number > 0 ? undefined : 'enter a number above 0, e.g. 20';
    },
  });
  if (prompts.isCancel(budget)) return cancelled(context);

  const costOptimization = await prompts.confirm({
    ...common,
    message: 'Send small prompts to a cheaper model automatically?',
    initialValue: false,
  });
  if (prompts.isCancel(costOptimization)) return cancelled(context);

  const dirAnswer = await prompts.text({
    ...common,
    message: 'Where should the config go?',
    placeholder: options.dir ?? defaultInitDir,
    defaultValue: options.dir ?? defaultInitDir,
  });
  if (prompts.isCancel(dirAnswer)) return cancelled(context);
  const dir = resolve(io.cwd, dirAnswer.trim() === '' ? (options.dir ?? defaultInitDir) : dirAnswer.trim());

  const plan = planFromAnswers({
    tools,
    agents,
    dailyBudgetUsd: Number(budget.trim() === '' ? '20' : budget),
    costOptimization,
  });
  let existing: ExistingFiles = options.force ? 'overwrite' : options.missingOnly ? 'keep' : 'refuse';
  const inTheWay = [...renderPlan(plan).keys()].filter((name) => existsSync(join(dir, name)));
  if (inTheWay.length > 0 && existing === 'refuse') {
    const choice = await prompts.select<ExistingFiles | 'cancel'>({
      ...common,
      message: `${inTheWay.join(', ')} already exist in ${dir}.`,
      options: [
        { value: 'keep', label: 'Write only the missing files', hint: 'keep those that exist' },
        { value: 'overwrite', label: 'Overwrite them' },
        { value: 'cancel', label: 'Cancel' },
      ],
      initialValue: 'keep',
    });
    if (prompts.isCancel(choice) || choice === 'cancel') return cancelled(context);
    existing = choice;
  }
  const written = await writePlan(plan, dir, existing, context);
  prompts.outro('Config written.', common);
  reportWritten(written, plan, context);
  return 0;
}
