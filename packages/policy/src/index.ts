import { definePlugin, type PluginDefinition } from '@llm-service/core';
import { checkPolicies } from './check-policies.js';
import { POLICIES_FILE, policiesFileSchema, type PoliciesFile } from './policies-schema.js';

export { checkPolicies } from './check-policies.js';
export {
  budgetSchema,
  costOptimizationSchema,
  parseBudgetScope,
  policiesFileSchema,
  POLICIES_FILE,
  type Budget,
  type BudgetScope,
  type CostOptimization,
  type PoliciesFile,
} from './policies-schema.js';

/**
 * Budgets and model selection. This first version owns and validates `policies.yaml` but registers no policy yet:
 * budgets and cost optimisation are checked, not enforced, and it says so rather than pretend.
 */
const plugin: PluginDefinition = definePlugin({
  name: '@llm-service/policy',
  version: '0.1.0',
  apiVersion: '^1.0.0',
  configSchema: {
    files: { [POLICIES_FILE]: policiesFileSchema },
    check: checkPolicies,
  },
  register(context) {
    const policies = context.config.files[POLICIES_FILE] as PoliciesFile | undefined;
    const budgets = policies?.budgets?.length ?? 0;
    if (budgets > 0) {
      context.logger.warn(
        `${POLICIES_FILE} sets ${budgets} budget(s), but this version does not enforce budgets yet`,
      );
    }
    if (policies?.cost_optimization?.enabled) {
      context.logger.warn(
        `${POLICIES_FILE} enables cost_optimization, but this version does not rewrite models yet`,
      );
    }
  },
});

export default plugin;
