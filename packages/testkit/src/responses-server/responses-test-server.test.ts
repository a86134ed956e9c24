import { describe, expect, it } from 'vitest';
import { closedAfterEach, readRest, readUntil, typedEventsOf } from '../http-test-server/test-support.js';
import { responsesReply } from './replies.js';
import { defaultResponsesAnswerText, ResponsesTestServer } from './responses-test-server.js';

const start = closedAfterEach(ResponsesTestServer.start);

function postResponses(server: ResponsesTestServer): Promise<Response> {
  return fetch(`${server.baseUrl}/responses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test' },
    body: JSON.stringify({ model: 'gpt-5.5', stream: true, input: [] }),
  });
}

describe('the Responses test server', () => {
  it('streams an answer as the Responses API does, with cached tokens inside input and reasoning inside output', async () => {
    const server = await start({
      replies: [
        responsesReply.chunks(['Hel', 'lo'], {
          usage: { input_tokens: 2000, cached_tokens: 500, output_tokens: 300, reasoning_tokens: 100 },
        }),
      ],
    });
    const response = await postResponses(server);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const received = typedEventsOf(await response.text());
    expect(received.map((event) => event.type)).toEqual([
      'response.created',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(received.filter((event) => event.type.endsWith('.delta')).map((event) => event.delta)).toEqual([
      'Hel',
      'lo',
    ]);
    expect(received[5]).toMatchObject({
      item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello' }] },
    });
    expect(received.at(-1)).toMatchObject({
      response: {
        model: 'gpt-5.5',
        status: 'completed',
        usage: {
          input_tokens: 2000,
          input_tokens_details: { cached_tokens: 500 },
          output_tokens: 300,
          output_tokens_details: { reasoning_tokens: 100 },
          total_tokens: 2300,
        },
      },
    });
    expect(server.responseRequests).toHaveLength(1);
    expect(server.responseRequests[0]!.headers.authorization).toBe('Bearer sk-test');
    expect(server.finishedAnswers).toBe(1);
  });

  it('sends several messages in one response, and its fallback answer once the script is used up', async () => {
    const server = await start({ replies: [responsesReply.messages([['one'], ['two']])] });
    const first = typedEventsOf(await (await postResponses(server)).text());
    const done = first.filter((event) => event.type === 'response.output_item.done');
    expect(done.map((event) => event.output_index)).toEqual([0, 1]);
    const second = typedEventsOf(await (await postResponses(server)).text());
    expect(second.find((event) => event.type === 'response.output_item.done')).toMatchObject({
      item: { content: [{ text: defaultResponsesAnswerText }] },
    });
    expect(server.responseRequests).toHaveLength(2);
  });

  it('fails with the bodies the service sends: 401, 429 with retry-after, usage_limit_reached, 500, 503, context', async () => {
    const resetsAt = new Date('2030-01-01T12:00:00Z');
    const server = await start({
      replies: [
        responsesReply.unauthorized(),
        responsesReply.rateLimited({ retryAfterSeconds: 7 }),
        responsesReply.usageLimitReached({ resetsAt, planType: 'pro' }),
        responsesReply.serverError(500),
        responsesReply.serverError(503),
        responsesReply.contextTooLong(),
        responsesReply.insufficientQuota(),
      ],
    });
    const unauthorized = await postResponses(server);
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
    const limited = await postResponses(server);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await limited.json()).toMatchObject({ error: { code: 'rate_limit_exceeded' } });
    const quota = await postResponses(server);
    expect(quota.status).toBe(429);
    expect(await quota.json()).toMatchObject({
      error: { type: 'usage_limit_reached', plan_type: 'pro', resets_at: resetsAt.getTime() / 1000 },
    });
    expect((await postResponses(server)).status).toBe(500);
    expect((await postResponses(server)).status).toBe(503);
    const context = await postResponses(server);
    expect(context.status).toBe(400);
    expect(await context.json()).toMatchObject({ error: { code: 'context_length_exceeded' } });
    expect(await (await postResponses(server)).json()).toMatchObject({
      error: { code: 'insufficient_quota' },
    });
    expect(server.responseRequests.map((request) => request.reply)).toEqual(Array(7).fill('error'));
  });

  it('reports a rate limit inside the stream with response.failed', async () => {
    const server = await start({ replies: [responsesReply.rateLimitedInStream(7.5)] });
    const received = typedEventsOf(await (await postResponses(server)).text());
    expect(received.map((event) => event.type)).toEqual(['response.created', 'response.failed']);
    expect(received[1]).toMatchObject({
      response: { status: 'failed', error: { code: 'rate_limit_exceeded' } },
    });
    expect(JSON.stringify(received[1])).toContain('Please try again in 7.5s.');
  });

  it('cuts a truncated stream before the message is done and before response.completed', async () => {
    const server = await start({ replies: [responsesReply.truncated(['partial '])] });
    const received = typedEventsOf(await (await postResponses(server)).text());
    expect(received.map((event) => event.type)).toEqual([
      'response.created',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
    ]);
  });

  it('stalls after response.created when asked to stall after the headers', async () => {
    const server = await start({ replies: [responsesReply.stall({ afterHeaders: true })] });
    const reader = (await postResponses(server)).body!.getReader();
    const [created] = typedEventsOf(await readUntil(reader, '\n\n'));
    expect(created).toMatchObject({
      type: 'response.created',
      response: { id: 'resp_testserver_0001', model: 'gpt-5.5', status: 'in_progress' },
    });
    expect(server.responseRequests[0]).toMatchObject({ reply: 'stall', finished: false });
  });

  it('holds an answer after a message until released', async () => {
    const server = await start({
      replies: [responsesReply.messages([['first'], ['second']], { holdAfterMessage: 1 })],
    });
    const reader = (await postResponses(server)).body!.getReader();
    const held = await readUntil(reader, 'response.output_item.done');
    expect(held).toContain('first');
    expect(held).not.toContain('second');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.finishedAnswers).toBe(0);
    server.release();
    const text = held + (await readRest(reader));
    expect(text).toContain('response.completed');
    expect(server.finishedAnswers).toBe(1);
  });

  it('answers other paths 404 with the API error body, outside the responses it counts', async () => {
    const server = await start();
    await (await postResponses(server)).text();
    const models = await fetch(`${server.baseUrl}/models`);
    expect(models.status).toBe(404);
    expect(await models.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
    expect(server.requests).toHaveLength(2);
    expect(server.responseRequests).toHaveLength(1);
  });

  it('sends the x-codex rate-limit headers, and a codex.rate_limits event when asked, as the ChatGPT backend does', async () => {
    const resetsAt = new Date('2026-12-07T14:00:00Z');
    const server = await start({
      replies: [
        responsesReply.text('ok', {
          rateLimits: {
            primary: { usedPercent: 42.5, windowMinutes: 300, resetsAt },
            secondary: { usedPercent: 12 },
            limitName: 'GPT-5.5-Codex-Spark',
          },
          rateLimitsInStream: true,
        }),
        responsesReply.usageLimitReached({ resetsAt, rateLimits: { primary: { usedPercent: 100 } } }),
      ],
    });
    const answered = await postResponses(server);
    expect(Object.fromEntries([...answered.headers].filter(([name]) => name.startsWith('x-codex-')))).toEqual(
      {
        'x-codex-primary-used-percent': '42.5',
        'x-codex-primary-window-minutes': '300',
        'x-codex-primary-reset-at': '1796652000',
        'x-codex-secondary-used-percent': '12',
        'x-codex-limit-name': 'GPT-5.5-Codex-Spark',
      },
    );
    const received = typedEventsOf(await answered.text());
    expect(received[1]).toEqual({
      type: 'codex.rate_limits',
      rate_limits: {
        primary: { used_percent: 42.5, window_minutes: 300, reset_at: 1796652000 },
        secondary: { used_percent: 12, window_minutes: null, reset_at: null },
      },
      limit_name: 'GPT-5.5-Codex-Spark',
    });
    const refused = await postResponses(server);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-codex-primary-used-percent')).toBe('100');
  });
});
