import { lazySchema, z } from '@llm-service/spec';

/**
 * The JSON lines `codex exec --json` prints (0.169.0), as far as the adapter reads them. Every schema is loose
 * (unknown keys pass) and every field the adapter does not strictly need is optional: a newer codex that adds fields
 * still parses, and a line that does not fit is counted, not trusted.
 */

/** `turn.completed.usage`: `input_tokens` includes `cached_input_tokens`; `output_tokens` includes the reasoning ones. */
export const codexUsageSchema = lazySchema(() => {
  const tokenCount = z.number().int().nonnegative();
  return z.looseObject({
    input_tokens: tokenCount.default(0),
    cached_input_tokens: tokenCount.default(0),
    cache_write_input_tokens: tokenCount.default(0),
    output_tokens: tokenCount.default(0),
    reasoning_output_tokens: tokenCount.default(0),
  });
});
export type CodexUsage = z.output<typeof codexUsageSchema>;

/** An item of the thread: `agent_message` (the answer), `reasoning`, `command_execution`, `file_change`, `error`… */
export const codexItemSchema = lazySchema(() =>
  z.looseObject({
    id: z.string().optional(),
    type: z.string(),
    /** `agent_message` and `reasoning` text. */
    text: z.string().optional(),
    /** `error` items: a warning codex goes on after (an unknown model's metadata, a transport fallback). */
    message: z.string().optional(),
  }),
);
export type CodexItem = z.output<typeof codexItemSchema>;

export const codexEventSchema = lazySchema(() =>
  z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('thread.started'), thread_id: z.string().optional() }),
    z.looseObject({ type: z.literal('turn.started') }),
    z.looseObject({
      type: z.enum(['item.started', 'item.updated', 'item.completed']),
      item: codexItemSchema,
    }),
    z.looseObject({ type: z.literal('turn.completed'), usage: codexUsageSchema.optional() }),
    z.looseObject({
      type: z.literal('turn.failed'),
      error: z.looseObject({ message: z.string().optional() }).optional(),
    }),
    /** A failure or a retry notice (`Reconnecting... 2/5 (…)`): codex prints both as top-level `error` lines. */
    z.looseObject({ type: z.literal('error'), message: z.string().optional() }),
  ]),
);
export type CodexEvent = z.output<typeof codexEventSchema>;

/** Any JSON object with a `type`: what tells a codex event of an unknown kind from output that is not codex's. */
export const anyEventSchema = lazySchema(() => z.looseObject({ type: z.string() }));

export const knownEventTypes: ReadonlySet<string> = new Set([
  'thread.started',
  'turn.started',
  'item.started',
  'item.updated',
  'item.completed',
  'turn.completed',
  'turn.failed',
  'error',
]);
