import { describe, expect, it } from 'vitest';
import { AnthropicTestServer, defaultAnswerText } from './anthropic-test-server.js';
import { closedAfterEach, readUntil, typedEventsOf } from '../http-test-server/test-support.js';
import { reply } from './replies.js';

const start = closedAfterEach(AnthropicTestServer.start);

function postMessages(server: AnthropicTestServer): Promise<Response> {
  return fetch(`${server.url}/v1/messages?beta=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'sk-test' },
    body: JSON.stringify({ model: 'claude-sonnet-4-5', stream: true, messages: [] }),
  });
}

describe('the Anthropic test server', () => {
  it('streams a fixed answer as the Messages API does, with the usage it was given', async () => {
    const server = await start({
      replies: [
        reply.chunks(['Hel', 'lo'], {
          usage: {
            input_tokens: 7,
            output_tokens: 3,
            cache_read_input_tokens: 5,
            cache_creation_input_tokens: 2,
          },
        }),
      ],
    });
    const response = await postMessages(server);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const received = typedEventsOf(await response.text());
    expect(received.map((event) => event.type)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(received[0]).toMatchObject({
      message: {
        model: 'claude-sonnet-4-5',
        usage: {
          input_tokens: 7,
          cache_read_input_tokens: 5,
          cache_creation_input_tokens: 2,
          output_tokens: 1,
        },
      },
    });
    expect(
      received.filter((event) => event.type === 'content_block_delta').map((event) => event.delta),
    ).toEqual([
      { type: 'text_delta', text: 'Hel' },
      { type: 'text_delta', text: 'lo' },
    ]);
    expect(received[6]).toMatchObject({ usage: { output_tokens: 3 } });

    const [recorded] = server.messageRequests;
    expect(recorded).toMatchObject({ method: 'POST', path: '/v1/messages', reply: 'answer', finished: true });
    expect(recorded!.headers['x-api-key']).toBe('sk-test');
    expect(recorded!.body).toMatchObject({ model: 'claude-sonnet-4-5' });
  });

  it('answers scripted errors in order with the API error body, then falls back to the default answer', async () => {
    const server = await start({ replies: [reply.error(429, { retryAfterSeconds: 0 }), reply.error(529)] });
    const rateLimited = await postMessages(server);
    expect(rateLimited.status).toBe(429);
    expect(rateLimited.headers.get('retry-after')).toBe('0');
    expect(await rateLimited.json()).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'test server: rate_limit_error' },
    });
    const overloaded = await postMessages(server);
    expect(overloaded.status).toBe(529);
    expect(((await overloaded.json()) as { error: { type: string } }).error.type).toBe('overloaded_error');
    const answered = await postMessages(server);
    expect(await answered.text()).toContain(JSON.stringify(defaultAnswerText));
    expect(server.messageRequests.map((request) => request.reply)).toEqual(['error', 'error', 'answer']);
  });

  it('stalls after message_start when asked to stall after the headers', async () => {
    const server = await start({ replies: [reply.stall({ afterHeaders: true })] });
    const reader = (await postMessages(server)).body!.getReader();
    const [messageStart] = typedEventsOf(await readUntil(reader, '\n\n'));
    expect(messageStart).toMatchObject({
      type: 'message_start',
      message: { id: 'msg_testserver_0001', model: 'claude-sonnet-4-5' },
    });
    expect(server.messageRequests[0]).toMatchObject({ reply: 'stall', finished: false });
  });

  it('answers the probes Claude Code may send besides messages', async () => {
    const server = await start();
    expect((await fetch(`${server.url}/api/hello`, { method: 'HEAD' })).status).toBe(200);
    const counted = await fetch(`${server.url}/v1/messages/count_tokens`, {
      method: 'POST',
      body: '{"a":1}',
    });
    expect(await counted.json()).toEqual({ input_tokens: 2 });
    expect((await fetch(`${server.url}/v1/other`)).status).toBe(404);
    expect(server.messageRequests).toEqual([]);
    expect(server.requests).toHaveLength(3);
  });

  it('sends the unified rate-limit headers a subscriber gets, on answers and on a plan-limit refusal', async () => {
    const fiveHour = new Date('2026-12-07T14:00:00Z');
    const sevenDay = new Date('2026-12-10T09:00:00Z');
    const refusalReset = new Date(Date.now() + 3_600_000);
    const server = await start({
      replies: [
        reply.text('ok', {
          rateLimits: {
            status: 'allowed_warning',
            representativeClaim: 'five_hour',
            resetsAt: fiveHour,
            fiveHour: {
              utilization: 0.93,
              resetsAt: fiveHour,
              status: 'allowed_warning',
              surpassedThreshold: 0.9,
            },
            sevenDay: { utilization: 0.5, resetsAt: sevenDay },
            overage: { status: 'allowed', resetsAt: sevenDay },
          },
        }),
        reply.planLimitRejected({ window: 'seven_day_opus', resetsAt: refusalReset }),
      ],
    });
    const answered = await postMessages(server);
    expect(answered.status).toBe(200);
    expect(answered.headers.get('content-type')).toContain('text/event-stream');
    const unified = Object.fromEntries(
      [...answered.headers].filter(([name]) => name.startsWith('anthropic-ratelimit-unified-')),
    );
    expect(unified).toEqual({
      'anthropic-ratelimit-unified-status': 'allowed_warning',
      'anthropic-ratelimit-unified-representative-claim': 'five_hour',
      'anthropic-ratelimit-unified-reset': '1796652000',
      'anthropic-ratelimit-unified-5h-utilization': '0.93',
      'anthropic-ratelimit-unified-5h-reset': '1796652000',
      'anthropic-ratelimit-unified-5h-status': 'allowed_warning',
      'anthropic-ratelimit-unified-5h-surpassed-threshold': '0.9',
      'anthropic-ratelimit-unified-7d-utilization': '0.5',
      'anthropic-ratelimit-unified-7d-reset': '1796893200',
      'anthropic-ratelimit-unified-overage-status': 'allowed',
      'anthropic-ratelimit-unified-overage-reset': '1796893200',
    });
    await answered.text();

    const refused = await postMessages(server);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('anthropic-ratelimit-unified-status')).toBe('rejected');
    expect(refused.headers.get('anthropic-ratelimit-unified-representative-claim')).toBe('seven_day_opus');
    expect(refused.headers.get('anthropic-ratelimit-unified-reset')).toBe(
      String(Math.floor(refusalReset.getTime() / 1000)),
    );
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(3590);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(await refused.json()).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Rate limit exceeded' },
    });
  });
});
