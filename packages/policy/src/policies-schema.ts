import { lazySchema, z } from '@llm-service/spec';

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

export const budgetSchema = lazySchema(() =>
  z.strictObject({
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
    /**
     * Whose spend counts (plugin API 1.9): `api` (the default) counts attempts of tools billed by the token only, since
     * a subscription's runs cost no extra dollars; `all` counts subscription runs too, at their list price.
     */
    count: z.enum(['api', 'all']).default('api'),
  }),
);

/** What a plan-limit rule does once a window is used up to its threshold (the order is their severity). */
export const planLimitActions = ['warn', 'reroute', 'defer', 'block'] as const;
export type PlanLimitAction = (typeof planLimitActions)[number];

/**
 * How long a window's reading counts when the program did not say when the window resets and the rule sets no
 * `max_age_minutes` (minutes). With a stated reset, a reading counts until then by default: within a window usage only
 * grows, so an older reading understates the window, never overstates it, and a fresher one cannot be had without
 * running the tool the rule keeps work away from. Without a reset, nothing says when the reading stops being true; an
 * hour is a fifth of the shortest window (five hours), so a skipped tool is tried again, and read again, within one.
 */
export const DEFAULT_PLAN_LIMIT_MAX_AGE_MINUTES = 60;

export const planLimitSchema = lazySchema(() =>
  z.strictObject({
    /** A tool of tools.yaml. */
    tool: z.string().min(1, 'expected a tool of tools.yaml'),
    /** A window as the provider names it: `five_hour`, `seven_day`, `seven_day_opus`, `overage`, or its own. */
    window: z.string().min(1, 'expected a window name such as five_hour or seven_day'),
    /** The share of the window used (0..1) from which the rule acts: at or above it. */
    above: z
      .number()
      .min(0, 'expected a share of the window from 0 to 1, e.g. 0.9 for 90%')
      .max(1, 'expected a share of the window from 0 to 1, e.g. 0.9 for 90%'),
    action: z.enum(planLimitActions),
    /** Readings older than this many minutes no longer count (by default: until the window resets; see above). */
    max_age_minutes: z.number().positive('expected a number of minutes above 0').optional(),
  }),
);

export const costOptimizationSchema = lazySchema(() =>
  z.strictObject({
    enabled: z.boolean(),
    /** Prompts estimated below this many tokens count as simple tasks. */
    simple_task_threshold_tokens: z.number().int().positive().optional(),
    /** Cheaper models for simple tasks; the first one the chosen tool runs wins. */
    simple_task_models: z.array(z.string().min(1)).default([]),
    /** A model per `--task-type`, e.g. `{ docs: claude-haiku-4-5 }`. */
    task_type_models: z.record(z.string(), z.string().min(1)).default({}),
  }),
);

/** How a request's cost is estimated before it runs. */
export const estimateSchema = lazySchema(() =>
  z.strictObject({
    /** Output tokens expected of a request when no better figure is known (default 1000). */
    default_output_tokens: z.number().int().min(0).default(1000),
  }),
);

export const policiesFileSchema = lazySchema(() =>
  z.strictObject({
    version: z.literal(1, { error: 'expected `version: 1` (the only config version this release reads)' }),
    budgets: z.array(budgetSchema).optional(),
    /** Rules on subscription windows (plugin API 1.9), checked before a candidate runs. */
    plan_limits: z.array(planLimitSchema).optional(),
    cost_optimization: costOptimizationSchema.optional(),
    estimate: estimateSchema.optional(),
  }),
);

export type Budget = z.output<typeof budgetSchema>;
export type PlanLimit = z.output<typeof planLimitSchema>;
export type EstimateSettings = z.output<typeof estimateSchema>;
export type CostOptimization = z.output<typeof costOptimizationSchema>;
export type PoliciesFile = z.output<typeof policiesFileSchema>;
