import type { Candidate, PolicyContext, PolicyDecision, PolicyV1, ResolvedConfig } from '@llm-service/spec';
import { priceEstimate } from '../budget/estimate.js';
import { PromptTokens } from '../budget/prompt-tokens.js';
import { type CostOptimization, type PoliciesFile } from '../policies-schema.js';

/** What cost optimisation does with one candidate, as a pure function of config and request figures. */
export type ModelSelection =
  | { action: 'keep'; why: string }
  | {
      action: 'rewrite';
      candidate: Candidate;
      message: string;
      details: Readonly<Record<string, string | number | boolean>>;
    };

export interface SelectionRequest {
  config: ResolvedConfig;
  settings: CostOptimization | undefined;
  taskType: string | undefined;
  /** The candidate was chosen by `--tool`, `--model` or an agent's task type: never rewritten. */
  explicit: boolean;
  /** Estimated prompt tokens; computed only when a threshold needs them. */
  promptTokens: () => number | Promise<number>;
  /** Expected output tokens, used to tell which model is cheaper for this request. */
  outputTokens: number;
}

/**
 * Cost optimisation of `policies.yaml` for one candidate (DESIGN section 3). Only the agent's preferred candidate
 * is considered; explicit choices and fallbacks are kept. `task_type_models` maps a task type to a model the
 * candidate's tool runs; otherwise a prompt under `simple_task_threshold_tokens` moves to the first of
 * `simple_task_models` that the tool runs and that is cheaper for this request (reason `cost_optimization`), and a
 * prompt at or above it stays on the preferred model (reason `above_threshold`).
 */
export async function selectModel(candidate: Candidate, request: SelectionRequest): Promise<ModelSelection> {
  const { settings, config } = request;
  if (!settings?.enabled) return { action: 'keep', why: 'cost optimisation is off' };
  if (request.explicit) return { action: 'keep', why: 'chosen explicitly' };
  if (candidate.reason !== 'preferred') return { action: 'keep', why: `a ${candidate.reason} candidate` };
  const runs = config.tools[candidate.tool]?.models ?? [];

  if (request.taskType !== undefined) {
    const mapped = settings.task_type_models[request.taskType];
    if (mapped !== undefined && runs.includes(mapped)) {
      if (mapped === candidate.model) return { action: 'keep', why: `task type ${request.taskType}` };
      return {
        action: 'rewrite',
        candidate: { tool: candidate.tool, model: mapped, reason: 'cost_optimization' },
        message: `cost_optimization: task type '${request.taskType}' runs on ${mapped} instead of ${candidate.model}`,
        details: { rule: 'task_type_models', taskType: request.taskType, replacedModel: candidate.model },
      };
    }
  }

  const threshold = settings.simple_task_threshold_tokens;
  if (threshold === undefined) return { action: 'keep', why: 'no simple_task_threshold_tokens' };
  const promptTokens = await request.promptTokens();
  if (promptTokens >= threshold) {
    return {
      action: 'rewrite',
      candidate: { ...candidate, reason: 'above_threshold' },
      message: `above_threshold: prompt of ${promptTokens} tokens is not under the threshold of ${threshold}; ${candidate.model} stays`,
      details: { rule: 'above_threshold', promptTokens, thresholdTokens: threshold },
    };
  }
  const costOf = (model: string) =>
    priceEstimate(promptTokens, request.outputTokens, config.models[model]).costUsd;
  const current = costOf(candidate.model);
  const cheaper = settings.simple_task_models.find(
    (model) => runs.includes(model) && model !== candidate.model && costOf(model) < current,
  );
  if (cheaper === undefined)
    return { action: 'keep', why: `no cheaper simple-task model runs on ${candidate.tool}` };
  return {
    action: 'rewrite',
    candidate: { tool: candidate.tool, model: cheaper, reason: 'cost_optimization' },
    message: `cost_optimization: prompt of ${promptTokens} tokens is under the threshold of ${threshold}; ${cheaper} instead of ${candidate.model}`,
    details: {
      rule: 'simple_task',
      promptTokens,
      thresholdTokens: threshold,
      replacedModel: candidate.model,
    },
  };
}

/** Applies `cost_optimization:` of policies.yaml to each request's preferred candidate. */
export class CostOptimizationPolicy implements PolicyV1 {
  readonly specificationVersion = 'v1' as const;
  readonly id = 'cost-optimization';
  readonly #tokens: PromptTokens;
  readonly #policies: PoliciesFile | undefined;

  /** `policies` is policies.yaml as the kernel validated it (the plugin's `context.settings`). */
  constructor(options: { policies: PoliciesFile | undefined; tokens?: PromptTokens }) {
    this.#tokens = options.tokens ?? new PromptTokens();
    this.#policies = options.policies;
  }

  async evaluate(candidate: Candidate, context: PolicyContext): Promise<PolicyDecision> {
    const policies = this.#policies;
    const selection = await selectModel(candidate, {
      config: context.config,
      settings: policies?.cost_optimization,
      taskType: context.taskType,
      explicit: context.explicit,
      promptTokens: async () => (await this.#tokens.estimate(context.prompt)).tokens,
      outputTokens: policies?.estimate?.default_output_tokens ?? 1000,
    });
    if (selection.action === 'keep') return { action: 'allow' };
    return {
      action: 'rewrite',
      candidate: selection.candidate,
      reason: selection.message,
      details: selection.details,
    };
  }
}
