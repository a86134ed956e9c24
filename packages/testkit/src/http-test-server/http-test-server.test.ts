import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { HttpTestServer, type RecordedHttpRequest } from './http-test-server.js';
import { stallReply, type PacedAnswer, type ScriptedStall } from './replies.js';
import { sseData, typedSseEvent } from './sse.js';
import { closedAfterEach, readRest, readUntil, sseDataOf } from './test-support.js';

type EchoReply =
  | PacedAnswer
  | ScriptedStall
  | { kind: 'error'; status: number; retryAfterSeconds?: number }
  | { kind: 'cut'; chunks: readonly string[] };

type EchoRequest = RecordedHttpRequest<EchoReply['kind']>;

const answer = (chunks: readonly string[], pacing: Partial<PacedAnswer> = {}): PacedAnswer => ({
  kind: 'answer',
  chunks,
  chunkDelayMs: 0,
  ...pacing,
});

/** The smallest API the core can serve: `POST /v1/echo` streams its chunks as `data: {"text": …}` events. */
class EchoServer extends HttpTestServer<EchoReply> {
  private constructor(replies: readonly EchoReply[]) {
    super(
      { replies },
      {
        defaultReply: answer(['fallback']),
        defaultModel: 'echo',
        headers: { 'x-served-by': 'echo' },
      },
    );
  }

  static start(replies: readonly EchoReply[] = []): Promise<EchoServer> {
    return new EchoServer(replies).listen();
  }

  get echoRequests(): EchoRequest[] {
    return this.requests.filter((request) => request.path === '/v1/echo');
  }

  waitForEchoRequests(count: number, timeoutMs?: number): Promise<void> {
    return this.waitForCount(() => this.echoRequests, count, 'echo requests', timeoutMs);
  }

  protected override async route(request: EchoRequest, response: ServerResponse): Promise<void> {
    if (request.path === '/v1/throw') throw new Error('a bug in a route');
    if (request.path !== '/v1/echo') {
      this.sendJson(response, 404, { error: `${request.path} is not served here` });
      return;
    }
    const scripted = this.nextReply(request);
    switch (scripted.kind) {
      case 'error':
        this.sendError(response, scripted.status, { error: 'scripted' }, scripted.retryAfterSeconds);
        return;
      case 'stall':
        this.stall(response, scripted, () => typedSseEvent({ type: 'started' }));
        return;
      case 'cut':
      case 'answer': {
        this.openStream(response);
        const pacing =
          scripted.kind === 'answer'
            ? { delayMs: scripted.chunkDelayMs, holdAfter: scripted.holdAfterChunk }
            : {};
        const outcome = await this.paced(response, scripted.chunks, pacing, (text) => {
          response.write(sseData({ text }));
          if (scripted.kind === 'cut') return 'cut';
        });
        if (outcome === 'gone') return;
        if (outcome === 'all') response.write(sseData({ done: true }));
        await this.endStream(response);
      }
    }
  }
}

const start = closedAfterEach(EchoServer.start);

function post(server: EchoServer, path = '/v1/echo', init: RequestInit = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', body: '{"model":"m"}', ...init });
}

