import type { ServerResponse } from 'node:http';
import { HttpTestServer } from '../http-test-server/http-test-server.js';
import type { RecordedHttpRequest, ScriptOptions } from '../http-test-server/http-test-server.js';
import { codexRateLimitHeaders } from './rate-limit-headers.js';
import { responsesReply, type ResponsesAnswerReply, type ResponsesScriptedReply } from './replies.js';
import { messageEvents, rateLimitsEvent, responseCompleted, responseCreated, responseFailed } from './sse.js';

/** A request as the Responses test server received it; `reply` is set on `POST /v1/responses`. */
export type ResponsesRecordedRequest = RecordedHttpRequest<ResponsesScriptedReply['kind']>;

/** The script answers `POST /v1/responses`. */
export type ResponsesTestServerOptions = ScriptOptions<ResponsesScriptedReply>;

export const defaultResponsesAnswerText = 'Hello from the Responses test server.';

/**
 * A local stand-in for the OpenAI Responses API, enough for the real Codex CLI to run fully offline against it (a
 * `model_providers` entry in its config.toml with `wire_api = "responses"`): `POST /v1/responses` answers with
 * streamed server-sent events, or with a scripted error, stall or truncated stream, and every request is recorded
 * so tests can count what the client really sent (its own retries included).
 */
export class ResponsesTestServer extends HttpTestServer<ResponsesScriptedReply, ResponsesRecordedRequest> {
  private constructor(options: ResponsesTestServerOptions) {
    super(options, {
      defaultReply: responsesReply.text(defaultResponsesAnswerText),
      defaultModel: 'gpt-test-model',
      headers: { 'x-request-id': 'req_testserver' },
    });
  }

  static start(options: ResponsesTestServerOptions = {}): Promise<ResponsesTestServer> {
    return new ResponsesTestServer(options).listen();
  }

  /** The provider's `base_url`: the API root, `/v1` included. */
  get baseUrl(): string {
    return `${this.url}/v1`;
  }

  /** The `POST /v1/responses` requests received so far: what a client's retries are counted on. */
  get responseRequests(): ResponsesRecordedRequest[] {
    return this.requests.filter((request) => request.method === 'POST' && request.path === '/v1/responses');
  }

  /** Resolves once at least `count` `POST /v1/responses` requests have arrived. */
  waitForResponseRequests(count: number, timeoutMs?: number): Promise<void> {
    return this.waitForCount(() => this.responseRequests, count, 'response requests', timeoutMs);
  }

  protected override async route(
    recorded: ResponsesRecordedRequest,
    response: ServerResponse,
  ): Promise<void> {
    if (recorded.method !== 'POST' || recorded.path !== '/v1/responses') {
      this.sendJson(response, 404, {
        error: { message: `${recorded.path} is not served here`, type: 'invalid_request_error', code: null },
      });
      return;
    }
    const responseNumber = this.responseRequests.length;
    const responseId = `resp_testserver_${String(responseNumber).padStart(4, '0')}`;
    const model = this.modelOf(recorded);
    const scripted = this.nextReply(recorded);
    switch (scripted.kind) {
      case 'error':
        this.sendJson(
          response,
          scripted.status,
          { error: scripted.error },
          {
            ...(scripted.rateLimits && codexRateLimitHeaders(scripted.rateLimits)),
            ...(scripted.retryAfterSeconds === undefined
              ? {}
              : { 'retry-after': String(scripted.retryAfterSeconds) }),
          },
        );
        return;
      case 'failed':
        this.openStream(response);
        response.write(responseCreated(responseId, model));
        response.write(responseFailed(responseId, model, scripted.error));
        await this.endStream(response);
        return;
      case 'stall':
        this.stall(response, scripted, () => responseCreated(responseId, model));
        return;
      case 'answer':
        await this.#stream(response, scripted, responseId, responseNumber, scripted.model ?? model);
        return;
    }
  }

  async #stream(
    response: ServerResponse,
    answer: ResponsesAnswerReply,
    responseId: string,
    responseNumber: number,
    model: string,
  ): Promise<void> {
    // Set before the stream's own headers, which `writeHead` merges them with.
    if (answer.rateLimits) {
      for (const [name, value] of Object.entries(codexRateLimitHeaders(answer.rateLimits)))
        response.setHeader(name, value);
    }
    this.openStream(response);
    response.write(responseCreated(responseId, model));
    if (answer.rateLimits && answer.rateLimitsInStream) response.write(rateLimitsEvent(answer.rateLimits));
    const outcome = await this.paced(
      response,
      answer.messages,
      { holdAfter: answer.holdAfterMessage },
      (chunks, index) => {
        const events = messageEvents(`msg_testserver_${responseNumber}_${index}`, index, chunks);
        for (const event of [...events.opening, ...events.deltas]) response.write(event);
        // A truncated stream closes mid-message: no item done, no response.completed.
        if (answer.truncate) return 'cut';
        for (const event of events.closing) response.write(event);
      },
    );
    if (outcome === 'gone') return;
    if (outcome === 'all') response.write(responseCompleted(responseId, model, answer.usage));
    await this.endStream(response);
  }
}
