import type { BudgetReporterV1, BudgetReportV1, SpendLedgerV1 } from '@llm-service/spec';
import type { Budget } from '../policies-schema.js';
import { buildBudgetReport } from './budget-report.js';

/** The budgets of one configuration against the ledger's spend: what `budget` prints and the dashboard draws. */
export class PolicyBudgetReporter implements BudgetReporterV1 {
  readonly specificationVersion = 'v1' as const;
  readonly #budgets: readonly Budget[];
  readonly #ledger: () => SpendLedgerV1;
  readonly #configDir: string;
  readonly #project: string;

  constructor(options: {
    budgets: readonly Budget[];
    ledger: () => SpendLedgerV1;
    configDir: string;
    project: string;
  }) {
    this.#budgets = options.budgets;
    this.#ledger = options.ledger;
    this.#configDir = options.configDir;
    this.#project = options.project;
  }

  report(options: { chainId?: string; project?: string; now?: Date } = {}): Promise<BudgetReportV1> {
    return buildBudgetReport({
      budgets: this.#budgets,
      ledger: this.#ledger(),
      configDir: this.#configDir,
      chainId: options.chainId,
      project: options.project ?? this.#project,
      now: options.now ?? new Date(),
    });
  }
}
