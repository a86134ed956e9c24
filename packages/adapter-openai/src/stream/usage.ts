import type { Usage } from '@llm-service/spec';
import { wireUsageSchema } from './wire-schemas.js';

/**
 * The kernel's usage from the server's: `prompt_tokens` counts the cached tokens too, so they are taken out of the
 * input and counted as cache reads only, never priced twice. The API reports no cache writes. Undefined when the value
 * is not a usage the adapter can believe (negative, fractional, missing counts): the kernel then estimates.
 */
export function usageFromWire(value: unknown): Usage | undefined {
  const parsed = wireUsageSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const { prompt_tokens: prompt, completion_tokens: completion } = parsed.data;
  // More cached tokens than prompt tokens cannot be: no more than the prompt is believed cached.
  const cached = Math.min(parsed.data.prompt_tokens_details?.cached_tokens ?? 0, prompt);
  return {
    inputTokens: prompt - cached,
    outputTokens: completion,
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
  };
}
