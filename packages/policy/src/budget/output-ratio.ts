import type { InvocationRecord, TelemetryQueryV1 } from '@llm-service/spec';

/** Past requests read per agent: enough for a stable median, few enough to read in a millisecond or two. */
export const HISTORY_SAMPLES = 200;
/** Fewer matching requests than this and the history is not trusted: the configured default applies. */
export const MIN_HISTORY_SAMPLES = 5;

/** Where a request's expected output tokens came from. */
export type OutputEstimate =
  | { source: 'history'; tokens: number; ratio: number; samples: number }
  | { source: 'default'; tokens: number };

const promptSide = (row: InvocationRecord) => row.inputTokens + row.cacheReadTokens + row.cacheWriteTokens;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Expected output tokens of a request: its prompt tokens times the median output/input ratio of the agent's recent
 * successful requests of the same task type (none given matches requests recorded without one), read from telemetry;
 * the configured default when there is no telemetry or too little history. The median, not the mean, so one
 * runaway answer does not inflate every estimate after it. Ratios are read once per agent and task type per process.
 */
export class OutputRatios {
  readonly #query: () => TelemetryQueryV1 | undefined;
  readonly #ratios = new Map<string, Promise<{ ratio: number; samples: number } | undefined>>();

  constructor(query: () => TelemetryQueryV1 | undefined) {
    this.#query = query;
  }

  async expectedOutput(
    request: { agent: string; taskType: string | undefined; promptTokens: number },
    defaultTokens: number,
  ): Promise<OutputEstimate> {
    const key = JSON.stringify([request.agent, request.taskType ?? null]);
    let ratio = this.#ratios.get(key);
    if (!ratio) {
      ratio = this.#read(request.agent, request.taskType).catch(() => undefined);
      this.#ratios.set(key, ratio);
    }
    const history = await ratio;
    if (!history) return { source: 'default', tokens: defaultTokens };
    return { source: 'history', tokens: Math.ceil(request.promptTokens * history.ratio), ...history };
  }

  async #read(agent: string, taskType: string | undefined) {
    const query = this.#query();
    if (!query) return undefined;
    const rows = await query.invocations({
      agent,
      status: 'success',
      ...(taskType === undefined ? {} : { taskType }),
      limit: HISTORY_SAMPLES,
    });
    const ratios = rows
      .filter((row) => (taskType === undefined ? row.taskType === null : true) && promptSide(row) > 0)
      .map((row) => row.outputTokens / promptSide(row));
    if (ratios.length < MIN_HISTORY_SAMPLES) return undefined;
    return { ratio: median(ratios), samples: ratios.length };
  }
}
