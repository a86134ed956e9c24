import {
  BudgetReporterToken,
  CostEstimatorToken,
  definePlugin,
  PlanWindowsToken,
  SpendLedgerToken,
  TelemetryQueryToken,
  type SpendLedgerV1,
} from '@llm-service/spec';
import { BudgetPolicy } from './budget/budget-policy.js';
import { userCacheHome } from '@llm-service/plugin-kit';
import { o200kCounter } from './budget/estimate.js';
import { PromptTokens } from './budget/prompt-tokens.js';
import { TokenCostEstimator } from './budget/cost-estimator.js';
import { OutputRatios } from './budget/output-ratio.js';
import { checkPolicies } from './check-policies.js';
import { budgetCommand, simulateCommand } from './commands/definitions.js';
import { PolicyBudgetReporter } from './commands/budget-reporter.js';
import { CostOptimizationPolicy } from './selection/cost-optimization.js';
import { PlanLimitPolicy } from './plan-limits/plan-limit-policy.js';
import { POLICIES_FILE, policiesFileSchema } from './policies-schema.js';

export { checkPolicies } from './check-policies.js';
export { budgetCommand, simulateCommand } from './commands/definitions.js';
// Types only: the commands' code loads when they run, not with the plugin.
export type { SimulationReport, SimulatedCosts, SimulatedModel } from './simulate/simulate.js';
export type { SimulatedRequest, WorkloadLine } from './simulate/workload.js';
export type { BudgetReport, BudgetStatus } from './commands/budget-report.js';
export { PolicyBudgetReporter } from './commands/budget-reporter.js';
export {
  applicableBudgets,
  blockMessage,
  BudgetPolicy,
  describeEstimate,
  type ApplicableBudget,
} from './budget/budget-policy.js';
export { estimateTokens, o200kCounter, priceEstimate, type TokenCounter } from './budget/estimate.js';
export { formatDuration, periodRange, type PeriodRange } from './budget/periods.js';
export { PromptTokens } from './budget/prompt-tokens.js';
export { TokenCostEstimator, forecastTokens, type TokenForecast } from './budget/cost-estimator.js';
export {
  median,
  OutputRatios,
  HISTORY_SAMPLES,
  MIN_HISTORY_SAMPLES,
  type OutputEstimate,
} from './budget/output-ratio.js';
export {
  PlanLimitPolicy,
  readingLapsesAt,
  type FiredRule,
  type PlanLimitPolicyOptions,
} from './plan-limits/plan-limit-policy.js';
export { describeWhen, formatClock, windowLabel } from './plan-limits/describe-window.js';
export {
  CostOptimizationPolicy,
  selectModel,
  type ModelSelection,
  type SelectionRequest,
} from './selection/cost-optimization.js';
export {
  budgetSchema,
  costOptimizationSchema,
  estimateSchema,
  parseBudgetScope,
  planLimitActions,
  planLimitSchema,
  policiesFileSchema,
  DEFAULT_PLAN_LIMIT_MAX_AGE_MINUTES,
  POLICIES_FILE,
  type Budget,
  type PlanLimit,
  type PlanLimitAction,
  type BudgetScope,
  type CostOptimization,
  type EstimateSettings,
  type PoliciesFile,
} from './policies-schema.js';

/**
 * Budgets, plan limits and model selection. The `plan-limits` policy runs first, so a tool that is held or past a
 * plan-limit rule is skipped before anything is estimated; `cost-optimization` may then move a request's preferred
 * candidate to a cheaper model; the `budget` policy enforces budgets and `--max-cost-usd` on what will run (estimates
 * reserved in the spend ledger before a tool starts, settled by the kernel after it). The last two share one token
 * estimate per prompt. Everything it keeps lives in the kernel that registered it: nothing to dispose.
 */
const plugin = definePlugin({
  name: '@llm-service/policy',
  version: '0.1.0',
  apiVersion: '^1.9.0',
  requires: [SpendLedgerToken],
  provides: [BudgetReporterToken, CostEstimatorToken],
  commands: [budgetCommand, simulateCommand],
  configSchema: {
    files: { [POLICIES_FILE]: policiesFileSchema },
    check: checkPolicies,
  },
  register(context) {
    // The tokenizer's table is cached per user (XDG cache directory), so only the first process builds it.
    const counter = () => o200kCounter({ cacheDir: userCacheHome(context.env) });
    const tokens = new PromptTokens(counter);
    const policies = context.settings.files[POLICIES_FILE];
    let ledger: SpendLedgerV1 | undefined;
    const requireLedger = () => (ledger ??= context.services.require(SpendLedgerToken));
    // Plan windows are optional (PlanWindowsV1 came with plugin API 1.9): looked up on use, after every plugin registered.
    const planWindows = () =>
      context.services.has(PlanWindowsToken) ? context.services.require(PlanWindowsToken) : undefined;
    const outputRatios = new OutputRatios(() =>
      context.services.has(TelemetryQueryToken) ? context.services.require(TelemetryQueryToken) : undefined,
    );
    context.services.provide(
      CostEstimatorToken,
      new TokenCostEstimator(
        {
          tokens,
          outputRatios,
          defaultOutputTokens: policies.estimate?.default_output_tokens ?? 1000,
        },
        counter,
      ),
    );
    context.services.provide(
      BudgetReporterToken,
      new PolicyBudgetReporter({
        budgets: policies.budgets ?? [],
        ledger: requireLedger,
        configDir: context.config.dir,
        project: context.config.project,
        planWindows,
      }),
    );
    // Order matters: a held tool is skipped before anything else is worked out, and budgets are checked against the
    // candidate that will actually run. Plan limits are registered without rules too: a hold applies whatever the rules.
    context.policies.add(
      new PlanLimitPolicy({
        rules: policies.plan_limits ?? [],
        planWindows,
        warn: (message) => context.logger.warn(message),
      }),
    );
    if (policies.cost_optimization?.enabled)
      context.policies.add(new CostOptimizationPolicy({ policies, tokens }));
    context.policies.add(new BudgetPolicy({ policies, ledger: requireLedger, outputRatios, tokens }));
  },
});

export default plugin;
