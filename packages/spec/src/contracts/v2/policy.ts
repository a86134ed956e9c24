import type { CostSource } from '../../events/events.js';
import type { Usage } from '../v1/adapter.js';
import type { PolicyContext, PolicyDecision } from '../v1/policy.js';
import type { Candidate } from '../v1/routing.js';

/** What a policy's `reserve` answers: a hold to settle or release after the attempt, or a block. */
export type PolicyReservation<THold> =
  | {
      action: 'hold';
      hold: THold;
      /**
       * What the policy estimated the attempt costs (plugin API 1.3). The kernel counts it as the attempt's cost when
       * the tool reports a figure that cannot be true, so one bad number never frees what a budget holds.
       */
      estimateUsd?: number;
      /** Shown as a warning (e.g. a budget passed with `--force`), recorded as `budget.warned`. */
      warning?: string;
    }
  | { action: 'block'; message: string; hints: readonly string[]; endsRequest: boolean; resumeAt?: string };

/** What one attempt cost, handed to `settle` once the cost has been committed to every sink. */
export interface AttemptCost {
  /** How the attempt ended: a failed or cancelled attempt may still have spent (a paid turn before the failure). */
  outcome: 'success' | 'failed' | 'cancelled';
  usage: Usage;
  costUsd: number;
  costSource: CostSource;
}

/**
 * A policy with a lifecycle (plugin API 1.2). Besides `evaluate`, it may `reserve` just before an attempt runs, after
 * every policy has allowed the candidate; the kernel then calls exactly one of `settle` (with the attempt's actual cost,
 * only after that cost has been committed by every sink) or `release` (the attempt cost nothing, or never ran), on
 * every path: success, failure, cancel, timeout. So a cost is always either held or committed, never neither. When a
 * sink fails to commit, the kernel calls neither: the hold stays, and the cost stays counted.
 *
 * `THold` is the policy's own record of what it holds; the kernel only hands it back.
 */
export interface PolicyV2<THold = unknown> {
  readonly specificationVersion: 'v2';
  readonly id: string;
  evaluate(candidate: Candidate, context: PolicyContext): PolicyDecision | Promise<PolicyDecision>;
  /** Holds what the attempt may cost; undefined when there is nothing to hold. */
  reserve?(
    candidate: Candidate,
    context: PolicyContext,
  ): PolicyReservation<THold> | undefined | Promise<PolicyReservation<THold> | undefined>;
  /**
   * What `evaluate` and `reserve` together would decide, without holding anything or asking the user (plugin API
   * 1.4), for `route`'s preview. Without it, `route` shows what `evaluate` decides.
   */
  preview?(candidate: Candidate, context: PolicyContext): PolicyDecision | Promise<PolicyDecision>;
  settle?(hold: THold, cost: AttemptCost): void | Promise<void>;
  release?(hold: THold): void | Promise<void>;
}
