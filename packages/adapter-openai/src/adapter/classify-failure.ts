import { AdapterError, type AdapterErrorKind, type PlanWindowReading } from '@llm-service/spec';
import { resetsAtFrom } from '../http/retry-after.js';
import { errorBodySchema, type WireError } from '../stream/wire-schemas.js';
import { openaiHints, type HintContext } from './hints.js';

/** Everything a classification needs besides the failure itself. */
export interface FailureContext extends HintContext {
  /** Strikes the key and header values from text the server sent. */
  redact: (text: string) => string;
}

/** About 1 KB of a server's error body goes into the detail: the error, short enough to read. */
const detailChars = 1000;

/**
 * How the servers say a prompt is too long: OpenAI's code, and the wording of OpenAI, vLLM ("maximum context length",
 * "longer than the maximum model length"), llama.cpp ("exceeds the available context size",
 * `exceed_context_size_error`), and others ("exceeds the context length", "input is too long", "context window").
 */
const contextCodes = new Set([
  'context_length_exceeded',
  'exceed_context_size_error',
  'context_window_exceeded',
]);
const contextPattern =
  /maximum context length|context[ _]length[ _]exceeded|exceeds? (?:the )?(?:available |maximum )?context (?:size|length|window)|longer than the maximum model length|context window|(?:prompt|input) is too long|too many tokens in the prompt/i;

/** OpenAI's codes for an account out of credit (a 429 that no wait cures), and the words other providers use. */
const quotaCodes = new Set(['insufficient_quota', 'billing_hard_limit_reached', 'billing_not_active']);
const quotaPattern = /exceeded your current quota|insufficient (?:credits|balance|funds|quota)|billing/i;

function codeText(error: WireError | undefined): string {
  return [error?.code, error?.type].filter((part) => part !== undefined && part !== null).join(' ');
}

/** The server's error, read defensively from its body: any shape the servers use, else nothing. */
export function readErrorBody(body: string): WireError | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = errorBodySchema.safeParse(json);
  if (!parsed.success) return undefined;
  const { error } = parsed.data;
  return typeof error === 'string' ? { message: error } : error;
}

export function isContextTooLong(error: WireError | undefined): boolean {
  if (error === undefined) return false;
  const codes = [error.code, error.type].filter((value): value is string => typeof value === 'string');
  return codes.some((code) => contextCodes.has(code)) || contextPattern.test(error.message ?? '');
}

export function isQuotaExhausted(error: WireError | undefined): boolean {
  if (error === undefined) return false;
  const codes = [error.code, error.type].filter((value): value is string => typeof value === 'string');
  return codes.some((code) => quotaCodes.has(code)) || quotaPattern.test(error.message ?? '');
}

/** The kind of a failure from its HTTP status (when there is one) and what the server said. */
export function failureKind(status: number | undefined, error: WireError | undefined): AdapterErrorKind {
  // Checked before the status: vLLM says it with 400, llama.cpp with 400 or 500, a proxy with 413.
  if (isContextTooLong(error) || status === 413) return 'context-too-long';
  if (status === 402 || isQuotaExhausted(error)) return 'plan-limit';
  if (status === 401 || status === 403) return 'auth';
  if (status === 429) return 'rate-limit';
  if (status === 408 || (status !== undefined && status >= 500)) return 'overloaded';
  return 'tool-error';
}

function hintFor(
  kind: AdapterErrorKind,
  status: number | undefined,
  context: FailureContext,
  resetsAt: string | undefined,
): string | undefined {
  switch (kind) {
    case 'context-too-long':
      return openaiHints.contextTooLong(context);
    case 'plan-limit':
      return openaiHints.planLimit(context);
    case 'auth':
      return openaiHints.auth(context);
    case 'rate-limit':
      return openaiHints.rateLimit(context, resetsAt);
    case 'overloaded':
      return openaiHints.overloaded(context);
    default:
      return status === 404 ? openaiHints.notFound(context) : undefined;
  }
}

/**
 * `You exceeded… (insufficient_quota)`, the server's own words, with any secret struck out. The code goes after the
 * message: before it, `invalid_api_key: Incorrect…` reads to redactSecrets as a key and its value.
 */
function said(error: WireError | undefined, context: FailureContext): string | undefined {
  const message = error?.message?.trim();
  const code = codeText(error);
  if (!message && !code) return undefined;
  return context.redact(message ? `${message}${code ? ` (${code})` : ''}` : code);
}

