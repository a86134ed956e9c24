import type { Billing, Candidate } from '@llm-service/spec';
import { applicableBudgets } from '../budget/budget-policy.js';
import { periodRange } from '../budget/periods.js';
import type { Budget } from '../policies-schema.js';

/** A request as budgets see it: who asked, in which chain, when. */
export interface ChargedRequest {
  /** The request's project, as recorded. */
  project: string;
  agent: string;
  chainId: string;
  at: Date;
  /** How the tool that runs it is paid for: a subscription run counts only against `count: all` budgets. */
  billing?: Billing;
}

/**
 * The hard budgets of one policies.yaml, replayed in time order: spend accumulates per budget, spend scope and period
 * (of the budget's time zone), and a request that would take a budget past its limit is blocked, as `exec` blocks it
 * (without --force). Soft budgets only warn, so they change no cost. Tool and model budgets block here too, where
 * `exec` would move on to the next candidate: the simulation runs each request on its first candidate only.
 */
export class BudgetReplay {
  readonly #budgets: readonly Budget[];
  readonly #spent = new Map<string, number>();

  constructor(budgets: readonly Budget[]) {
    this.#budgets = budgets.filter((budget) => budget.mode === 'hard');
  }

  get active(): boolean {
    return this.#budgets.length > 0;
  }

  /** Charges the request's cost and returns true, or returns false (charging nothing) when a budget blocks it. */
  charge(candidate: Candidate, request: ChargedRequest, costUsd: number): boolean {
    const keys: string[] = [];
    for (const { budget, index, spendScope } of applicableBudgets(this.#budgets, candidate, request)) {
      const period = periodRange(budget.period, request.at, budget.timezone);
      const key = `${index}\u0000${spendScope}\u0000${period.start.toISOString()}`;
      // The same comparison as the ledger's reservation: blocked when spent + estimate exceeds the limit.
      if ((this.#spent.get(key) ?? 0) + costUsd > budget.limit_usd + 1e-9) return false;
      keys.push(key);
    }
    for (const key of keys) this.#spent.set(key, (this.#spent.get(key) ?? 0) + costUsd);
    return true;
  }
}
