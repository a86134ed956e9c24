import { pacedAnswer, stallReply } from '../http-test-server/replies.js';
import type { AnswerOptions, PacedAnswer, ScriptedStall } from '../http-test-server/replies.js';

/** Token counts as the Chat Completions API reports them (snake_case, as on the wire). */
export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  /** Sent as `prompt_tokens_details.cached_tokens` (part of `prompt_tokens`, as OpenAI counts them) when set. */
  cached_tokens?: number;
}

export const defaultChatUsage: ChatUsage = Object.freeze({ prompt_tokens: 100, completion_tokens: 20 });

/**
 * An answer: streamed as `chat.completion.chunk` events when the request asked for `stream: true`, else one
 * `chat.completion` JSON body. The usage goes in a last chunk only when the request asked for it
 * (`stream_options.include_usage`), as OpenAI does.
 */
export interface ChatAnswerReply extends PacedAnswer {
  /** `null`: a server that never reports usage (it ignores `include_usage`). */
  usage: ChatUsage | null;
  /** The model named in each chunk; by default the one the request asked for. */
  model?: string;
  finishReason: string;
  /**
   * Ends the response early, without `[DONE]`: `'before-finish'` right after the chunks (no `finish_reason` either: a
   * broken stream), `'after-finish'` after the chunk with the `finish_reason` (and the usage chunk, when asked for).
   */
  truncate?: 'before-finish' | 'after-finish';
  /** Answers with one JSON completion even when asked to stream, as some servers do. */
  json?: boolean;
  /** An error event (`data: {"error": …}`) after the chunks instead of the end of the answer, as vLLM and OpenRouter send. */
  streamError?: { message: string; type?: string; code?: string | number };
}

/** An HTTP error with an OpenAI-shaped JSON body: `{"error": {"message", "type", "param", "code"}}`. */
export interface ChatErrorReply {
  kind: 'error';
  status: number;
  message: string;
  type: string;
  code: string | number | null;
  /** Headers sent with it, e.g. `retry-after`. */
  headers: Readonly<Record<string, string>>;
  /** Sent as it is instead of the OpenAI-shaped body (Ollama answers `{"error": "…"}` on its native routes). */
  rawBody?: string;
}

/** Any status, content type and body: a proxy's HTML page, a JSON body that is not a completion. */
export interface ChatRawReply {
  kind: 'raw';
  status: number;
  contentType: string;
  body: string;
}

/** Never finishes: no response at all, or the headers and a first chunk and then nothing. */
export type ChatStallReply = ScriptedStall;

export type ChatScriptedReply = ChatAnswerReply | ChatErrorReply | ChatRawReply | ChatStallReply;

type ChatAnswerOptions = AnswerOptions<ChatAnswerReply, ChatUsage | null>;

/** The error `type` OpenAI sends with each status. */
const errorTypes: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  402: 'insufficient_quota',
  403: 'permission_denied',
  404: 'invalid_request_error',
  429: 'rate_limit_exceeded',
  500: 'server_error',
  502: 'server_error',
  503: 'server_error',
};

/**
 * Messages in the shapes servers send when the prompt does not fit, as seen in their users' reports (not recorded
 * from running servers here: none with a model can run on these machines).
 */
export const contextLengthMessages = {
  // OpenAI (400, code context_length_exceeded).
  openai:
    "This model's maximum context length is 8192 tokens. However, your messages resulted in 9120 tokens. Please reduce the length of the messages.",
  // vLLM's OpenAI server (400, type BadRequestError, code 400).
  vllm: "This model's maximum context length is 4096 tokens. However, you requested 5120 tokens (4096 in the messages, 1024 in the completion). Please reduce the length of the messages or completion.",
  // vLLM when max_tokens does not fit beside the prompt (newer releases).
  'vllm-max-tokens':
    "'max_tokens' or 'max_completion_tokens' is too large: 8000. This model's maximum context length is 4096 tokens and your request has 2778 input tokens (8000 > 4096 - 2778). None",
  // vLLM's engine check.
  'vllm-engine':
    'The decoder prompt (length 5120) is longer than the maximum model length of 4096. Make sure that `max_model_len` is no smaller than the number of text tokens.',
  // llama.cpp's server (400, type exceed_context_size_error), which Ollama and LM Studio build on.
  'llama.cpp': 'request (4476 tokens) exceeds the available context size (4096 tokens)',
} as const;

