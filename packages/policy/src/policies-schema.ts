import { z } from '@llm-service/spec';

/** The file this plugin owns in the config directory. */
export const POLICIES_FILE = 'policies.yaml';

/**
 * `global` (every project), `chain`, `project` (the config's own project), or `agent:` / `tool:` / `model:` /
 * `project:` followed by a name (a model name may itself contain colons).
 */
const scopePattern = /^(?:global|chain|project|(?:agent|tool|model|project):\S.*)$/;

/** `own-project` is the bare `project`: the project of whichever config the budget is read with. */
export type BudgetScope =
  | { kind: 'global' | 'chain' | 'own-project' }
  | { kind: 'agent' | 'tool' | 'model' | 'project'; name: string };

/** Splits a budget scope at its first colon: `model:qwen2.5:7b` names model `qwen2.5:7b`. */
export function parseBudgetScope(scope: string): BudgetScope | undefined {
  if (!scopePattern.test(scope)) return undefined;
  if (scope === 'global' || scope === 'chain') return { kind: scope };
  if (scope === 'project') return { kind: 'own-project' };
  const colon = scope.indexOf(':');
  const kind = scope.slice(0, colon) as 'agent' | 'tool' | 'model' | 'project';
  return { kind, name: scope.slice(colon + 1) };
}

/**
 * The spend scope a budget reads: `chain` reads the given chain's (null without one), `project` the given project's,
 * any other scope itself.
 */
export function spendScopeOf(
  scope: string,
  request: { chainId: string | undefined; project: string },
): string | null {
  if (scope === 'chain') return request.chainId === undefined ? null : `chain:${request.chainId}`;
  if (scope === 'project') return `project:${request.project}`;
  return scope;
}

function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export const budgetSchema = z.strictObject({
  scope: z
    .string()
    .regex(
      scopePattern,
      'expected a scope: global, chain, project, agent:<name>, tool:<name>, model:<name> or project:<name>',
    ),
  period: z.enum(['daily', 'weekly', 'monthly']),
  limit_usd: z.number().positive('expected a limit above 0 USD'),
  alert_at_percent: z.number().min(1).max(100).optional(),
  mode: z.enum(['soft', 'hard']).default('hard'),
  /** An IANA time zone such as `Europe/Berlin`; periods are UTC when absent. */
  timezone: z
    .string()
    .refine(isKnownTimeZone, { message: 'expected an IANA time zone such as UTC or Europe/Berlin' })
    .optional(),
});

export const costOptimizationSchema = z.strictObject({
  enabled: z.boolean(),
  /** Prompts estimated below this many tokens count as simple tasks. */
  simple_task_threshold_tokens: z.number().int().positive().optional(),
  /** Cheaper models for simple tasks; the first one the chosen tool runs wins. */
  simple_task_models: z.array(z.string().min(1)).default([]),
  /** A model per `--task-type`, e.g. `{ docs: claude-haiku-4-5 }`. */
  task_type_models: z.record(z.string(), z.string().min(1)).default({}),
});

/** How a request's cost is estimated before it runs. */
export const estimateSchema = z.strictObject({
  /** Output tokens expected of a request when no better figure is known (default 1000). */
  default_output_tokens: z.number().int().min(0).default(1000),
});

export const policiesFileSchema = z.strictObject({
  version: z.literal(1, { error: 'expected `version: 1` (the only config version this release reads)' }),
  budgets: z.array(budgetSchema).optional(),
  cost_optimization: costOptimizationSchema.optional(),
  estimate: estimateSchema.optional(),
});

export type Budget = z.output<typeof budgetSchema>;
export type EstimateSettings = z.output<typeof estimateSchema>;
export type CostOptimization = z.output<typeof costOptimizationSchema>;
export type PoliciesFile = z.output<typeof policiesFileSchema>;