describe('the shared HTTP test server core', () => {
  it('listens on 127.0.0.1 with a port of its own and records every request as it arrived', async () => {
    const server = await start();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const before = Date.now();
    const echoed = await post(server, '/v1/echo?alt=sse', { headers: { 'x-api-key': 'sk-test' } });
    expect(sseDataOf(await echoed.text())).toEqual([{ text: 'fallback' }, { done: true }]);
    const missing = await post(server, '/v1/other', { body: 'not json' });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-served-by')).toBe('echo');
    const [first, second] = server.requests;
    expect(first).toMatchObject({
      method: 'POST',
      path: '/v1/echo',
      url: '/v1/echo?alt=sse',
      body: { model: 'm' },
      rawBody: '{"model":"m"}',
      reply: 'answer',
      finished: true,
      disconnected: false,
    });
    expect(first!.headers['x-api-key']).toBe('sk-test');
    expect(first!.receivedAt).toBeGreaterThanOrEqual(before);
    expect(second!.receivedAt).toBeGreaterThanOrEqual(first!.receivedAt);
    expect(second).toMatchObject({ path: '/v1/other', body: undefined, rawBody: 'not json', finished: true });
    expect(second!.reply).toBeUndefined();
    expect(server.finishedAnswers).toBe(1);
  });

  it('answers the scripted replies in order, then the enqueued ones, then the fallback a test may change', async () => {
    const server = await start([{ kind: 'error', status: 429, retryAfterSeconds: 3 }]);
    server.enqueue(answer(['enqueued']));
    const limited = await post(server);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.headers.get('content-type')).toBe('application/json');
    expect(await (await post(server)).text()).toContain('enqueued');
    expect(await (await post(server)).text()).toContain('fallback');
    server.setFallback({ kind: 'error', status: 503 });
    const unavailable = await post(server);
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers.get('retry-after')).toBeNull();
    expect(server.requests.map((request) => request.reply)).toEqual(['error', 'answer', 'answer', 'error']);
  });

  it('waits for requests, and says what it saw when it gives up', async () => {
    const server = await start();
    const waiting = server.waitForEchoRequests(2);
    await (await post(server)).text();
    await (await post(server)).text();
    await waiting;
    await expect(server.waitForEchoRequests(3, 50)).rejects.toThrow('expected 3 echo requests, saw 2');
    await expect(server.waitFor(() => false, 'a miracle', 50)).rejects.toThrow(
      'test server: still waiting for a miracle',
    );
  });

  it('holds an answer after a chunk until released, and counts it finished only then', async () => {
    const server = await start([answer(['first ', 'second'], { holdAfterChunk: 1 })]);
    const reader = (await post(server)).body!.getReader();
    expect(await readUntil(reader, 'first ')).not.toContain('second');
    expect(server.finishedAnswers).toBe(0);
    server.release();
    const rest = await readRest(reader);
    expect(rest).toContain('second');
    expect(rest).toContain('done');
    expect(server.finishedAnswers).toBe(1);
  });

  it('holds past the last chunk before ending the answer, and lets later holds pass once released', async () => {
    const server = await start([
      answer(['only'], { holdAfterChunk: 1 }),
      answer(['later'], { holdAfterChunk: 0 }),
    ]);
    const reader = (await post(server)).body!.getReader();
    expect(await readUntil(reader, 'only')).not.toContain('done');
    expect(server.finishedAnswers).toBe(0);
    server.release();
    expect(await readRest(reader)).toContain('done');
    expect(await (await post(server)).text()).toContain('later');
  });

  it('waits chunkDelayMs between chunks', async () => {
    const server = await start([answer(['a', 'b', 'c'], { chunkDelayMs: 60 })]);
    const started = Date.now();
    await (await post(server)).text();
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('ends an answer where its server cuts it, and drops the connection when a route fails', async () => {
    const server = await start([{ kind: 'cut', chunks: ['part', 'never sent'] }]);
    expect(sseDataOf(await (await post(server)).text())).toEqual([{ text: 'part' }]);
    await expect(post(server, '/v1/throw')).rejects.toThrow();
  });

  it('stalls with no answer, or after the headers and a first event; close() drops both', async () => {
    const server = await start([stallReply(), stallReply({ afterHeaders: true })]);
    const silent = post(server).catch((error: unknown) => error);
    await server.waitForEchoRequests(1);
    const headersOnly = await post(server);
    expect(headersOnly.status).toBe(200);
    const reader = headersOnly.body!.getReader();
    expect(await readUntil(reader, 'started')).toBe('event: started\ndata: {"type":"started"}\n\n');
    const outcome = await Promise.race([
      silent,
      new Promise((resolve) => setTimeout(() => resolve('waiting'), 200)),
    ]);
    expect(outcome).toBe('waiting');
    expect(server.openConnections).toBe(2);
    await server.close();
    expect(await silent).toBeInstanceOf(Error);
    await expect(reader.read()).rejects.toThrow();
    await server.waitFor(
      () => server.requests.every((request) => request.disconnected),
      'the hang-ups',
      5_000,
    );
    expect(server.requests.map(({ finished, disconnected }) => ({ finished, disconnected }))).toEqual([
      { finished: false, disconnected: true },
      { finished: false, disconnected: true },
    ]);
  });

  it('records a client that hangs up mid-answer', async () => {
    const server = await start([answer(['begun ', 'never sent'], { holdAfterChunk: 1 })]);
    const controller = new AbortController();
    const reader = (await post(server, '/v1/echo', { signal: controller.signal })).body!.getReader();
    await readUntil(reader, 'begun');
    controller.abort();
    await server.waitFor(() => server.requests[0]!.disconnected, 'the hang-up', 5_000);
    expect(server.requests[0]).toMatchObject({ finished: false, disconnected: true });
  });
});