/** The `type` and `code` each server puts beside its message. */
const contextErrorFields: Record<
  keyof typeof contextLengthMessages,
  { type: string; code: string | number }
> = {
  openai: { type: 'invalid_request_error', code: 'context_length_exceeded' },
  vllm: { type: 'BadRequestError', code: 400 },
  'vllm-max-tokens': { type: 'BadRequestError', code: 400 },
  'vllm-engine': { type: 'BadRequestError', code: 400 },
  'llama.cpp': { type: 'exceed_context_size_error', code: 400 },
};

/** Builders for the replies a test scripts, with the real API's defaults filled in. */
export const chatReply = {
  text(text: string, options: ChatAnswerOptions = {}): ChatAnswerReply {
    return chatReply.chunks([text], options);
  },

  chunks(chunks: readonly string[], options: ChatAnswerOptions = {}): ChatAnswerReply {
    const { usage, finishReason, ...rest } = options;
    const settled = usage === undefined ? { ...defaultChatUsage } : usage;
    return pacedAnswer(chunks, settled, { ...rest, finishReason: finishReason ?? 'stop' });
  },

  /** An answer from a server that sends no usage at all. */
  withoutUsage(chunks: readonly string[], options: Omit<ChatAnswerOptions, 'usage'> = {}): ChatAnswerReply {
    return chatReply.chunks(chunks, { ...options, usage: null });
  },

  /** A stream that ends without `[DONE]`; see `ChatAnswerReply.truncate`. */
  truncated(
    chunks: readonly string[],
    truncate: 'before-finish' | 'after-finish' = 'before-finish',
    options: ChatAnswerOptions = {},
  ): ChatAnswerReply {
    return chatReply.chunks(chunks, { ...options, truncate });
  },

  error(
    status: number,
    options: {
      message?: string;
      type?: string;
      code?: string | number | null;
      headers?: Record<string, string>;
      rawBody?: string;
    } = {},
  ): ChatErrorReply {
    const type = options.type ?? errorTypes[status] ?? 'server_error';
    return {
      kind: 'error',
      status,
      message: options.message ?? `test server: HTTP ${status}`,
      type,
      code: options.code ?? null,
      headers: options.headers ?? {},
      ...(options.rawBody === undefined ? {} : { rawBody: options.rawBody }),
    };
  },

  /** 429 with `retry-after` (seconds, or an HTTP date when given a Date). */
  rateLimited(retryAfter?: number | Date): ChatErrorReply {
    const headers: Record<string, string> =
      retryAfter === undefined
        ? {}
        : { 'retry-after': typeof retryAfter === 'number' ? String(retryAfter) : retryAfter.toUTCString() };
    return chatReply.error(429, {
      message: 'Rate limit reached for requests. Please try again later.',
      type: 'requests',
      code: 'rate_limit_exceeded',
      headers,
    });
  },

  /** OpenAI's quota failure: a 429 whose code is `insufficient_quota` (no retry will help until billing changes). */
  quotaExceeded(): ChatErrorReply {
    return chatReply.error(429, {
      message:
        'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
      type: 'insufficient_quota',
      code: 'insufficient_quota',
    });
  },

  /** 400 with the message (and, for OpenAI, the code) each server sends when the prompt does not fit. */
  contextLengthExceeded(shape: keyof typeof contextLengthMessages = 'openai'): ChatErrorReply {
    return chatReply.error(400, { message: contextLengthMessages[shape], ...contextErrorFields[shape] });
  },

  raw(status: number, body: string, contentType = 'text/html'): ChatRawReply {
    return { kind: 'raw', status, contentType, body };
  },

  stall: stallReply,
};
