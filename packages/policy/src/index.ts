import {
  BudgetReporterToken,
  definePlugin,
  SpendLedgerToken,
  TelemetryQueryToken,
  type PluginDefinition,
  type SpendLedgerV1,
} from '@llm-service/spec';
import { BudgetPolicy } from './budget/budget-policy.js';
import { join } from 'node:path';
import { o200kCounter } from './budget/estimate.js';
import { PromptTokens } from './budget/prompt-tokens.js';
import { OutputRatios } from './budget/output-ratio.js';
import { checkPolicies } from './check-policies.js';
import { budgetCommand, simulateCommand } from './commands/definitions.js';
import { PolicyBudgetReporter } from './commands/budget-reporter.js';
import { CostOptimizationPolicy } from './selection/cost-optimization.js';
import { POLICIES_FILE, policiesFileSchema, type PoliciesFile } from './policies-schema.js';

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
export {
  median,
  OutputRatios,
  HISTORY_SAMPLES,
  MIN_HISTORY_SAMPLES,
  type OutputEstimate,
} from './budget/output-ratio.js';
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
  policiesFileSchema,
  POLICIES_FILE,
  type Budget,
  type BudgetScope,
  type CostOptimization,
  type EstimateSettings,
  type PoliciesFile,
} from './policies-schema.js';

/** The budget policies of the kernels this plugin is registered in, closed on dispose. */
const budgetPolicies = new Set<BudgetPolicy>();

/**
 * Budgets and model selection. The `cost-optimization` policy runs first and may move a request's preferred candidate
 * to a cheaper model; the `budget` policy then enforces budgets and `--max-cost-usd` on what will run (estimates
 * reserved in the spend ledger before a tool starts). Both share one token estimate per prompt.
 */
const plugin: PluginDefinition = definePlugin({
  name: '@llm-service/policy',
  version: '0.1.0',
  apiVersion: '^1.0.0',
  requires: [SpendLedgerToken],
  provides: [BudgetReporterToken],
  commands: [budgetCommand, simulateCommand],
  configSchema: {
    files: { [POLICIES_FILE]: policiesFileSchema },
    check: checkPolicies,
  },
  register(context) {
    // The tokenizer's table is cached per user (XDG cache directory), so only the first process builds it.
    const env = context.env;
    const cacheHome = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
    const cacheDir = cacheHome ? join(cacheHome, 'llm-service') : undefined;
    const tokens = new PromptTokens(() => o200kCounter({ cacheDir }));
    let ledger: SpendLedgerV1 | undefined;
    const requireLedger = () => (ledger ??= context.services.require(SpendLedgerToken));
    const outputRatios = new OutputRatios(() =>
      context.services.has(TelemetryQueryToken) ? context.services.require(TelemetryQueryToken) : undefined,
    );
    const budgetPolicy = new BudgetPolicy({
      ledger: requireLedger,
      outputRatios,
      events: context.events,
      tokens,
    });
    budgetPolicies.add(budgetPolicy);
    // Order matters: budgets are checked against the candidate that will actually run.
    const policies = context.config.files[POLICIES_FILE] as PoliciesFile | undefined;
    context.services.provide(
      BudgetReporterToken,
      new PolicyBudgetReporter({
        budgets: policies?.budgets ?? [],
        ledger: requireLedger,
        configDir: context.config.dir,
      }),
    );
    if (policies?.cost_optimization?.enabled) context.policies.add(new CostOptimizationPolicy({ tokens }));
    context.policies.add(budgetPolicy);
  },
  async dispose() {
    const closing = [...budgetPolicies];
    budgetPolicies.clear();
    await Promise.all(closing.map((policy) => policy.close()));
  },
});

export default plugin;
