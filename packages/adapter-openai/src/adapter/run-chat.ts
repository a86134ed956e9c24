import {
  AdapterError,
  emptyUsage,
  type InvocationRequest,
  type InvocationResult,
  type Usage,
} from '@llm-service/spec';
import {
  agentOptionsOrDefaults,
  credentialsError,
  decodeUtf8,
  missingCredentials,
  monotonicMs,
  type ReportLimits,
  throwIfCancelled,
  withSpending,
} from '@llm-service/plugin-kit';
import { openaiAgentOptionsSchema, type OpenAIAgentOptions } from '../config/openai-schema.js';
import { chatRequestBody } from '../http/chat-request.js';
import { apiKeyOf, endpointUrl, requestHeaders, secretRedactor } from '../http/endpoint.js';
import {
  ChatStreamReader,
  UnreadableEventError,
  type ChatStreamState,
} from '../stream/chat-stream-reader.js';
import { usageFromWire } from '../stream/usage.js';
import { completionSchema, type WireError } from '../stream/wire-schemas.js';
import {
  httpFailure,
  networkFailure,
  readErrorBody,
  rejectedReading,
  streamFailure,
  type FailureContext,
} from './classify-failure.js';
import { openaiHints } from './hints.js';
import type { OpenAITool } from './settings.js';

export type OpenAIRequest = InvocationRequest<OpenAITool, OpenAIAgentOptions>;

/** Bytes of an error body read for its message: error bodies are small, and a proxy's page need not be read whole. */
const errorBodyLimit = 64 * 1024;
const detailChars = 500;

/**
 * Runs one attempt: `POST {base_url}/chat/completions` with `stream: true`, each content delta sent to `emit` as it
 * arrives, the usage from the last chunk. The tool's timeout and the caller's signal both abort the fetch, which
 * closes its connection. Every outcome that is not an answer is an AdapterError with a hint; no text the server sent
 * reaches a message without the key struck out of it.
 */
export async function runChat(
  request: OpenAIRequest,
  signal: AbortSignal,
  emit: (text: string) => void,
  reportLimits: ReportLimits = () => undefined,
): Promise<InvocationResult> {
  /** A refusal on a limit is reported as a `rejected` reading before the failure it becomes. */
  const refused = (failure: AdapterError, error: WireError | undefined): AdapterError => {
    const reading = rejectedReading(failure, error);
    if (reading) reportLimits([reading]);
    return failure;
  };
  const { tool } = request;
  const apiKey = apiKeyOf(tool, request.env);
  const context: FailureContext = {
    toolId: request.toolId,
    tool,
    model: request.model,
    timeoutMs: request.timeoutMs,
    redact: secretRedactor(tool, apiKey),
  };
  if (tool.api_key_env !== undefined && apiKey === undefined) {
    throw new AdapterError('auth', `${tool.api_key_env} is not set`, {
      hint: openaiHints.missingKey(context),
    });
  }
  const missing = missingCredentials(tool, request.env);
  if (missing.length > 0) throw credentialsError(missing);
  const prompt = decodeUtf8(request.prompt);
  if (!prompt.ok) {
    // JSON carries text only; a tool that takes bytes (a CLI) may still take this prompt, so the chain goes on.
    throw new AdapterError(
      'tool-error',
      `'${request.toolId}': the prompt is not UTF-8 text (line ${prompt.line}), which a JSON API cannot carry`,
    );
  }
  throwIfCancelled(signal);

  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), request.timeoutMs);
  const stop = AbortSignal.any([signal, timeout.signal]);
  const started = monotonicMs();
  let answering = false;
  const emitText = (text: string) => {
    answering = true;
    emit(text);
  };
  try {
    const response = await fetch(endpointUrl(tool, 'chat/completions'), {
      method: 'POST',
      headers: requestHeaders(tool, apiKey, {
        'content-type': 'application/json',
        accept: 'text/event-stream, application/json',
      }),
      body: JSON.stringify(
        chatRequestBody(
          request.model,
          prompt.text,
          agentOptionsOrDefaults(request.adapterOptions, openaiAgentOptionsSchema),
        ),
      ),
      signal: stop,
    }).catch((error: unknown) => {
      throw stop.aborted ? error : networkFailure(error, context);
    });
    if (!response.ok) {
      const body = await readText(response, errorBodyLimit);
      throw refused(httpFailure(response.status, response.headers, body, context), readErrorBody(body));
    }
    const state = await readAnswer(response, emitText, context);
    const usage = usageFromWire(state.usage);
    if (state.error !== undefined)
      throw withSpending(refused(streamFailure(state.error, context), state.error), spent(usage));
    if (!state.done && state.finishReason === undefined) {
      throw withSpending(
        new AdapterError(
          'bad-output',
          `'${request.toolId}': the answer from ${tool.base_url} broke off: the stream ended without a finish_reason or [DONE]`,
          { hint: openaiHints.badOutput(context), ...firstBytesDetail(state, context) },
        ),
        spent(usage),
      );
    }
    return resultOf(state, usage, request, monotonicMs() - started);
  } catch (error) {
    // An abort wins over whatever it caused (a read that failed, a body cut short).
    if (signal.aborted) throw new AdapterError('cancelled', 'cancelled', { cause: error });
    if (timeout.signal.aborted) {
      const message = `'${request.toolId}' timed out after ${request.timeoutMs / 1000} s${answering ? ' while answering' : ''}`;
      throw new AdapterError('timeout', message, { cause: error, hint: openaiHints.timeout(context) });
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** A failure after the usage arrived still charges it (withSpending ignores a usage of nothing). */
function spent(usage: Usage | undefined): { usage: Usage } | undefined {
  return usage === undefined ? undefined : { usage };
}

function resultOf(
  state: ChatStreamState,
  usage: Usage | undefined,
  request: OpenAIRequest,
  durationMs: number,
): InvocationResult {
  return {
    text: state.text,
    usage: usage ?? { ...emptyUsage },
    // A server that ignores include_usage (or sent a usage no one can believe): the kernel estimates instead.
    ...(usage === undefined ? { usageReported: false } : {}),
    model: state.model ?? request.model,
    exitCode: 0,
    durationMs: Math.round(durationMs),
  };
}

function firstBytesDetail(state: ChatStreamState, context: FailureContext): { detail?: string } {
  return state.firstBytes === '' ? {} : { detail: context.redact(state.firstBytes.slice(0, detailChars)) };
}

/** At most `limit` bytes of the body as text; the rest is not read, and the connection is let go. */
async function readText(response: Response, limit: number): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, limit);
}

