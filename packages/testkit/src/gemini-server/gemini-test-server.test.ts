import { describe, expect, it } from 'vitest';
import { closedAfterEach, sseDataOf } from '../http-test-server/test-support.js';
import { defaultGeminiAnswerText, GeminiTestServer } from './gemini-test-server.js';
import { geminiReply } from './gemini-replies.js';

const start = closedAfterEach(GeminiTestServer.start);

function streamGenerate(server: GeminiTestServer, model = 'gemini-2.5-flash') {
  return fetch(`${server.url}/v1beta/models/${model}:streamGenerateContent?alt=sse`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': 'test-key' },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Say hi' }] }] }),
  });
}

/** The API's events: `data:` lines only, each a `GenerateContentResponse`. */
const events = (text: string) => sseDataOf(text) as Record<string, unknown>[];

describe('the Gemini test server', () => {
  it('streams an answer as the API does, the usage (with cached and thought tokens) on the last chunk', async () => {
    const server = await start({
      replies: [
        geminiReply.chunks(['Hel', 'lo'], {
          usage: {
            promptTokenCount: 120,
            candidatesTokenCount: 7,
            cachedContentTokenCount: 20,
            thoughtsTokenCount: 5,
          },
        }),
      ],
    });
    const response = await streamGenerate(server);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const raw = await response.text();
    // The API frames its events with CRLF, which a client's parser must accept.
    expect(raw.split('\r\n\r\n')).toHaveLength(3);
    const received = events(raw);
    expect(received).toHaveLength(2);
    expect(received[0]).toMatchObject({
      candidates: [{ content: { role: 'model', parts: [{ text: 'Hel' }] } }],
      modelVersion: 'gemini-2.5-flash',
    });
    expect(received[0]).not.toHaveProperty('usageMetadata');
    expect(received[1]).toMatchObject({
      candidates: [{ content: { parts: [{ text: 'lo' }] }, finishReason: 'STOP' }],
      usageMetadata: {
        promptTokenCount: 120,
        candidatesTokenCount: 7,
        cachedContentTokenCount: 20,
        thoughtsTokenCount: 5,
        totalTokenCount: 132,
      },
    });
    expect(server.generateRequests).toHaveLength(1);
    expect(server.generateRequests[0]).toMatchObject({
      model: 'gemini-2.5-flash',
      reply: 'answer',
      finished: true,
    });
    expect(server.finishedAnswers).toBe(1);
  });

  it('falls back to a default answer once the scripted replies are used up, and counts every request', async () => {
    const server = await start({ replies: [geminiReply.overloaded()] });
    expect((await streamGenerate(server)).status).toBe(503);
    const second = await streamGenerate(server);
    expect(second.status).toBe(200);
    const text = events(await second.text())
      .map((event) => JSON.stringify(event))
      .join('');
    expect(text).toContain(defaultGeminiAnswerText);
    expect(server.generateRequests.map((request) => request.reply)).toEqual(['error', 'answer']);
  });

  it.each([
    ['a refused key', geminiReply.apiKeyInvalid(), 400, 'INVALID_ARGUMENT', 'API_KEY_INVALID'],
    ['a refused key (401)', geminiReply.apiKeyInvalid(401), 401, 'UNAUTHENTICATED', 'API_KEY_INVALID'],
    ['a refused key (403)', geminiReply.apiKeyInvalid(403), 403, 'PERMISSION_DENIED', 'API_KEY_INVALID'],
    ['a rate limit', geminiReply.rateLimited(7), 429, 'RESOURCE_EXHAUSTED', '"retryDelay":"7s"'],
    ['a daily quota', geminiReply.dailyQuotaExhausted(), 429, 'RESOURCE_EXHAUSTED', 'PerDay'],
    ['an overload', geminiReply.overloaded(), 503, 'UNAVAILABLE', 'overloaded'],
    ['a server error', geminiReply.serverError(), 500, 'INTERNAL', 'internal error'],
    [
      'a prompt too long',
      geminiReply.contextTooLong(),
      400,
      'INVALID_ARGUMENT',
      'input token count (1200000) exceeds',
    ],
  ])('answers %s with the API’s error body', async (_name, scripted, status, rpcStatus, fragment) => {
    const server = await start({ replies: [scripted] });
    const response = await streamGenerate(server);
    expect(response.status).toBe(status);
    const raw = await response.text();
    expect(raw).toContain(fragment);
    expect(JSON.parse(raw)).toMatchObject({ error: { code: status, status: rpcStatus } });
  });

  it('cuts a stream off mid-event, or ends it without a finish reason', async () => {
    const server = await start({
      replies: [geminiReply.truncated(), geminiReply.truncated({ cut: 'no-finish' })],
    });
    const cut = await streamGenerate(server);
    await expect(cut.text()).rejects.toThrow();
    const unfinished = events(await (await streamGenerate(server)).text());
    expect(unfinished).toHaveLength(1);
    expect(JSON.stringify(unfinished[0])).not.toContain('finishReason');
  });

  it('answers the other calls the CLI makes, and records what it does not serve', async () => {
    const unknown: string[] = [];
    const server = await start({ onUnknownRequest: (request) => unknown.push(request.path) });
    const count = await fetch(`${server.url}/v1beta/models/gemini-2.5-flash:countTokens`, {
      method: 'POST',
      body: JSON.stringify({ contents: [] }),
    });
    expect(await count.json()).toMatchObject({ totalTokens: expect.any(Number) as number });
    const models = await fetch(`${server.url}/v1beta/models`);
    expect(await models.json()).toMatchObject({ models: expect.any(Array) as unknown[] });
    const plain = await fetch(`${server.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST',
      body: '{}',
    });
    expect(JSON.stringify(await plain.json())).toContain(defaultGeminiAnswerText);
    const missing = await fetch(`${server.url}/v1beta/cachedContents`);
    expect(missing.status).toBe(404);
    expect(unknown).toEqual(['/v1beta/cachedContents']);
    expect(server.unknownRequests.map((request) => request.path)).toEqual(['/v1beta/cachedContents']);
    expect(server.generateRequests).toHaveLength(0);
  });
});
