import type { ServerResponse } from 'node:http';
import { HttpTestServer } from '../http-test-server/http-test-server.js';
import type { RecordedHttpRequest, ScriptOptions } from '../http-test-server/http-test-server.js';
import { unifiedRateLimitHeaders } from './rate-limit-headers.js';
import { defaultUsage, reply, type AnswerReply, type ScriptedReply } from './replies.js';
import { answerEpilogue, answerPrelude, messageStart, textDelta } from './sse.js';

/** A request as the Anthropic test server received it; `reply` is set on `POST /v1/messages`. */
export type RecordedRequest = RecordedHttpRequest<ScriptedReply['kind']>;

/** The script answers `POST /v1/messages`. */
export type AnthropicTestServerOptions = ScriptOptions<ScriptedReply>;

export const defaultAnswerText = 'Hello from the Anthropic test server.';

/**
 * A local stand-in for the Anthropic Messages API, enough for the real Claude Code CLI to run fully offline against
 * it (`ANTHROPIC_BASE_URL`, the server's `url`): `POST /v1/messages` answers with streamed server-sent events (or a
 * scripted error, stall or slow stream), and every request is recorded so tests can count what the client really
 * sent.
 */
export class AnthropicTestServer extends HttpTestServer<ScriptedReply, RecordedRequest> {
  private constructor(options: AnthropicTestServerOptions) {
    super(options, {
      defaultReply: reply.text(defaultAnswerText),
      defaultModel: 'claude-test-model',
      headers: { 'request-id': 'req_testserver' },
    });
  }

  static start(options: AnthropicTestServerOptions = {}): Promise<AnthropicTestServer> {
    return new AnthropicTestServer(options).listen();
  }

  /** The `POST /v1/messages` requests received so far: what a client's retries are counted on. */
  get messageRequests(): RecordedRequest[] {
    return this.requests.filter((request) => request.method === 'POST' && request.path === '/v1/messages');
  }

  /** Resolves once at least `count` `POST /v1/messages` requests have arrived. */
  waitForMessageRequests(count: number, timeoutMs?: number): Promise<void> {
    return this.waitForCount(() => this.messageRequests, count, 'message requests', timeoutMs);
  }

  protected override async route(recorded: RecordedRequest, response: ServerResponse): Promise<void> {
    if (recorded.method === 'HEAD' || recorded.path === '/api/hello') {
      response.writeHead(200).end();
      return;
    }
    if (recorded.method === 'POST' && recorded.path === '/v1/messages/count_tokens') {
      this.sendJson(response, 200, { input_tokens: Math.ceil(recorded.rawBody.length / 4) });
      return;
    }
    if (recorded.method !== 'POST' || recorded.path !== '/v1/messages') {
      this.sendJson(response, 404, {
        type: 'error',
        error: { type: 'not_found_error', message: `${recorded.path} is not served here` },
      });
      return;
    }
    const messageId = `msg_testserver_${String(this.messageRequests.length).padStart(4, '0')}`;
    const scripted = this.nextReply(recorded);
    switch (scripted.kind) {
      case 'error':
        this.sendJson(
          response,
          scripted.status,
          { type: 'error', error: { type: scripted.errorType, message: scripted.message } },
          {
            ...(scripted.rateLimits && unifiedRateLimitHeaders(scripted.rateLimits)),
            ...(scripted.retryAfterSeconds === undefined
              ? {}
              : { 'retry-after': String(scripted.retryAfterSeconds) }),
          },
        );
        return;
      case 'stall':
        this.stall(response, scripted, () => messageStart(messageId, this.modelOf(recorded), defaultUsage));
        return;
      case 'answer':
        await this.#stream(response, scripted, recorded, messageId);
        return;
    }
  }

  async #stream(
    response: ServerResponse,
    answer: AnswerReply,
    recorded: RecordedRequest,
    messageId: string,
  ): Promise<void> {
    // Set before the stream's own headers, which `writeHead` merges them with.
    if (answer.rateLimits) {
      for (const [name, value] of Object.entries(unifiedRateLimitHeaders(answer.rateLimits)))
        response.setHeader(name, value);
    }
    this.openStream(response);
    const model = answer.model ?? this.modelOf(recorded);
    for (const event of answerPrelude(messageId, model, answer.usage)) response.write(event);
    const pacing = { delayMs: answer.chunkDelayMs, holdAfter: answer.holdAfterChunk };
    const outcome = await this.paced(response, answer.chunks, pacing, (chunk) => {
      response.write(textDelta(chunk));
    });
    if (outcome === 'gone') return;
    for (const event of answerEpilogue(answer.usage, answer.toolUse)) response.write(event);
    await this.endStream(response);
  }
}
