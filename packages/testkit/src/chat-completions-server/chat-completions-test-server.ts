import type { ServerResponse } from 'node:http';
import { HttpTestServer } from '../http-test-server/http-test-server.js';
import type { RecordedHttpRequest, ScriptOptions } from '../http-test-server/http-test-server.js';
import { sseData } from '../http-test-server/sse.js';
import {
  chatReply,
  type ChatAnswerReply,
  type ChatErrorReply,
  type ChatScriptedReply,
  type ChatUsage,
} from './chat-replies.js';

/** A request as the Chat Completions test server received it; `reply` is set on `POST /v1/chat/completions`. */
export type ChatRecordedRequest = RecordedHttpRequest<ChatScriptedReply['kind']>;

/** The script answers `POST /v1/chat/completions`. */
export interface ChatCompletionsTestServerOptions extends ScriptOptions<ChatScriptedReply> {
  /** What `GET /v1/models` lists. */
  models?: readonly string[];
  /**
   * When set, every request without `Authorization: Bearer <requireKey>` gets a 401 whose message repeats the key it
   * was sent, as some proxies do: a client must keep that out of its own messages.
   */
  requireKey?: string;
}

export const defaultChatAnswerText = 'Hello from the Chat Completions test server.';

/**
 * A local stand-in for an OpenAI-compatible Chat Completions API (OpenAI, Ollama, vLLM, LM Studio serve the same wire
 * format): `POST /v1/chat/completions` answers with server-sent `chat.completion.chunk` events ending in
 * `data: [DONE]`, or one JSON completion when not asked to stream, or a scripted failure; `GET /v1/models` lists the
 * models. Every request is recorded, with whether its client hung up before the answer ended.
 */
export class ChatCompletionsTestServer extends HttpTestServer<ChatScriptedReply, ChatRecordedRequest> {
  readonly #options: ChatCompletionsTestServerOptions;

  private constructor(options: ChatCompletionsTestServerOptions) {
    super(options, {
      defaultReply: chatReply.text(defaultChatAnswerText),
      defaultModel: 'test-model',
      sseHeaders: { connection: 'keep-alive' },
    });
    this.#options = options;
  }

  static start(options: ChatCompletionsTestServerOptions = {}): Promise<ChatCompletionsTestServer> {
    return new ChatCompletionsTestServer(options).listen();
  }

  /** The value for a tool's `base_url`: the API root, under which `/chat/completions` and `/models` are served. */
  get baseUrl(): string {
    return `${this.url}/v1`;
  }

  /** The `POST /v1/chat/completions` requests received so far. */
  get completionRequests(): ChatRecordedRequest[] {
    return this.requests.filter(
      (request) => request.method === 'POST' && request.path === '/v1/chat/completions',
    );
  }

  /** The `GET /v1/models` requests received so far. */
  get modelsRequests(): ChatRecordedRequest[] {
    return this.requests.filter((request) => request.method === 'GET' && request.path === '/v1/models');
  }

  /** Resolves once at least `count` `POST /v1/chat/completions` requests have arrived. */
  waitForCompletionRequests(count: number, timeoutMs?: number): Promise<void> {
    return this.waitFor(
      () => this.completionRequests.length >= count,
      `${count} completion requests`,
      timeoutMs,
    );
  }

  /** Resolves once the client of the `index`th completion request hung up before its answer ended. */
  waitForDisconnect(index: number, timeoutMs?: number): Promise<void> {
    return this.waitFor(
      () => this.completionRequests[index]?.disconnected === true,
      `completion request ${index} to be disconnected`,
      timeoutMs,
    );
  }

