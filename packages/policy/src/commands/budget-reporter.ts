import type { BudgetReporterV1, BudgetReportV1, PlanWindowsV1, SpendLedgerV1 } from '@llm-service/spec';
import type { Budget } from '../policies-schema.js';
import { buildBudgetReport } from './budget-report.js';

/**
 * The budgets of one configuration against the ledger's spend, and the plan windows every tool reported: what `budget`
 * prints and the dashboard draws.
 */
export class PolicyBudgetReporter implements BudgetReporterV1 {
  readonly specificationVersion = 'v1' as const;
  readonly #budgets: readonly Budget[];
  readonly #ledger: () => SpendLedgerV1;
  readonly #configDir: string;
  readonly #project: string;
  readonly #planWindows: () => PlanWindowsV1 | undefined;

  constructor(options: {
    budgets: readonly Budget[];
    ledger: () => SpendLedgerV1;
    configDir: string;
    project: string;
    /** Looked up on use; undefined when no loaded plugin provides plan windows (the report then has none). */
    planWindows?: () => PlanWindowsV1 | undefined;
  }) {
    this.#budgets = options.budgets;
    this.#ledger = options.ledger;
    this.#configDir = options.configDir;
    this.#project = options.project;
    this.#planWindows = options.planWindows ?? (() => undefined);
  }

  report(options: { chainId?: string; project?: string; now?: Date } = {}): Promise<BudgetReportV1> {
    return buildBudgetReport({
      budgets: this.#budgets,
      ledger: this.#ledger(),
      configDir: this.#configDir,
      chainId: options.chainId,
      project: options.project ?? this.#project,
      now: options.now ?? new Date(),
      planWindows: this.#planWindows(),
    });
  }
}
