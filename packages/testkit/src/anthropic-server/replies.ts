import { pacedAnswer, stallReply } from '../http-test-server/replies.js';
import type { AnswerOptions, PacedAnswer, ScriptedStall } from '../http-test-server/replies.js';
import { secondsUntil, type UnifiedRateLimits } from './rate-limit-headers.js';

/** Token counts as the Messages API reports them (snake_case, as on the wire). */
export interface MessageUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export const defaultUsage: MessageUsage = Object.freeze({
  input_tokens: 100,
  output_tokens: 20,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
});

/** A streamed answer: one `text_delta` event per chunk. */
export interface AnswerReply extends PacedAnswer {
  usage: MessageUsage;
  /** The model named in `message_start`; by default the one the request asked for. */
  model?: string;
  /** A tool call after the text (stop reason `tool_use`): the client runs the tool and sends its result back. */
  toolUse?: { id: string; name: string; input: Record<string, unknown> };
  /** Sent as `anthropic-ratelimit-unified-*` headers, as the service does for a subscription login. */
  rateLimits?: UnifiedRateLimits;
}

/** An HTTP error with the API's JSON error body. */
export interface ErrorReply {
  kind: 'error';
  status: number;
  errorType: string;
  message: string;
  /** Sent as `retry-after` (seconds) when set. */
  retryAfterSeconds?: number;
  /** Sent as `anthropic-ratelimit-unified-*` headers, as the service does for a subscription login. */
  rateLimits?: UnifiedRateLimits;
}

/** Never finishes: no response at all, or headers and `message_start` and then nothing. */
export type StallReply = ScriptedStall;

export type ScriptedReply = AnswerReply | ErrorReply | StallReply;

/** The error type the real API sends with each status. */
const errorTypes: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  503: 'api_error',
  529: 'overloaded_error',
};

/** Builders for the replies a test scripts, with the real API's defaults filled in. */
export const reply = {
  text(text: string, options: AnswerOptions<AnswerReply, Partial<MessageUsage>> = {}): AnswerReply {
    return reply.chunks([text], options);
  },

  chunks(
    chunks: readonly string[],
    options: AnswerOptions<AnswerReply, Partial<MessageUsage>> = {},
  ): AnswerReply {
    const { usage, ...rest } = options;
    return pacedAnswer(chunks, { ...defaultUsage, ...usage }, rest);
  },

  error(
    status: number,
    options: {
      errorType?: string;
      message?: string;
      retryAfterSeconds?: number;
      rateLimits?: UnifiedRateLimits;
    } = {},
  ): ErrorReply {
    const errorType = options.errorType ?? errorTypes[status] ?? 'api_error';
    return {
      kind: 'error',
      status,
      errorType,
      message: options.message ?? `test server: ${errorType}`,
      ...(options.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: options.retryAfterSeconds }),
      ...(options.rateLimits === undefined ? {} : { rateLimits: options.rateLimits }),
    };
  },

  /**
   * 429 for a subscription whose window is used up, as the service refuses it: `rate_limit_error`, the unified status
   * `rejected` naming the window and its reset, and `retry-after` counting down to that reset. `windows` adds the
   * per-window headers (by default the rejected window at full utilization).
   */
  planLimitRejected(options: {
    window: 'five_hour' | 'seven_day' | 'seven_day_opus' | 'overage' | (string & {});
    resetsAt: Date;
    windows?: Pick<UnifiedRateLimits, 'fiveHour' | 'sevenDay' | 'overage'>;
    message?: string;
  }): ErrorReply {
    const full = {
      utilization: 1,
      resetsAt: options.resetsAt,
      status: 'rejected',
      surpassedThreshold: 1,
    } as const;
    const windows = options.windows ?? {
      ...(options.window === 'five_hour' ? { fiveHour: full } : {}),
      ...(options.window === 'seven_day' ? { sevenDay: full } : {}),
    };
    return reply.error(429, {
      message: options.message ?? 'Rate limit exceeded',
      retryAfterSeconds: secondsUntil(options.resetsAt),
      rateLimits: {
        status: 'rejected',
        representativeClaim: options.window,
        resetsAt: options.resetsAt,
        ...windows,
      },
    });
  },

  stall: stallReply,
};