/**
 * The answer: an event stream read as it arrives, or, from a server that ignored `stream: true`, one JSON completion
 * (or an event stream sent under another content type, read whole).
 */
async function readAnswer(
  response: Response,
  emit: (text: string) => void,
  context: FailureContext,
): Promise<ChatStreamState> {
  const reader = new ChatStreamReader(emit);
  const contentType = response.headers.get('content-type') ?? '';
  try {
    if (contentType.includes('text/event-stream')) {
      await pump(response, reader);
      return reader.state;
    }
    const body = await response.text();
    if (/^\s*(?:(?:data|event):|:)/.test(body)) {
      reader.push(Buffer.from(body));
      reader.end();
      return reader.state;
    }
    return completionState(body, reader.state, emit, context);
  } catch (error) {
    if (error instanceof UnreadableEventError) {
      throw withSpending(
        new AdapterError(
          'bad-output',
          `'${context.toolId}': ${context.tool.base_url} sent an event that is not a Chat Completions chunk`,
          { hint: openaiHints.badOutput(context), detail: context.redact(error.data.slice(0, detailChars)) },
        ),
        spent(usageFromWire(reader.state.usage)),
      );
    }
    throw error;
  }
}

/** Feeds the body to the reader chunk by chunk; stops reading (and lets the connection go) on an unreadable event. */
async function pump(response: Response, reader: ChatStreamReader): Promise<void> {
  if (response.body === null) return;
  const body = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await body.read();
      if (done) break;
      reader.push(value);
      // Whatever a server sends after [DONE] or an error event is not read.
      if (reader.state.done || reader.state.error) return;
    }
    reader.end();
  } catch (error) {
    if (error instanceof UnreadableEventError) throw error;
    // The connection broke mid-answer (or was aborted, which runChat reports as such): what arrived is judged like
    // a stream that ended there, truncated unless a finish_reason came.
    reader.end();
  } finally {
    await body.cancel().catch(() => undefined);
  }
}

/** A JSON body in place of a stream: one completion, or an error the server sent with 200. */
function completionState(
  body: string,
  state: ChatStreamState,
  emit: (text: string) => void,
  context: FailureContext,
): ChatStreamState {
  state.firstBytes = body.slice(0, detailChars);
  const error = readErrorBody(body);
  if (error !== undefined) return { ...state, error };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  const completion = completionSchema.safeParse(json);
  if (!completion.success) {
    throw new AdapterError(
      'bad-output',
      `'${context.toolId}': ${context.tool.base_url} answered with neither an event stream nor a chat completion`,
      { hint: openaiHints.badOutput(context), detail: context.redact(body.slice(0, detailChars)) },
    );
  }
  const [choice] = completion.data.choices;
  const text = choice?.message.content ?? '';
  if (text !== '') emit(text);
  return {
    ...state,
    text,
    model: completion.data.model ?? undefined,
    usage: completion.data.usage,
    finishReason: choice?.finish_reason ?? 'stop',
    done: true,
  };
}
