import type { ServerResponse } from 'node:http';
import { HttpTestServer, sleep } from '../http-test-server/http-test-server.js';
import type { RecordedHttpRequest, ScriptOptions } from '../http-test-server/http-test-server.js';
import { sseData } from '../http-test-server/sse.js';
import {
  geminiReply,
  totalTokenCount,
  type GeminiAnswerReply,
  type GeminiScriptedReply,
  type GeminiTruncatedReply,
  type GeminiUsageMetadata,
} from './gemini-replies.js';

/** A request as the Gemini test server received it; `reply` is set on `streamGenerateContent`. */
export interface GeminiRecordedRequest extends RecordedHttpRequest<GeminiScriptedReply['kind']> {
  /** The model the path names (`models/<model>:<method>`), when it names one. */
  model?: string;
  /** The API method the path names: `streamGenerateContent`, `generateContent`, `countTokens`… */
  apiMethod?: string;
}

/** The script answers `streamGenerateContent`. */
export interface GeminiTestServerOptions extends ScriptOptions<GeminiScriptedReply> {
  /** Called with every request the server does not serve (it answers them 404, as the API does). */
  onUnknownRequest?: (request: GeminiRecordedRequest) => void;
}

export const defaultGeminiAnswerText = 'Hello from the Gemini test server.';

/** `/v1beta/models/gemini-2.5-flash:streamGenerateContent` → the model and the method. */
const modelMethodPattern = /^\/v1(?:beta|alpha)?\/models\/([^/:]+):([A-Za-z]+)$/;

const servedMethods = ['streamGenerateContent', 'generateContent', 'countTokens', 'listModels', 'getModel'];

/**
 * A local stand-in for the Gemini API (generativelanguage.googleapis.com), enough for the real Gemini CLI to run
 * fully offline against it (`GOOGLE_GEMINI_BASE_URL`, the server's `url`): `POST …:streamGenerateContent?alt=sse`
 * answers with streamed server-sent events carrying text and `usageMetadata` (or a scripted error, stall or cut-off
 * stream); `generateContent`, `countTokens` and the model listing get plain answers; anything else is recorded and
 * answered 404. Every request is recorded so tests can count what the client really sent.
 */
export class GeminiTestServer extends HttpTestServer<GeminiScriptedReply, GeminiRecordedRequest> {
  readonly #onUnknownRequest: ((request: GeminiRecordedRequest) => void) | undefined;

  private constructor(options: GeminiTestServerOptions) {
    super(options, {
      annotate: (request) => ({ ...request, ...routeOf(request.method, request.path) }),
      defaultReply: geminiReply.text(defaultGeminiAnswerText),
      defaultModel: 'gemini-test-model',
      jsonHeaders: { 'content-type': 'application/json; charset=UTF-8' },
      sseHeaders: { 'content-type': 'text/event-stream' },
    });
    this.#onUnknownRequest = options.onUnknownRequest;
  }

  static start(options: GeminiTestServerOptions = {}): Promise<GeminiTestServer> {
    return new GeminiTestServer(options).listen();
  }

  /** The `streamGenerateContent` requests received so far: what a client's retries are counted on. */
  get generateRequests(): GeminiRecordedRequest[] {
    return this.requests.filter((request) => request.apiMethod === 'streamGenerateContent');
  }

  /** Requests the server does not serve (answered 404): what a new client release started calling. */
  get unknownRequests(): GeminiRecordedRequest[] {
    return this.requests.filter(
      (request) => request.apiMethod === undefined || !servedMethods.includes(request.apiMethod),
    );
  }

  /** Resolves once at least `count` `streamGenerateContent` requests have arrived. */
  waitForGenerateRequests(count: number, timeoutMs?: number): Promise<void> {
    return this.waitForCount(() => this.generateRequests, count, 'generate requests', timeoutMs);
  }

  /** The model the path names: the API's requests carry none in their body. */
  protected override modelOf(request: GeminiRecordedRequest): string {
    return request.model ?? super.modelOf(request);
  }

