import { lazySchema, z } from '@llm-service/spec';

/**
 * The lines of `gemini --output-format stream-json` (0.61.0) this adapter reads, as zod schemas: every line is
 * checked before it is used, and fields are optional or loose wherever a release could drop or add them.
 */

const count = lazySchema(() => z.number().finite().nonnegative());

/** First line: the session and the model gemini was asked for. */
export const initEventSchema = lazySchema(() =>
  z.looseObject({
    type: z.literal('init'),
    session_id: z.string().optional(),
    model: z.string().optional(),
  }),
);
export type InitEvent = z.output<typeof initEventSchema>;

/** The prompt echoed (`role: user`), then the answer as deltas (`role: assistant`, `delta: true`). */
export const messageEventSchema = lazySchema(() =>
  z.looseObject({
    type: z.literal('message'),
    role: z.string(),
    content: z.string(),
    delta: z.boolean().optional(),
  }),
);

export const toolUseEventSchema = lazySchema(() =>
  z.looseObject({
    type: z.literal('tool_use'),
    tool_name: z.string().optional(),
    tool_id: z.string().optional(),
  }),
);

export const toolResultEventSchema = lazySchema(() =>
  z.looseObject({
    type: z.literal('tool_result'),
    tool_id: z.string().optional(),
    status: z.string().optional(),
  }),
);

/** A problem gemini reported without ending the run there (e.g. "Model stream ended without a finish reason."). */
export const errorEventSchema = lazySchema(() =>
  z.looseObject({
    type: z.literal('error'),
    severity: z.string().optional(),
    message: z.string().optional(),
  }),
);
export type ErrorEvent = z.output<typeof errorEventSchema>;

/**
 * Per-model token counts in the result line. `input_tokens` is the API's `promptTokenCount` (cached tokens included),
 * `input` the uncached part, `cached` the cache reads, `output_tokens` the `candidatesTokenCount` only, and
 * `total_tokens` the API's `totalTokenCount` (prompt + candidates + thoughts + tool-use prompt): thought tokens are
 * not listed on their own in stream-json, only inside the total.
 */
export const modelStatsSchema = lazySchema(() =>
  z.looseObject({
    total_tokens: count.optional(),
    input_tokens: count.optional(),
    output_tokens: count.optional(),
    cached: count.optional(),
    input: count.optional(),
  }),
);
export type ModelStats = z.output<typeof modelStatsSchema>;

export const resultStatsSchema = lazySchema(() =>
  z.looseObject({
    total_tokens: count.optional(),
    input_tokens: count.optional(),
    output_tokens: count.optional(),
    cached: count.optional(),
    input: count.optional(),
    duration_ms: count.optional(),
    tool_calls: count.optional(),
    models: z.record(z.string(), modelStatsSchema).optional(),
  }),
);
export type ResultStats = z.output<typeof resultStatsSchema>;

/** Last line: `status` success or error, the error gemini ended on, and the run's token counts. */
export const resultEventSchema = lazySchema(() =>
  z.looseObject({
    type: z.literal('result'),
    status: z.string(),
    error: z.looseObject({ type: z.string().optional(), message: z.string().optional() }).optional(),
    stats: resultStatsSchema.optional(),
  }),
);
export type ResultEvent = z.output<typeof resultEventSchema>;

export const streamEventSchema = lazySchema(() =>
  z.discriminatedUnion('type', [
    initEventSchema,
    messageEventSchema,
    toolUseEventSchema,
    toolResultEventSchema,
    errorEventSchema,
    resultEventSchema,
  ]),
);
export type StreamEvent = z.output<typeof streamEventSchema>;
