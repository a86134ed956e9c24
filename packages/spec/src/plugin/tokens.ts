import type { CostEstimatorV1 } from '../contracts/v1/cost-estimator.js';
import type { PlanWindowsV1 } from '../contracts/v1/plan-windows.js';
import type { TelemetryStoreProviderV1 } from '../contracts/v1/telemetry-store.js';
import type { TaskStoreV1 } from '../contracts/v1/tasks.js';
import type { BudgetReporterV1, SpendLedgerV1, TelemetryQueryV1 } from '../contracts/v1/telemetry.js';

declare const serviceType: unique symbol;
/** A service token carries the type of the service it names, so `require` needs no cast. */
export type ServiceToken<T> = symbol & { readonly [serviceType]?: T };

/**
 * Tokens live in the global symbol registry, so a plugin that brought its own copy of core still matches the
 * kernel's services.
 */
export function serviceToken<T>(name: string, version: number): ServiceToken<T> {
  return Symbol.for(`llm-service.${name}.v${version}`) as ServiceToken<T>;
}

export const SpendLedgerToken = serviceToken<SpendLedgerV1>('spend-ledger', 1);
export const TelemetryQueryToken = serviceToken<TelemetryQueryV1>('telemetry-query', 1);
export const BudgetReporterToken = serviceToken<BudgetReporterV1>('budget-reporter', 1);
/** Plugin API 1.4. */
export const CostEstimatorToken = serviceToken<CostEstimatorV1>('cost-estimator', 1);
/** Plugin API 1.5. */
export const TaskStoreToken = serviceToken<TaskStoreV1>('task-store', 1);
/** Plugin API 1.9. */
export const PlanWindowsToken = serviceToken<PlanWindowsV1>('plan-windows', 1);

/**
 * Plugin API 1.10: the provider of the telemetry store of one kind (`telemetry.store: postgres` looks up
 * `telemetryStoreProviderToken('postgres')`). One token a kind, so several store plugins can be installed at once.
 */
export function telemetryStoreProviderToken(kind: string): ServiceToken<TelemetryStoreProviderV1> {
  return serviceToken<TelemetryStoreProviderV1>(`telemetry-store-provider.${kind}`, 1);
}

export function describeToken(token: symbol): string {
  return token.description ?? token.toString();
}