  protected override async route(recorded: ChatRecordedRequest, response: ServerResponse): Promise<void> {
    const expectedKey = this.#options.requireKey;
    if (expectedKey !== undefined && recorded.headers.authorization !== `Bearer ${expectedKey}`) {
      const sent = String(recorded.headers.authorization ?? '').replace(/^Bearer /, '');
      this.#sendError(
        response,
        chatReply.error(401, {
          message: `Incorrect API key provided: ${sent || '(none)'}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          code: 'invalid_api_key',
        }),
      );
      return;
    }
    if (recorded.method === 'GET' && recorded.path === '/v1/models') {
      this.sendJson(response, 200, {
        object: 'list',
        data: (this.#options.models ?? []).map((id) => ({
          id,
          object: 'model',
          created: 1_700_000_000,
          owned_by: 'testkit',
        })),
      });
      return;
    }
    if (recorded.method !== 'POST' || recorded.path !== '/v1/chat/completions') {
      this.#sendError(response, chatReply.error(404, { message: `${recorded.path} is not served here` }));
      return;
    }
    const scripted = this.nextReply(recorded);
    switch (scripted.kind) {
      case 'error':
        this.#sendError(response, scripted);
        return;
      case 'raw':
        this.send(response, scripted.status, scripted.body, { 'content-type': scripted.contentType });
        return;
      case 'stall':
        this.stall(response, scripted, () =>
          sseData(
            chunkOf(completionId(recorded), this.modelOf(recorded), {
              role: 'assistant',
              content: '',
            }),
          ),
        );
        return;
      case 'answer': {
        const body = recorded.body as { stream?: unknown } | undefined;
        if (body?.stream === true && scripted.json !== true) await this.#stream(response, scripted, recorded);
        else this.#complete(response, scripted, recorded);
        return;
      }
    }
  }

  #sendError(response: ServerResponse, error: ChatErrorReply): void {
    const body = { error: { message: error.message, type: error.type, param: null, code: error.code } };
    this.send(response, error.status, error.rawBody ?? JSON.stringify(body), error.headers);
  }

  #complete(response: ServerResponse, answer: ChatAnswerReply, recorded: ChatRecordedRequest): void {
    this.sendJson(response, 200, {
      id: completionId(recorded),
      object: 'chat.completion',
      created: 1_700_000_000,
      model: answer.model ?? this.modelOf(recorded),
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: answer.chunks.join(''), refusal: null },
          logprobs: null,
          finish_reason: answer.finishReason,
        },
      ],
      ...(answer.usage === null ? {} : { usage: wireUsage(answer.usage) }),
    });
  }

  async #stream(
    response: ServerResponse,
    answer: ChatAnswerReply,
    recorded: ChatRecordedRequest,
  ): Promise<void> {
    const id = completionId(recorded);
    const model = answer.model ?? this.modelOf(recorded);
    const body = recorded.body as { stream_options?: { include_usage?: unknown } } | undefined;
    // As OpenAI: with include_usage every chunk carries `usage: null`, and one more chunk carries the figures.
    const usage = body?.stream_options?.include_usage === true ? answer.usage : null;
    const usageField = usage === null ? {} : { usage: null };
    this.openStream(response);
    response.write(sseData({ ...chunkOf(id, model, { role: 'assistant', content: '' }), ...usageField }));
    const pacing = { delayMs: answer.chunkDelayMs, holdAfter: answer.holdAfterChunk };
    const outcome = await this.paced(response, answer.chunks, pacing, (text) => {
      response.write(sseData({ ...chunkOf(id, model, { content: text }), ...usageField }));
    });
    if (outcome === 'gone') return;
    if (answer.streamError !== undefined) {
      response.write(
        sseData({ error: { param: null, type: 'server_error', code: null, ...answer.streamError } }),
      );
    } else if (answer.truncate !== 'before-finish') {
      response.write(sseData({ ...chunkOf(id, model, {}, answer.finishReason), ...usageField }));
      if (usage !== null) {
        const figures = { id, object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [] };
        response.write(sseData({ ...figures, usage: wireUsage(usage) }));
      }
      if (answer.truncate === undefined) response.write('data: [DONE]\n\n');
    }
    await this.endStream(response);
  }
}

function chunkOf(
  id: string,
  model: string,
  delta: Record<string, unknown>,
  finishReason: string | null = null,
): Record<string, unknown> {
  return {
    id,
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
    system_fingerprint: 'fp_testkit',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

/** OpenAI's usage object: cached tokens are part of `prompt_tokens`, reported again under its details. */
function wireUsage(usage: ChatUsage): Record<string, unknown> {
  return {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.prompt_tokens + usage.completion_tokens,
    ...(usage.cached_tokens === undefined
      ? {}
      : { prompt_tokens_details: { cached_tokens: usage.cached_tokens, audio_tokens: 0 } }),
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  };
}

function completionId(request: ChatRecordedRequest): string {
  return `chatcmpl-testkit${String(request.rawBody.length).padStart(6, '0')}`;
}