  protected override async route(recorded: GeminiRecordedRequest, response: ServerResponse): Promise<void> {
    const model = this.modelOf(recorded);
    switch (recorded.apiMethod) {
      case 'streamGenerateContent':
        return this.#streamGenerate(recorded, response, model);
      case 'generateContent':
        // Helper calls the CLI makes outside the main turn (a next-speaker check, a summary): a plain short answer.
        this.sendJson(response, 200, answerChunk(model, defaultGeminiAnswerText, { final: true }));
        return;
      case 'countTokens':
        this.sendJson(response, 200, { totalTokens: Math.ceil(recorded.rawBody.length / 4) });
        return;
      case 'listModels':
        this.sendJson(response, 200, {
          models: [modelInfo('gemini-2.5-pro'), modelInfo('gemini-2.5-flash')],
        });
        return;
      case 'getModel':
        this.sendJson(response, 200, modelInfo(model));
        return;
      default:
        this.#onUnknownRequest?.(recorded);
        this.sendJson(response, 404, {
          error: { code: 404, message: `${recorded.path} is not served here`, status: 'NOT_FOUND' },
        });
    }
  }

  async #streamGenerate(
    recorded: GeminiRecordedRequest,
    response: ServerResponse,
    model: string,
  ): Promise<void> {
    const scripted = this.nextReply(recorded);
    switch (scripted.kind) {
      case 'error':
        this.sendJson(response, scripted.status, {
          error: {
            code: scripted.status,
            message: scripted.message,
            status: scripted.rpcStatus,
            details: scripted.details,
          },
        });
        return;
      case 'stall':
        this.stall(response, scripted, () => event(answerChunk(model, '', { final: false })));
        return;
      case 'truncated':
        await this.#truncate(response, scripted, model);
        return;
      case 'answer':
        await this.#stream(response, scripted, scripted.modelVersion ?? model);
        return;
    }
  }

  async #stream(response: ServerResponse, answer: GeminiAnswerReply, model: string): Promise<void> {
    this.openStream(response);
    const last = answer.chunks.length - 1;
    const pacing = { delayMs: answer.chunkDelayMs, holdAfter: answer.holdAfterChunk };
    const outcome = await this.paced(response, answer.chunks, pacing, (chunk, index) => {
      response.write(event(answerChunk(model, chunk, { final: index === last, usage: answer.usage })));
    });
    if (outcome !== 'gone') await this.endStream(response);
  }

  async #truncate(response: ServerResponse, reply: GeminiTruncatedReply, model: string): Promise<void> {
    this.openStream(response);
    for (const chunk of reply.chunks) response.write(event(answerChunk(model, chunk, { final: false })));
    if (reply.cut === 'no-finish') {
      await this.endStream(response);
      return;
    }
    // Half an event, then the connection drops: what a proxy or a crashed backend leaves behind.
    response.write('data: {"candidates":[{"cont');
    await sleep(50);
    response.socket?.destroy();
  }
}

function routeOf(method: string, path: string): { model?: string; apiMethod?: string } {
  const match = modelMethodPattern.exec(path);
  if (match !== null && method === 'POST') return { model: match[1]!, apiMethod: match[2]! };
  if (method === 'GET' && /^\/v1(?:beta|alpha)?\/models\/?$/.test(path)) return { apiMethod: 'listModels' };
  const single = /^\/v1(?:beta|alpha)?\/models\/([^/:]+)$/.exec(path);
  if (method === 'GET' && single !== null) return { model: single[1]!, apiMethod: 'getModel' };
  return {};
}

/** The API frames its events with CRLF. */
function event(payload: unknown): string {
  return sseData(payload, '\r\n');
}

/** One `GenerateContentResponse`: text, and on the last chunk the finish reason and usage, as the API streams them. */
function answerChunk(
  model: string,
  text: string,
  options: { final: boolean; usage?: GeminiUsageMetadata | undefined },
): Record<string, unknown> {
  return {
    candidates: [
      {
        content: { role: 'model', parts: [{ text }] },
        ...(options.final ? { finishReason: 'STOP' } : {}),
        index: 0,
      },
    ],
    ...(options.final && options.usage !== undefined
      ? { usageMetadata: { ...options.usage, totalTokenCount: totalTokenCount(options.usage) } }
      : {}),
    modelVersion: model,
    responseId: 'testserver-response',
  };
}

function modelInfo(name: string): Record<string, unknown> {
  return {
    name: `models/${name}`,
    displayName: name,
    inputTokenLimit: 1_048_576,
    outputTokenLimit: 65_536,
    supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
  };
}
