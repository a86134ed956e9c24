import { lazySchema, z, UsageError } from '@llm-service/spec';

/** One line of a workload file: a request (or `count` alike) with its token figures. */
export const workloadLineSchema = lazySchema(() =>
  z.strictObject({
    agent: z.string().min(1),
    task_type: z.string().min(1).optional(),
    /** Tokens of the prompt as sent (context included). */
    prompt_tokens: z.number().int().min(0),
    /** Tokens of the answer; assumed the same on whichever model answers. */
    output_tokens: z.number().int().min(0),
    /** How many such requests (default 1). */
    count: z.number().int().positive().default(1),
    /** When it ran (ISO 8601 with an offset): budgets are replayed only for requests with a time. */
    at: z
      .string()
      .refine((value) => /^\d{4}-\d\d-\d\dT/.test(value) && !Number.isNaN(Date.parse(value)), {
        error: 'expected an ISO 8601 time, e.g. 2026-11-25T10:00:00Z',
      })
      .optional(),
    /** The workflow run it belongs to, for `chain` budgets. */
    chain_id: z.string().min(1).optional(),
  }),
);

export type WorkloadLine = z.output<typeof workloadLineSchema>;

/** A request to replay, from a workload file or from telemetry. */
export interface SimulatedRequest {
  agent: string;
  taskType: string | undefined;
  promptTokens: number;
  outputTokens: number;
  count: number;
  at?: Date;
  chainId?: string;
  /** The project it was recorded under; the simulated config's own when absent. */
  project?: string;
}

const maxReported = 10;

/** Parses a JSONL workload; every bad line is reported at once (up to ten), each as `FILE:LINE: field: problem`. */
export function parseWorkload(text: string, displayPath: string): SimulatedRequest[] {
  const requests: SimulatedRequest[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line.length === 0) return;
    const where = `${displayPath}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`${where}: not a JSON object`);
      return;
    }
    const parsed = workloadLineSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path.join('.');
        problems.push(`${where}: ${field ? `${field}: ` : ''}${issue.message}`);
      }
      return;
    }
    requests.push({
      agent: parsed.data.agent,
      taskType: parsed.data.task_type,
      promptTokens: parsed.data.prompt_tokens,
      outputTokens: parsed.data.output_tokens,
      count: parsed.data.count,
      ...(parsed.data.at === undefined ? {} : { at: new Date(parsed.data.at) }),
      ...(parsed.data.chain_id === undefined ? {} : { chainId: parsed.data.chain_id }),
    });
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, maxReported);
    const more = problems.length > maxReported ? `; and ${problems.length - maxReported} more` : '';
    throw new UsageError(
      `invalid workload (${problems.length} problem${problems.length === 1 ? '' : 's'}): ${shown.join('; ')}${more}`,
      {
        hint: 'each line is {"agent": "...", "task_type": "...", "prompt_tokens": N, "output_tokens": N, "count": N, "at": "ISO time", "chain_id": "..."} (all but agent and the tokens optional)',
      },
    );
  }
  if (requests.length === 0) throw new UsageError(`${displayPath} holds no requests`);
  return requests;
}
