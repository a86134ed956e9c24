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
