import {
  emptyUsage,
  type AttemptCost,
  type Candidate,
  type CostEstimatorV1,
  type ModelPrice,
  type RecordedCost,
  type Usage,
} from '@llm-service/spec';
import { computeCostUsd, priceHash, sumUsage } from '@llm-service/plugin-kit';
import type { KernelLogger } from './request-log.js';

/** The candidate's attempts' costs added up; the last attempt's outcome and cost source stand for them all. */
export function addCost(
  total: AttemptCost | undefined,
  outcome: AttemptCost['outcome'],
  cost: RecordedCost | undefined,
): AttemptCost {
  const before = total ?? { usage: emptyUsage, costUsd: 0, costSource: 'computed' as const, outcome };
  return {
    outcome,
    usage: sumUsage([before.usage, cost?.usage ?? emptyUsage]),
    costUsd: before.costUsd + (cost?.costUsd ?? 0),
    costSource: cost?.costSource ?? before.costSource,
  };
}

/**
 * The cost an attempt is recorded and settled at, from what its tool reported. When the tool reported a figure that
 * cannot be true, the attempt keeps its answer but its cost is the largest estimate a policy held for it (else the
 * price table's figure for the believable part of the usage), marked `estimated`, with what the tool said.
 */
export function reportedCost(
  candidate: Candidate,
  price: ModelPrice | undefined,
  reported: { usage: Usage; costUsd: number | undefined },
  heldEstimates: readonly number[],
  logger: KernelLogger,
): RecordedCost {
  const { usage, reportedCostUsd: believed, doubts } = checkReport(reported.usage, reported.costUsd);
  const computedCostUsd = price ? computeCostUsd(usage, price) : 0;
  const recorded = { usage, computedCostUsd, priceHash: price ? priceHash(candidate.model, price) : '' };
  if (doubts.length === 0)
    return {
      ...recorded,
      costUsd: believed ?? computedCostUsd,
      costSource: believed === undefined ? 'computed' : 'tool',
    };
  const estimateUsd = heldEstimates.length > 0 ? Math.max(...heldEstimates) : computedCostUsd;
  const counted = `${heldEstimates.length > 0 ? 'the estimate the budget held' : 'the cost of the rest of its usage'}, $${estimateUsd.toFixed(4)}`;
  logger.warn(
    `warning: ${candidate.tool}:${candidate.model} reported ${doubts.join(', ')}, which cannot be true; ` +
      `counting ${counted} instead`,
  );
  return {
    ...recorded,
    costUsd: estimateUsd,
    costSource: 'estimated',
    note: `the tool reported ${doubts.join(', ')}; counted ${counted}`,
  };
}

/**
 * The cost of an attempt whose tool reported no usage: what the cost estimator counts, at the model's prices, marked
 * `estimated`; `unknown` (no figure, never $0) when no loaded plugin estimates.
 */
export async function unreportedCost(
  candidate: Candidate,
  price: ModelPrice | undefined,
  estimator: CostEstimatorV1 | undefined,
  attempt: { agent: string; prompt: Uint8Array; answer: string },
  logger: KernelLogger,
): Promise<RecordedCost> {
  const unknown = (note: string): RecordedCost => ({
    usage: emptyUsage,
    costUsd: 0,
    costSource: 'unknown',
    computedCostUsd: 0,
    priceHash: '',
    note,
  });
  if (!estimator)
    return unknown('the tool reports no usage and no loaded plugin estimates it (the policy plugin does)');
  let usage: Usage;
  try {
    usage = await estimator.usageOf({ ...attempt, model: candidate.model });
  } catch (error) {
    // The answer has been given: an estimator that fails leaves its cost unknown, never fails the request.
    const reason = error instanceof Error ? error.message : String(error);
    logger.warn(
      `warning: the cost of ${candidate.tool}:${candidate.model} could not be estimated: ${reason}`,
    );
    return unknown(`the tool reports no usage and the estimate failed: ${reason}`);
  }
  const costUsd = price ? computeCostUsd(usage, price) : 0;
  return {
    usage,
    costUsd,
    costSource: 'estimated',
    computedCostUsd: costUsd,
    priceHash: price ? priceHash(candidate.model, price) : '',
    note: 'the tool reports no usage; its prompt and answer were counted with a tokenizer',
  };
}

/** What a tool reported of its usage and cost, with the figures that cannot be true taken out. */
export interface CheckedReport {
  /** The usage with every count that cannot be true counted as 0. */
  usage: Usage;
  /** The tool's cost, or undefined when it reported none or one that cannot be true. */
  reportedCostUsd: number | undefined;
  /** The figures not believed, as `field value` (e.g. `cost_usd -100`); empty when every figure is believable. */
  doubts: string[];
}

/** A token count or cost a tool may report: not negative, not infinite, a number. */
const believable = (value: number): boolean => Number.isFinite(value) && value >= 0;

const usageFields: readonly [keyof Usage, string][] = [
  ['inputTokens', 'input_tokens'],
  ['outputTokens', 'output_tokens'],
  ['cacheReadTokens', 'cache_read_tokens'],
  ['cacheWriteTokens', 'cache_write_tokens'],
];

/**
 * Checks the figures an adapter reported. A negative or non-finite count or cost is not believed: one such number
 * would otherwise lower the spend a budget counts (a reported cost of -100 once let twenty $1 requests past a $5
 * limit). The adapter is a plugin, so the kernel checks here rather than trusting every adapter to.
 */
export function checkReport(usage: Usage, reportedCostUsd: number | undefined): CheckedReport {
  const doubts: string[] = [];
  const checked = { ...usage };
  for (const [field, name] of usageFields) {
    // `typeof`: a JavaScript adapter may hand over a string or null whatever its types say.
    const value: unknown = usage[field];
    if (typeof value === 'number' && believable(value)) continue;
    doubts.push(`${name} ${String(value)}`);
    checked[field] = 0;
  }
  let cost = reportedCostUsd;
  if (cost !== undefined && !(typeof cost === 'number' && believable(cost))) {
    doubts.push(`cost_usd ${String(cost)}`);
    cost = undefined;
  }
  return { usage: checked, reportedCostUsd: cost, doubts };
}
