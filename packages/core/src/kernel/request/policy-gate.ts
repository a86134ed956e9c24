import type { AttemptCost, Candidate, PolicyContext, PolicyDecision, PolicyV2 } from '@llm-service/spec';
import {
  warnFailed,
  type Blocked,
  type KernelLogger,
  type RequestContext,
  type RequestLog,
} from './request-log.js';

/** What one policy holds for the candidate that runs, handed back to it to settle or release. */
export interface Hold {
  policy: PolicyV2;
  hold: unknown;
  /** What the policy estimated the attempt costs, when it said. */
  estimateUsd: number | undefined;
}

/** What a candidate's attempts spent, and whether every sink committed the record of each. */
export interface Spending {
  committed: boolean;
  cost: AttemptCost | undefined;
}

export type GateOutcome =
  | { outcome: 'run'; candidate: Candidate; replaced: Candidate | undefined; holds: Hold[] }
  | ({ outcome: 'block' } & Blocked);

const nothingSpent: Spending = { committed: true, cost: undefined };

/**
 * Passes a candidate through every policy: each evaluates it (a rewrite changes what the next one sees, a block
 * ends the gate), then every policy with a lifecycle reserves on the candidate that will run, and only then are
 * the confirmations asked, so a block by any of them comes before a question, and a declined one releases what was
 * reserved.
 */
export async function passGate(
  context: RequestContext,
  planned: Candidate,
  policyContext: PolicyContext,
  options: { yes: boolean; log: RequestLog },
): Promise<GateOutcome> {
  const { log } = options;
  const { emit } = context;
  const policies = context.host.policies;
  let candidate = planned;
  let replaced: Candidate | undefined;
  const confirmations: { policy: string; candidate: Candidate; message: string }[] = [];
  const base = () => log.base(log.attempt);
  const decided = (policy: string, decision: PolicyDecision, on: Candidate) => {
    const said = {
      policy,
      candidate: on,
      action: decision.action,
      ...(decision.action === 'allow'
        ? {}
        : { message: decision.action === 'rewrite' ? decision.reason : decision.message }),
      ...(decision.action === 'rewrite' ? { rewrittenTo: decision.candidate } : {}),
    };
    log.recordDecision(said);
    emit({
      type: 'policy.decided',
      ...base(),
      ...said,
      ...(decision.action === 'rewrite' && decision.details ? { details: decision.details } : {}),
    });
  };
  const warned = (policy: string, on: Candidate, message: string) =>
    emit({ type: 'budget.warned', ...base(), policy, candidate: on, message });
  const blocked = (policy: string, on: Candidate, block: Blocked): GateOutcome => {
    log.recordBlock(policy, on, block.message);
    emit({ type: 'budget.blocked', ...base(), policy, candidate: on, ...block });
    return { outcome: 'block', ...block };
  };

  for (const policy of policies) {
    const decision = await policy.evaluate(candidate, policyContext);
    if (decision.action === 'rewrite' && policyContext.explicit) {
      // Explicit choices (--tool, --model, a task type) are never rewritten (DESIGN section 3).
      const message = `not rewritten: ${candidate.tool}:${candidate.model} was chosen explicitly`;
      log.recordDecision({ policy: policy.id, candidate, action: 'allow', message });
      emit({ type: 'policy.decided', ...base(), policy: policy.id, candidate, action: 'allow', message });
      continue;
    }
    decided(policy.id, decision, candidate);
    switch (decision.action) {
      case 'allow':
        break;
      case 'warn':
        warned(policy.id, candidate, decision.message);
        break;
      case 'confirm':
        if (options.yes) break;
        if (!context.confirm) warned(policy.id, candidate, decision.message);
        else confirmations.push({ policy: policy.id, candidate, message: decision.message });
        break;
      case 'rewrite':
        if (
          replaced === undefined &&
          (decision.candidate.tool !== candidate.tool || decision.candidate.model !== candidate.model)
        )
          replaced = candidate;
        candidate = decision.candidate;
        break;
      case 'block':
        return blocked(policy.id, candidate, {
          message: decision.message,
          hints: decision.hints,
          endsRequest: decision.endsRequest,
          ...(decision.resumeAt === undefined ? {} : { resumeAt: decision.resumeAt }),
        });
    }
  }

  const holds: Hold[] = [];
  try {
    for (const policy of policies) {
      const reservation = await policy.reserve?.(candidate, policyContext);
      if (!reservation) continue;
      if (reservation.action === 'block') {
        decided(policy.id, reservation, candidate);
        await endHolds(holds, nothingSpent, context.logger);
        return blocked(policy.id, candidate, reservation);
      }
      holds.push({ policy, hold: reservation.hold, estimateUsd: reservation.estimateUsd });
      if (reservation.warning !== undefined) warned(policy.id, candidate, reservation.warning);
    }
    for (const confirmation of confirmations) {
      if (context.confirm && !(await context.confirm(confirmation.message))) {
        await endHolds(holds, nothingSpent, context.logger);
        return blocked(confirmation.policy, confirmation.candidate, {
          message: `declined: ${confirmation.message}`,
          hints: [],
          endsRequest: true,
        });
      }
    }
  } catch (error) {
    await endHolds(holds, nothingSpent, context.logger);
    throw error;
  }
  return { outcome: 'run', candidate, replaced, holds };
}

/**
 * Settles each hold at what its attempts cost, or releases it when they cost nothing. When a sink failed to commit
 * an attempt, neither: the reservation stays held (until the process ends), so the cost is still counted.
 */
export async function endHolds(
  holds: readonly Hold[],
  spending: Spending,
  logger: KernelLogger,
): Promise<void> {
  if (holds.length === 0) return;
  if (!spending.committed) {
    logger.warn(
      'warning: the cost of this request could not be recorded; its budget reservation stays held until this process ends',
    );
    return;
  }
  const { cost } = spending;
  for (const { policy, hold } of holds) {
    try {
      if (cost && (cost.costUsd > 0 || cost.outcome === 'success')) await policy.settle?.(hold, cost);
      else await policy.release?.(hold);
    } catch (error) {
      warnFailed(logger, `policy ${policy.id} (settling its reservation)`, error);
    }
  }
}
