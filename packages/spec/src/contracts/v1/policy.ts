import type { ResolvedConfig } from '../../config/resolved-config.js';
import type { Candidate } from './routing.js';

export type PolicyDecision =
  | { action: 'allow' }
  | { action: 'warn'; message: string }
  /** Asks the user when stdin and stderr are terminals; answered by `--yes`; otherwise proceeds with the warning. */
  | { action: 'confirm'; message: string }
  /**
   * Runs `candidate` instead. `reason` explains the rewrite; `details` are figures behind it (e.g. a token count and
   * threshold), carried by the `policy.decided` event. When the model changes, the kernel escalates once to the
   * replaced candidate if the rewritten one fails or answers nothing (before any answer byte reached the caller).
   */
  | {
      action: 'rewrite';
      candidate: Candidate;
      reason: string;
      details?: Readonly<Record<string, string | number | boolean>>;
    }
  /**
   * `endsRequest`: a global, agent or chain budget ends the request; a tool- or model-scoped block only skips
   * this candidate. `resumeAt` (plugin API 1.9, ISO 8601): the block lifts then (a plan window resets), so work that
   * can wait, such as a task of `tasks run --watch`, is put back until that time instead of failing.
   */
  | { action: 'block'; message: string; hints: readonly string[]; endsRequest: boolean; resumeAt?: string };

export interface PolicyContext {
  invocationId: string;
  chainId: string;
  agent: string;
  taskType: string | undefined;
  /** Whether the candidate was chosen explicitly (`--tool`, `--model`, a task type), so it must not be rewritten. */
  explicit: boolean;
  prompt: Uint8Array;
  config: ResolvedConfig;
  maxCostUsd: number | undefined;
  force: { reason: string } | undefined;
  /**
   * The candidates the route tries after this one, in order (plugin API 1.9): a policy that prefers to move work
   * elsewhere (a plan window nearly used up) skips a candidate only when another is left, and names it in its hints.
   */
  nextCandidates?: readonly Candidate[];
}

export interface PolicyV1 {
  readonly specificationVersion: 'v1';
  readonly id: string;
  evaluate(candidate: Candidate, context: PolicyContext): PolicyDecision | Promise<PolicyDecision>;
}
