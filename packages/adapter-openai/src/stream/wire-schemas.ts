import { lazySchema, z } from '@llm-service/spec';

/**
 * What the server sends, as far as the adapter reads it. Every object is loose (servers add fields: `logprobs`,
 * `system_fingerprint`, `reasoning_content`), and every field the adapter does not need to trust is left out, so a
 * server's extra or odd fields never fail a good answer.
 */

/** `usage` of a completion or of the last chunk; `prompt_tokens` includes the cached ones. */
export const wireUsageSchema = lazySchema(() => {
  const tokenCount = z.number().int().min(0);
  return z.looseObject({
    prompt_tokens: tokenCount,
    completion_tokens: tokenCount,
    prompt_tokens_details: z.looseObject({ cached_tokens: tokenCount.nullish() }).nullish(),
  });
});
export type WireUsage = z.output<typeof wireUsageSchema>;

/** An API error as the servers put it: OpenAI, Ollama and llama.cpp under `error`, older vLLM at the top level. */
export const wireErrorSchema = lazySchema(() =>
  z.looseObject({
    message: z.string().nullish(),
    type: z.string().nullish(),
    // OpenAI sends a string (`context_length_exceeded`), vLLM and llama.cpp the HTTP status as a number.
    code: z.union([z.string(), z.number()]).nullish(),
  }),
);
export type WireError = z.output<typeof wireErrorSchema>;

export const errorBodySchema = lazySchema(() =>
  z.union([
    z.looseObject({ error: z.union([wireErrorSchema, z.string()]) }),
    z.looseObject({ object: z.literal('error'), message: z.string() }).transform((body) => ({ error: body })),
  ]),
);

/** One `chat.completion.chunk`. Only the first choice is read: the adapter never asks for more than one (`n`). */
export const chunkSchema = lazySchema(() =>
  z.looseObject({
    model: z.string().nullish(),
    choices: z
      .array(
        z.looseObject({
          delta: z.looseObject({ content: z.string().nullish() }).nullish(),
          finish_reason: z.string().nullish(),
        }),
      )
      .nullish(),
    // Checked on its own (`wireUsageSchema`): a usage the adapter cannot believe must not cost the answer.
    usage: z.unknown().optional(),
  }),
);
export type WireChunk = z.output<typeof chunkSchema>;

/** A whole `chat.completion`, from a server that answers `stream: true` with one JSON body. */
export const completionSchema = lazySchema(() =>
  z.looseObject({
    model: z.string().nullish(),
    choices: z
      .array(
        z.looseObject({
          message: z.looseObject({ content: z.string().nullish() }),
          finish_reason: z.string().nullish(),
        }),
      )
      .min(1),
    usage: z.unknown().optional(),
  }),
);

/** `GET /models`: `{ "object": "list", "data": [{ "id": … }] }`. */
export const modelListSchema = lazySchema(() =>
  z.looseObject({
    data: z.array(z.looseObject({ id: z.string() })),
  }),
);
