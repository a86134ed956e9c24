import { emptyUsage, type Usage } from '@llm-service/spec';

/** Token totals over several parts of a run (each model it used, each turn). */
export function sumUsage(parts: readonly Usage[]): Usage {
  return parts.reduce<Usage>(
    (sum, usage) => ({
      inputTokens: sum.inputTokens + usage.inputTokens,
      outputTokens: sum.outputTokens + usage.outputTokens,
      cacheReadTokens: sum.cacheReadTokens + usage.cacheReadTokens,
      cacheWriteTokens: sum.cacheWriteTokens + usage.cacheWriteTokens,
    }),
    { ...emptyUsage },
  );
}

/** The model that did most of the answering among those a run used: most output tokens wins, the first on a tie. */
export function busiestModel(
  outputTokens: Iterable<readonly [model: string, output: number]>,
): string | undefined {
  let best: { model: string; output: number } | undefined;
  for (const [model, output] of outputTokens) {
    if (best === undefined || output > best.output) best = { model, output };
  }
  return best?.model;
}
