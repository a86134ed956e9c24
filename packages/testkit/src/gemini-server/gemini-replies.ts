import { pacedAnswer, stallReply } from '../http-test-server/replies.js';
import type { AnswerOptions, PacedAnswer, ScriptedStall } from '../http-test-server/replies.js';

/**
 * Token counts as the Gemini API reports them in `usageMetadata` (camelCase, as on the wire). `promptTokenCount`
 * includes the cached tokens; `totalTokenCount` is computed by the server as the API does (prompt + candidates +
 * thoughts + tool-use prompt).
 */
export interface GeminiUsageMetadata {
  promptTokenCount: number;
  candidatesTokenCount: number;
  cachedContentTokenCount: number;
  thoughtsTokenCount: number;
  toolUsePromptTokenCount: number;
}

export const defaultGeminiUsage: GeminiUsageMetadata = Object.freeze({
  promptTokenCount: 100,
  candidatesTokenCount: 20,
  cachedContentTokenCount: 0,
  thoughtsTokenCount: 0,
  toolUsePromptTokenCount: 0,
});

/** The API's `totalTokenCount` for a usage. */
export function totalTokenCount(usage: GeminiUsageMetadata): number {
  return (
    usage.promptTokenCount +
    usage.candidatesTokenCount +
    usage.thoughtsTokenCount +
    usage.toolUsePromptTokenCount
  );
}

/** A streamed answer: one server-sent event per chunk, the usage and finish reason on the last. */
export interface GeminiAnswerReply extends PacedAnswer {
  usage: GeminiUsageMetadata;
  /** `modelVersion` in each chunk; by default the model the request's path names. */
  modelVersion?: string;
}

/** An HTTP error with the API's JSON body: `{error: {code, message, status, details}}`. */
export interface GeminiErrorReply {
  kind: 'error';
  status: number;
  /** The google.rpc status name (`INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED`, `UNAVAILABLE`…). */
  rpcStatus: string;
  message: string;
  /** google.rpc detail objects (`ErrorInfo`, `RetryInfo`, `QuotaFailure`), each with its `@type`. */
  details: readonly Record<string, unknown>[];
}

/** Never finishes: no response at all, or headers and a first chunk and then nothing. */
export type GeminiStallReply = ScriptedStall;

/**
 * An answer cut short after its first chunks: `socket` destroys the connection in the middle of an event (a dropped
 * connection); `no-finish` ends the response cleanly but without a finish reason or usage.
 */
export interface GeminiTruncatedReply {
  kind: 'truncated';
  chunks: readonly string[];
  cut: 'socket' | 'no-finish';
}

export type GeminiScriptedReply =
  GeminiAnswerReply | GeminiErrorReply | GeminiStallReply | GeminiTruncatedReply;

const errorInfoType = 'type.googleapis.com/google.rpc.ErrorInfo';
const retryInfoType = 'type.googleapis.com/google.rpc.RetryInfo';
const quotaFailureType = 'type.googleapis.com/google.rpc.QuotaFailure';

/** The rpc status the real API sends with each HTTP status. */
const rpcStatuses: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

type GeminiAnswerOptions = AnswerOptions<GeminiAnswerReply, Partial<GeminiUsageMetadata>>;

/** Builders for the replies a test scripts, worded as the real Gemini API words them. */
export const geminiReply = {
  text(text: string, options: GeminiAnswerOptions = {}): GeminiAnswerReply {
    return geminiReply.chunks([text], options);
  },
  chunks(chunks: readonly string[], options: GeminiAnswerOptions = {}): GeminiAnswerReply {
    const { usage, ...rest } = options;
    return pacedAnswer(chunks, { ...defaultGeminiUsage, ...usage }, rest);
  },
  error(
    status: number,
    options: { rpcStatus?: string; message?: string; details?: readonly Record<string, unknown>[] } = {},
  ): GeminiErrorReply {
    const rpcStatus = options.rpcStatus ?? rpcStatuses[status] ?? 'UNKNOWN';
    return {
      kind: 'error',
      status,
      rpcStatus,
      message: options.message ?? `test server: ${rpcStatus}`,
      details: options.details ?? [],
    };
  },
  /** What the API answers a key it does not know: 400 INVALID_ARGUMENT with reason API_KEY_INVALID. */
  apiKeyInvalid(status: 400 | 401 | 403 = 400): GeminiErrorReply {
    return geminiReply.error(status, {
      message: 'API key not valid. Please pass a valid API key.',
      ...(status === 400 ? { rpcStatus: 'INVALID_ARGUMENT' } : {}),
      details: [
        {
          '@type': errorInfoType,
          reason: 'API_KEY_INVALID',
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
      ],
    });
  },
  /** A per-minute rate limit: 429 RESOURCE_EXHAUSTED with a RetryInfo `retryDelay`. */
  rateLimited(retryDelaySeconds: number): GeminiErrorReply {
    return geminiReply.error(429, {
      message: 'Resource has been exhausted (e.g. check quota).',
      details: [{ '@type': retryInfoType, retryDelay: `${retryDelaySeconds}s` }],
    });
  },
  /** A used-up daily quota: 429 RESOURCE_EXHAUSTED with a QuotaFailure on a per-day quota. */
  dailyQuotaExhausted(): GeminiErrorReply {
    return geminiReply.error(429, {
      message:
        'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.',
      details: [
        {
          '@type': quotaFailureType,
          violations: [
            {
              quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests',
              quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier',
              quotaDimensions: { location: 'global', model: 'gemini-2.5-flash' },
              quotaValue: '250',
            },
          ],
        },
        { '@type': retryInfoType, retryDelay: '41s' },
      ],
    });
  },
  overloaded(): GeminiErrorReply {
    return geminiReply.error(503, { message: 'The model is overloaded. Please try again later.' });
  },
  serverError(): GeminiErrorReply {
    return geminiReply.error(500, {
      message:
        'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting',
    });
  },
  /** The API's answer to a prompt larger than the model's window: 400 INVALID_ARGUMENT. */
  contextTooLong(inputTokens = 1_200_000, limit = 1_048_576): GeminiErrorReply {
    return geminiReply.error(400, {
      message: `The input token count (${inputTokens}) exceeds the maximum number of tokens allowed (${limit}).`,
    });
  },
  stall: stallReply,
  truncated(
    options: { chunks?: readonly string[]; cut?: 'socket' | 'no-finish' } = {},
  ): GeminiTruncatedReply {
    return { kind: 'truncated', chunks: [...(options.chunks ?? ['Partial '])], cut: options.cut ?? 'socket' };
  },
};
