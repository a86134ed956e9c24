import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ScriptedStall } from './replies.js';

/** One request as a test server received it. */
export interface RecordedHttpRequest<Kind extends string = string> {
  method: string;
  /** The path without the query string (clients add their own, e.g. `?beta=true` or `?alt=sse`). */
  path: string;
  url: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  body: unknown;
  rawBody: string;
  /** When the request's body had arrived (ms since the epoch): what a client's waits between retries are measured on. */
  receivedAt: number;
  /** What the request was answered with, for the requests the script answers. */
  reply?: Kind;
  /** Set once the last byte of the answer was written. */
  finished: boolean;
  /** Set when the client closed the connection before the answer was finished (an abort, a timeout, a kill). */
  disconnected: boolean;
}

/** What a test may script when it starts a server. */
export interface ScriptOptions<Reply> {
  /** Replies for the first requests the server answers from its script (each server says which), in order. */
  replies?: readonly Reply[];
  /** The reply once the scripted ones are used up; by default a short fixed answer. */
  fallback?: Reply;
}

/** What an API's test server tells the shared core about the API it stands in for. */
export interface HttpTestServerSettings<Reply extends { kind: string }, Recorded> {
  /** The fallback when the test sets none. */
  defaultReply: Reply;
  /** The model an answer names when the request names none. */
  defaultModel: string;
  /** Sent with every answer: a request id the real API sends, which clients may log. */
  headers?: OutgoingHttpHeaders;
  /** Over `content-type: application/json`, for JSON answers. */
  jsonHeaders?: OutgoingHttpHeaders;
  /** Over a UTF-8 `text/event-stream` content type and `cache-control: no-cache`, for streamed answers. */
  sseHeaders?: OutgoingHttpHeaders;
  /** Adds what the server records beyond the common fields (the model a path names, say). */
  annotate?: (request: RecordedHttpRequest<Reply['kind']>) => Recorded;
}

/** Makes `annotate` required unless the common fields alone already make a `Recorded`. */
export type Annotation<Common, Recorded> = [Common] extends [Recorded]
  ? unknown
  : { annotate: (request: Common) => Recorded };

/** How an answer's parts are paced: a delay between them, and a hold after some until `release()`. */
export interface Pacing {
  delayMs?: number | undefined;
  holdAfter?: number | undefined;
}

/** How a paced write ended: every part written, cut short on purpose, or the client went away. */
export type PacedOutcome = 'all' | 'cut' | 'gone';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Waiter {
  ready: () => boolean;
  resolve: () => void;
}

/**
 * The part every local stand-in for a paid LLM API shares, so that each one only says which routes it serves and
 * how it encodes its answers: a server on 127.0.0.1 with an ephemeral port, every request recorded (and whether its
 * answer finished or its client hung up), a script of replies with a fallback, waits on what has arrived, answers
 * held until `release()`, stalls, and `close()` dropping every connection, stalled ones included, so a test never
 * hangs on a client that is still waiting.
 */
export abstract class HttpTestServer<
  Reply extends { kind: string },
  Recorded extends RecordedHttpRequest<Reply['kind']> = RecordedHttpRequest<Reply['kind']>,