/** A response with a status other than 2xx. */
export function httpFailure(
  status: number,
  headers: Pick<Headers, 'get'>,
  body: string,
  context: FailureContext,
): AdapterError {
  const error = readErrorBody(body);
  const kind = failureKind(status, error);
  const resetsAt = kind === 'rate-limit' ? resetsAtFrom(headers) : undefined;
  const serverSaid = said(error, context);
  const message = `'${context.toolId}': ${context.tool.base_url} answered HTTP ${status}${serverSaid ? `: ${serverSaid}` : ''}`;
  const hint = hintFor(kind, status, context, resetsAt);
  return new AdapterError(kind, message, {
    exitCode: status,
    ...(body.trim() === '' ? {} : { detail: context.redact(body.trim().slice(0, detailChars)) }),
    ...(hint === undefined ? {} : { hint }),
    ...(resetsAt === undefined ? {} : { resetsAt }),
  });
}

/** OpenAI's names for the limit a 429 hit (`type` of its body): per-minute requests or tokens. */
const rateLimitWindows = new Set(['requests', 'tokens']);

/**
 * What a refusal says of the account's limits, as a `rejected` reading: an account out of credit is its `quota`
 * (with no reset: only a payment lifts it), a 429 is the limit OpenAI names (`requests`, `tokens`) or `rate_limit`,
 * until the time `Retry-After` gave. Undefined for every other failure, which says nothing of a limit.
 */
export function rejectedReading(
  failure: AdapterError,
  error: WireError | undefined,
): PlanWindowReading | undefined {
  if (failure.kind === 'plan-limit') return { window: 'quota', status: 'rejected' };
  if (failure.kind !== 'rate-limit') return undefined;
  const named =
    typeof error?.type === 'string' && rateLimitWindows.has(error.type) ? error.type : 'rate_limit';
  return {
    window: named,
    status: 'rejected',
    ...(failure.resetsAt === undefined ? {} : { resetsAt: failure.resetsAt }),
  };
}

/**
 * An error event in the middle of a stream (vLLM, OpenRouter): the status went out as 200 before the failure, so the
 * kind comes from the error's numeric code when it is an HTTP status, else from its words; an unknown one is the
 * server's failure, `overloaded`.
 */
export function streamFailure(error: WireError, context: FailureContext): AdapterError {
  const status =
    typeof error.code === 'number' && error.code >= 400 && error.code < 600 ? error.code : undefined;
  const classified = failureKind(status, error);
  const kind = classified === 'tool-error' && status === undefined ? 'overloaded' : classified;
  const hint = hintFor(kind, status, context, undefined);
  return new AdapterError(
    kind,
    `'${context.toolId}': the stream from ${context.tool.base_url} ended with an error: ${said(error, context) ?? 'no message'}`,
    hint === undefined ? {} : { hint },
  );
}

/** Codes that mean nothing listens at base_url: no server there, a wrong host or port, no network. */
const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** Codes that mean a server was there and dropped the connection before it answered. */
const droppedCodes = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** The `code` of a fetch failure: Node's fetch puts it on the cause, an AggregateError on its first error. */
export function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const { code, cause, errors } = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string') return code;
    current = cause ?? (Array.isArray(errors) ? (errors as unknown[])[0] : undefined);
  }
  return undefined;
}

/**
 * A request that got no response. Nothing listening (refused, unknown host) is `tool-error`: the kernel falls back
 * at once, since a stopped server does not start within a retry's wait (see the README for why not `overloaded` or
 * `not-installed`). A connection the server dropped before answering is `overloaded`: a server that is there may
 * answer the next request.
 */
export function networkFailure(error: unknown, context: FailureContext): AdapterError {
  const code = networkCode(error);
  const reason = context.redact(code ?? (error instanceof Error ? error.message : String(error)));
  if (code !== undefined && droppedCodes.has(code)) {
    return new AdapterError(
      'overloaded',
      `'${context.toolId}': ${context.tool.base_url} closed the connection before answering (${reason})`,
      { cause: error, hint: openaiHints.overloaded(context) },
    );
  }
  const where = code !== undefined && unreachableCodes.has(code) ? 'nothing answered at' : 'could not reach';
  return new AdapterError(
    'tool-error',
    `'${context.toolId}': ${where} ${context.tool.base_url} (${reason})`,
    {
      cause: error,
      hint: openaiHints.unreachable(context),
    },
  );
}
