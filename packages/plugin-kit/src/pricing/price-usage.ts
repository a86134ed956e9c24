import { createHash } from 'node:crypto';
import type { ModelPrice, Usage } from '@llm-service/spec';

/**
 * Cost in USD from a price table. Cache reads and writes are priced at their own rates and never also charged as
 * plain input; a model without cache prices charges them at its input rate. The kernel prices what a tool used with
 * it, and a budget prices its estimate with it, so the two never disagree on a formula.
 */
export function computeCostUsd(usage: Usage, price: ModelPrice): number {
  // Summed in token-dollars and divided once: a figure such as 0.1 comes out exact, not 0.09999999999999999.
  const tokenDollars =
    usage.inputTokens * price.input_per_mtok +
    usage.outputTokens * price.output_per_mtok +
    usage.cacheReadTokens * (price.cache_read_per_mtok ?? price.input_per_mtok) +
    usage.cacheWriteTokens * (price.cache_write_per_mtok ?? price.input_per_mtok);
  return tokenDollars / 1_000_000;
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
