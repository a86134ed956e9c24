import { stallReply, type ScriptedStall } from '../http-test-server/replies.js';
import type { CodexRateLimits } from './rate-limit-headers.js';

/** Token counts as the Responses API reports them in `response.completed` (snake_case, as on the wire). */
export interface ResponsesUsage {
  /** All input tokens, the cached ones included. */
  input_tokens: number;
  /** The part of `input_tokens` read from the prompt cache. */
  cached_tokens: number;
  /** All output tokens, the reasoning ones included. */
  output_tokens: number;
  /** The part of `output_tokens` spent on reasoning. */
  reasoning_tokens: number;
}

export const defaultResponsesUsage: ResponsesUsage = Object.freeze({
  input_tokens: 100,
  cached_tokens: 0,
  output_tokens: 20,
  reasoning_tokens: 0,
});

/** A streamed answer: one assistant message per entry of `messages`, each sent as text deltas. */
export interface ResponsesAnswerReply {
  kind: 'answer';
  /** Each message's text, cut into the deltas it is streamed in. */
  messages: readonly (readonly string[])[];
  usage: ResponsesUsage;
  /** The model named in the response; by default the one the request asked for. */
  model?: string;
  /**
   * Stop after this many messages (each sent whole, `response.output_item.done` included) until `release()` is called:
   * a test can then check what the client printed while the response is provably still open.
   */
  holdAfterMessage?: number;
  /** End the stream after the first message's deltas, without `response.completed`: a truncated stream. */
  truncate: boolean;
  /** Sent as `x-codex-*` rate-limit headers, as the ChatGPT backend does. */
  rateLimits?: CodexRateLimits;
  /** Also send `rateLimits` as a `codex.rate_limits` event after `response.created`, as the backend may. */
  rateLimitsInStream?: boolean;
}

/** An HTTP error with the API's JSON error body `{ error: { … } }`. */
export interface ResponsesErrorReply {
  kind: 'error';
  status: number;
  /** The `error` object sent, as the service would. */
  error: Record<string, unknown>;
  /** Sent as `retry-after` (seconds) when set. */
  retryAfterSeconds?: number;
  /** Sent as `x-codex-*` rate-limit headers, as the ChatGPT backend does. */
  rateLimits?: CodexRateLimits;
}

/** A `200` stream that ends in `response.failed` with this error (how the service reports some failures mid-stream). */
export interface ResponsesFailedReply {
  kind: 'failed';
  error: { code: string; message: string };
}

/** Never finishes: no response at all, or headers and `response.created` and then nothing. */
export type ResponsesStallReply = ScriptedStall;

export type ResponsesScriptedReply =
  ResponsesAnswerReply | ResponsesErrorReply | ResponsesFailedReply | ResponsesStallReply;

type ResponsesAnswerOptions = Partial<Omit<ResponsesAnswerReply, 'kind' | 'messages' | 'usage'>> & {
  usage?: Partial<ResponsesUsage>;
};

/** Builders for the replies a test scripts, with the bodies the real service sends for each failure. */
export const responsesReply = {
  /** One assistant message, sent in one delta. */
  text(text: string, options: ResponsesAnswerOptions = {}): ResponsesAnswerReply {
    return responsesReply.messages([[text]], options);
  },

  /** One assistant message sent in several deltas. */
  chunks(chunks: readonly string[], options: ResponsesAnswerOptions = {}): ResponsesAnswerReply {
    return responsesReply.messages([chunks], options);
  },

  /** Several assistant messages in one response. */
  messages(
    messages: readonly (readonly string[])[],
    options: ResponsesAnswerOptions = {},
  ): ResponsesAnswerReply {
    const { usage, truncate, ...rest } = options;
    return {
      kind: 'answer',
      messages: messages.map((chunks) => [...chunks]),
      usage: { ...defaultResponsesUsage, ...usage },
      truncate: truncate ?? false,
      ...rest,
    };
  },

  /** A stream cut after the first deltas: no `response.output_item.done`, no `response.completed`. */
  truncated(chunks: readonly string[] = ['This answer is cut ']): ResponsesAnswerReply {
    return responsesReply.messages([chunks], { truncate: true });
  },

  /** 401 with the body OpenAI sends for a wrong key. */
  unauthorized(): ResponsesErrorReply {
    return {
      kind: 'error',
      status: 401,
      error: {
        message:
          'Incorrect API key provided: sk-test. You can find your API key at https://platform.openai.com/account/api-keys.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    };
  },

  /** 429 for a per-minute rate limit, with `retry-after` when given. */
  rateLimited(options: { retryAfterSeconds?: number } = {}): ResponsesErrorReply {
    const wait = options.retryAfterSeconds;
    return {
      kind: 'error',
      status: 429,
      error: {
        message: `Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1.${wait === undefined ? '' : ` Please try again in ${wait}s.`}`,
        type: 'requests',
        param: null,
        code: 'rate_limit_exceeded',
      },
      ...(wait === undefined ? {} : { retryAfterSeconds: wait }),
    };
  },

  /**
   * A rate limit reported inside a `200` stream (`response.failed` with `rate_limit_exceeded`), whose message says when
   * to try again: the form in which codex passes the wait on.
   */
  rateLimitedInStream(retryAfterSeconds: number): ResponsesFailedReply {
    return {
      kind: 'failed',
      error: {
        code: 'rate_limit_exceeded',
        message: `Rate limit reached for gpt-5.5 in organization org-test on tokens per min (TPM): Limit 30000, Used 30000, Requested 120. Please try again in ${retryAfterSeconds}s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
      },
    };
  },

  /**
   * 429 `usage_limit_reached`: a ChatGPT plan's usage window is used up (the body codex's client reads: `type`,
   * `plan_type`, `resets_at` in epoch seconds).
   */
  usageLimitReached(options: {
    resetsAt: Date;
    planType?: string;
    /** The backend's rate-limit headers sent with the refusal. */
    rateLimits?: CodexRateLimits;
  }): ResponsesErrorReply {
    return {
      kind: 'error',
      status: 429,
      error: {
        type: 'usage_limit_reached',
        message: 'The usage limit has been reached',
        plan_type: options.planType ?? 'plus',
        resets_at: Math.floor(options.resetsAt.getTime() / 1000),
        resets_in_seconds: Math.max(0, Math.round((options.resetsAt.getTime() - Date.now()) / 1000)),
      },
      ...(options.rateLimits === undefined ? {} : { rateLimits: options.rateLimits }),
    };
  },

  /** 429 `insufficient_quota`: an API account out of credit. */
  insufficientQuota(): ResponsesErrorReply {
    return {
      kind: 'error',
      status: 429,
      error: {
        message: 'You exceeded your current quota, please check your plan and billing details.',
        type: 'insufficient_quota',
        param: null,
        code: 'insufficient_quota',
      },
    };
  },

  /** 400 `context_length_exceeded`. */
  contextTooLong(): ResponsesErrorReply {
    return {
      kind: 'error',
      status: 400,
      error: {
        message:
          'Your input exceeds the context window of this model. Please adjust your input and try again.',
        type: 'invalid_request_error',
        param: 'input',
        code: 'context_length_exceeded',
      },
    };
  },

  /** 500 or 503 with the service's generic server error. */
  serverError(status: 500 | 502 | 503 = 500): ResponsesErrorReply {
    return {
      kind: 'error',
      status,
      error: {
        message:
          status === 503
            ? 'The engine is currently overloaded, please try again later.'
            : 'The server had an error while processing your request. Sorry about that!',
        type: 'server_error',
        param: null,
        code: null,
      },
    };
  },

  stall: stallReply,
};
