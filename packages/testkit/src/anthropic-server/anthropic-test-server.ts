import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { defaultUsage, reply, type AnswerReply, type ErrorReply, type ScriptedReply } from './replies.js';
import { answerEpilogue, answerPrelude, textDelta } from './sse.js';

export interface RecordedRequest {
  method: string;
  /** The path without the query string (Claude Code sends `POST /v1/messages?beta=true`). */
  path: string;
  url: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  body: unknown;
  rawBody: string;
  /** What this request was answered with, for `POST /v1/messages`. */
  reply?: ScriptedReply['kind'];
  /** Set once the last byte of the answer was written. */
  finished: boolean;
}

export interface AnthropicTestServerOptions {
  /** Replies for the first `POST /v1/messages` requests, in order. */
  replies?: readonly ScriptedReply[];
  /** The reply once the scripted ones are used up; by default a short fixed answer. */
  fallback?: ScriptedReply;
}

export const defaultAnswerText = 'Hello from the Anthropic test server.';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A local stand-in for the Anthropic Messages API, enough for the real Claude Code CLI to run fully offline against
 * it (`ANTHROPIC_BASE_URL`): `POST /v1/messages` answers with streamed server-sent events (or a scripted error,
 * stall or slow stream), and every request is recorded so tests can count what the client really sent.
 */
export class AnthropicTestServer {
  readonly requests: RecordedRequest[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #queue: ScriptedReply[];
  #fallback: ScriptedReply;
  #release: { promise: Promise<void>; resolve: () => void } = AnthropicTestServer.#gate();
  #messageCount = 0;
  #waiters: { count: number; resolve: () => void }[] = [];

  private constructor(options: AnthropicTestServerOptions) {
    this.#queue = [...(options.replies ?? [])];
    this.#fallback = options.fallback ?? reply.text(defaultAnswerText);
    this.#server = createServer((request, response) => this.#handle(request, response));
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(options: AnthropicTestServerOptions = {}): Promise<AnthropicTestServer> {
    const server = new AnthropicTestServer(options);
    await new Promise<void>((resolve, reject) => {
      server.#server.once('error', reject);
      server.#server.listen(0, '127.0.0.1', () => resolve());
    });
    return server;
  }

  static #gate(): { promise: Promise<void>; resolve: () => void } {
    let resolve!: () => void;
    const promise = new Promise<void>((done) => (resolve = done));
    return { promise, resolve };
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The value for `ANTHROPIC_BASE_URL`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The `POST /v1/messages` requests received so far: what a client's retries are counted on. */
  get messageRequests(): RecordedRequest[] {
    return this.requests.filter((request) => request.method === 'POST' && request.path === '/v1/messages');
  }

  /** Answers whose last byte has been written. */
  get finishedAnswers(): number {
    return this.messageRequests.filter((request) => request.reply === 'answer' && request.finished).length;
  }

  /** Queues replies for the next `POST /v1/messages` requests. */
  enqueue(...replies: ScriptedReply[]): void {
    this.#queue.push(...replies);
  }

  setFallback(fallback: ScriptedReply): void {
    this.#fallback = fallback;
  }

  /** Lets every answer held by `holdAfterChunk` go on (and any later one pass its hold at once). */
  release(): void {
    this.#release.resolve();
  }

  /** Resolves once at least `count` `POST /v1/messages` requests have arrived. */
  waitForMessageRequests(count: number, timeoutMs = 20_000): Promise<void> {
    if (this.#messageCount >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`expected ${count} message requests, saw ${this.#messageCount}`)),
        timeoutMs,
      );
      this.#waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Stops listening and drops every open connection (stalled ones included). */
  async close(): Promise<void> {
    this.release();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const url = request.url ?? '/';
      const recorded: RecordedRequest = {
        method: request.method ?? 'GET',
        path: url.split('?')[0] ?? url,
        url,
        headers: request.headers,
        body: parseJson(rawBody),
        rawBody,
        finished: false,
      };
      this.requests.push(recorded);
      this.#route(recorded, response).catch(() => {
        // The client went away mid-answer (a killed process): nothing to do.
        response.destroy();
      });
    });
  }

  async #route(recorded: RecordedRequest, response: ServerResponse): Promise<void> {
    if (recorded.method === 'HEAD' || recorded.path === '/api/hello') {
      response.writeHead(200).end();
      return;
    }
    if (recorded.method === 'POST' && recorded.path === '/v1/messages/count_tokens') {
      sendJson(response, 200, { input_tokens: Math.ceil(recorded.rawBody.length / 4) });
      return;
    }
    if (recorded.method !== 'POST' || recorded.path !== '/v1/messages') {
      sendJson(response, 404, {
        type: 'error',
        error: { type: 'not_found_error', message: `${recorded.path} is not served here` },
      });
      return;
    }
    this.#messageCount += 1;
    this.#waiters = this.#waiters.filter((waiter) => {
      if (this.#messageCount < waiter.count) return true;
      waiter.resolve();
      return false;
    });
    const scripted = this.#queue.shift() ?? this.#fallback;
    recorded.reply = scripted.kind;
    switch (scripted.kind) {
      case 'error':
        sendError(response, scripted);
        recorded.finished = true;
        return;
      case 'stall':
        if (scripted.afterHeaders) {
          response.writeHead(200, sseHeaders);
          const [messageStart] = answerPrelude(
            messageId(this.#messageCount),
            modelOf(recorded),
            defaultUsage,
          );
          response.write(messageStart);
        }
        return;
      case 'answer':
        await this.#stream(response, scripted, recorded);
        return;
    }
  }

  async #stream(response: ServerResponse, answer: AnswerReply, recorded: RecordedRequest): Promise<void> {
    response.writeHead(200, sseHeaders);
    const model = answer.model ?? modelOf(recorded);
    for (const event of answerPrelude(messageId(this.#messageCount), model, answer.usage))
      response.write(event);
    for (const [index, chunk] of answer.chunks.entries()) {
      if (index > 0 && answer.chunkDelayMs > 0) await sleep(answer.chunkDelayMs);
      if (index === answer.holdAfterChunk) await this.#release.promise;
      if (response.destroyed) return;
      response.write(textDelta(chunk));
    }
    if (answer.holdAfterChunk !== undefined && answer.holdAfterChunk >= answer.chunks.length)
      await this.#release.promise;
    for (const event of answerEpilogue(answer.usage, answer.toolUse)) response.write(event);
    await new Promise<void>((resolve) => response.end(resolve));
    recorded.finished = true;
  }
}

const sseHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'request-id': 'req_testserver',
};

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function modelOf(request: RecordedRequest): string {
  const model = (request.body as { model?: unknown } | undefined)?.model;
  return typeof model === 'string' ? model : 'claude-test-model';
}

function messageId(count: number): string {
  return `msg_testserver_${String(count).padStart(4, '0')}`;
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, {
    'content-type': 'application/json',
    'request-id': 'req_testserver',
    ...headers,
  });
  response.end(JSON.stringify(body));
}

function sendError(response: ServerResponse, error: ErrorReply): void {
  sendJson(
    response,
    error.status,
    { type: 'error', error: { type: error.errorType, message: error.message } },
    error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) },
  );
}
