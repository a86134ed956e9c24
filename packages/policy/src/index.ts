import { definePlugin, SpendLedgerToken, type PluginDefinition, type SpendLedgerV1 } from '@llm-service/core';
import { BudgetPolicy } from './budget/budget-policy.js';
import { checkPolicies } from './check-policies.js';
import { POLICIES_FILE, policiesFileSchema, type PoliciesFile } from './policies-schema.js';

export { checkPolicies } from './check-policies.js';
export {
  applicableBudgets,
  blockMessage,
  BudgetPolicy,
  type ApplicableBudget,
} from './budget/budget-policy.js';
export { estimateTokens, o200kCounter, priceEstimate, type TokenCounter } from './budget/estimate.js';
export { formatDuration, periodRange, type PeriodRange } from './budget/periods.js';
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
 * Budgets and model selection. Budgets and `--max-cost-usd` are enforced by the `budget` policy (estimates reserved in
 * the spend ledger before a tool starts); cost optimisation is validated but does not rewrite models yet, and says so.
 */
const plugin: PluginDefinition = definePlugin({
  name: '@llm-service/policy',
  version: '0.1.0',
  apiVersion: '^1.0.0',
  requires: [SpendLedgerToken],
  configSchema: {
    files: { [POLICIES_FILE]: policiesFileSchema },
    check: checkPolicies,
  },
  register(context) {
    const policies = context.config.files[POLICIES_FILE] as PoliciesFile | undefined;
    let ledger: SpendLedgerV1 | undefined;
    const budgetPolicy = new BudgetPolicy({
      ledger: () => (ledger ??= context.services.require(SpendLedgerToken)),
      events: context.events,
    });
    budgetPolicies.add(budgetPolicy);
    context.policies.add(budgetPolicy);
    if (policies?.cost_optimization?.enabled) {
      context.logger.warn(
        `${POLICIES_FILE} enables cost_optimization, but this version does not rewrite models yet`,
      );
    }
  },
  async dispose() {
    const closing = [...budgetPolicies];
    budgetPolicies.clear();
    await Promise.all(closing.map((policy) => policy.close()));
  },
});

export default plugin;