> {
  readonly requests: Recorded[] = [];
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  readonly #queue: Reply[];
  readonly #jsonHeaders: OutgoingHttpHeaders;
  readonly #sseHeaders: OutgoingHttpHeaders;
  readonly #defaultModel: string;
  readonly #annotate: (request: RecordedHttpRequest<Reply['kind']>) => Recorded;
  #fallback: Reply;
  #release = gate();
  #waiters: Waiter[] = [];

  protected constructor(
    options: ScriptOptions<Reply>,
    settings: HttpTestServerSettings<Reply, Recorded> &
      Annotation<RecordedHttpRequest<Reply['kind']>, Recorded>,
  ) {
    this.#queue = [...(options.replies ?? [])];
    this.#fallback = options.fallback ?? settings.defaultReply;
    this.#defaultModel = settings.defaultModel;
    // `Annotation` lets a server leave it out only where the common fields already make a `Recorded`.
    this.#annotate = settings.annotate ?? ((request) => request as Recorded);
    this.#jsonHeaders = { 'content-type': 'application/json', ...settings.headers, ...settings.jsonHeaders };
    this.#sseHeaders = {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      ...settings.headers,
      ...settings.sseHeaders,
    };
    this.#server = createServer((request, response) => this.#handle(request, response));
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => {
        this.#sockets.delete(socket);
        this.#changed();
      });
    });
  }

  /** Starts listening; each server's static `start()` ends with it. */
  protected async listen(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => resolve());
    });
    return this;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The server's origin, without a path. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Connections open now (a client's keep-alive pool included). */
  get openConnections(): number {
    return this.#sockets.size;
  }

  /** Answers whose last byte has been written. */
  get finishedAnswers(): number {
    return this.requests.filter((request) => request.reply === 'answer' && request.finished).length;
  }

  /** Queues replies for the next scripted requests. */
  enqueue(...replies: Reply[]): void {
    this.#queue.push(...replies);
  }

  setFallback(fallback: Reply): void {
    this.#fallback = fallback;
  }

  /** Lets every held answer go on (and any later one pass its hold at once). */
  release(): void {
    this.#release.resolve();
  }

  /** Resolves once `ready()` holds, checked whenever a request arrives, finishes or a connection closes. */
  waitFor(ready: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    return this.#wait(ready, () => `test server: still waiting for ${what}`, timeoutMs);
  }

  /** Stops listening and drops every open connection (stalled ones included). */
  async close(): Promise<void> {
    this.release();
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Answers one request; a rejection drops the connection (the client went away mid-answer). */
  protected abstract route(request: Recorded, response: ServerResponse): Promise<void> | void;

  /** Resolves once `select()` has at least `count` requests; the timeout says how many came. */
  protected waitForCount(
    select: () => readonly Recorded[],
    count: number,
    noun: string,
    timeoutMs = 20_000,
  ): Promise<void> {
    return this.#wait(
      () => select().length >= count,
      () => `expected ${count} ${noun}, saw ${select().length}`,
      timeoutMs,
    );
  }

  /** The model the request's JSON body names, or the API's default. */
  protected modelOf(request: Recorded): string {
    const model = (request.body as { model?: unknown } | undefined)?.model;
    return typeof model === 'string' ? model : this.#defaultModel;
  }

  /** The next scripted reply (or the fallback), recorded as what `request` was answered with. */
  protected nextReply(request: Recorded): Reply {
    const scripted = this.#queue.shift() ?? this.#fallback;
    request.reply = scripted.kind;
    return scripted;
  }

  protected send(
    response: ServerResponse,
    status: number,
    text: string,
    headers: OutgoingHttpHeaders = {},
  ): void {
    response.writeHead(status, { ...this.#jsonHeaders, ...headers });
    response.end(text);
  }

  protected sendJson(
    response: ServerResponse,
    status: number,
    body: unknown,
    headers: OutgoingHttpHeaders = {},
  ): void {
    this.send(response, status, JSON.stringify(body), headers);
  }

  /** An API error: its JSON body, and `retry-after` (seconds) when the reply sets one. */
  protected sendError(
    response: ServerResponse,
    status: number,
    body: unknown,
    retryAfterSeconds?: number,
  ): void {
    this.sendJson(
      response,
      status,
      body,
      retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
    );
  }

  /** Sends the headers of a `200` event stream. */
  protected openStream(response: ServerResponse): void {
    response.writeHead(200, this.#sseHeaders);
  }

  protected async endStream(response: ServerResponse): Promise<void> {
    await new Promise<void>((resolve) => response.end(resolve));
  }

  /** Never answers, or sends the headers and `firstEvent` and then nothing: a client's timeouts are what end it. */
  protected stall(response: ServerResponse, reply: ScriptedStall, firstEvent: () => string): void {
    if (!reply.afterHeaders) return;
    this.openStream(response);
    response.write(firstEvent());
  }

  /**
   * Writes `parts` one by one, waiting `delayMs` between them and, at `holdAfter`, until `release()` (a hold at or past
   * the end waits after the last part, before the answer is closed). `write` returning `'cut'` ends it there.
   */
  protected async paced<Part>(
    response: ServerResponse,
    parts: readonly Part[],
    pacing: Pacing,
    write: (part: Part, index: number) => 'cut' | void,
  ): Promise<PacedOutcome> {
    const delayMs = pacing.delayMs ?? 0;
    for (const [index, part] of parts.entries()) {
      if (index > 0 && delayMs > 0) await sleep(delayMs);
      if (index === pacing.holdAfter) await this.#release.promise;
      if (response.destroyed) return 'gone';
      if (write(part, index) === 'cut') return 'cut';
    }
    if (pacing.holdAfter !== undefined && pacing.holdAfter >= parts.length) await this.#release.promise;
    return response.destroyed ? 'gone' : 'all';
  }

  #wait(ready: () => boolean, failure: () => string, timeoutMs: number): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(failure())), timeoutMs);
      this.#waiters.push({
        ready,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  #changed(): void {
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.ready()) return true;
      waiter.resolve();
      return false;
    });
  }

  #handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const url = request.url ?? '/';
      const recorded = this.#annotate({
        method: request.method ?? 'GET',
        path: url.split('?')[0] ?? url,
        url,
        headers: request.headers,
        body: parseJson(rawBody),
        rawBody,
        receivedAt: Date.now(),
        finished: false,
        disconnected: false,
      });
      this.requests.push(recorded);
      response.on('finish', () => {
        recorded.finished = true;
        this.#changed();
      });
      // 'close' before 'finish': the client went away (aborted, timed out, killed).
      response.on('close', () => {
        if (!response.writableFinished) recorded.disconnected = true;
        this.#changed();
      });
      this.#changed();
      // Through a promise so that a route throwing synchronously also drops the connection, not the server.
      Promise.resolve()
        .then(() => this.route(recorded, response))
        .catch(() => response.destroy());
    });
  }
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function gate(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}
