import { createHash } from 'node:crypto';
import type { Usage, ModelPrice } from '@llm-service/spec';

/**
 * Cost in USD from a price table. Cache reads and writes are priced at their own rates and never also charged as
 * plain input; a model without cache prices charges them at its input rate.
 */
export function computeCostUsd(usage: Usage, price: ModelPrice): number {
  const perToken = 1 / 1_000_000;
  return (
    usage.inputTokens * price.input_per_mtok * perToken +
    usage.outputTokens * price.output_per_mtok * perToken +
    usage.cacheReadTokens * (price.cache_read_per_mtok ?? price.input_per_mtok) * perToken +
    usage.cacheWriteTokens * (price.cache_write_per_mtok ?? price.input_per_mtok) * perToken
  );
}

/** A short hash of one model's prices, recorded with every computed cost so a later price change rewrites nothing. */
export function priceHash(model: string, price: ModelPrice): string {
  const canonical = JSON.stringify([
    model,
    price.input_per_mtok,
    price.output_per_mtok,
    price.cache_read_per_mtok ?? null,
    price.cache_write_per_mtok ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
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
