import { describe, expect, it } from 'vitest';
import { closedAfterEach, sseDataOf } from '../http-test-server/test-support.js';
import { ChatCompletionsTestServer, defaultChatAnswerText } from './chat-completions-test-server.js';
import { chatReply, contextLengthMessages } from './chat-replies.js';

const start = closedAfterEach(ChatCompletionsTestServer.start);

function postCompletion(
  server: ChatCompletionsTestServer,
  body: Record<string, unknown> = { stream: true, stream_options: { include_usage: true } },
  init: { headers?: Record<string, string> } = {},
): Promise<Response> {
  return fetch(`${server.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', ...init.headers },
    body: JSON.stringify({ model: 'qwen2.5:7b', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}

interface Chunk {
  object?: string;
  model?: string;
  choices: { delta: { content?: string }; finish_reason: string | null }[];
  usage?: unknown;
}

describe('the Chat Completions test server', () => {
  it('streams chunks, a finish_reason, the usage with cached tokens when asked, then [DONE]', async () => {
    const server = await start({
      replies: [
        chatReply.chunks(['Hel', 'lo'], {
          usage: { prompt_tokens: 1200, completion_tokens: 34, cached_tokens: 1000 },
        }),
      ],
    });
    const response = await postCompletion(server);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = sseDataOf(await response.text());
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1) as Chunk[];
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.every((chunk) => chunk.model === 'qwen2.5:7b')).toBe(true);
    expect(chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta.content ?? ''))).toEqual([
      '',
      'Hel',
      'lo',
      '',
    ]);
    expect(chunks[3]!.choices[0]!.finish_reason).toBe('stop');
    // Every chunk but the last says `usage: null`; the last has no choices and the figures.
    expect(chunks.slice(0, 4).every((chunk) => chunk.usage === null)).toBe(true);
    expect(chunks[4]).toMatchObject({
      choices: [],
      usage: {
        prompt_tokens: 1200,
        completion_tokens: 34,
        total_tokens: 1234,
        prompt_tokens_details: { cached_tokens: 1000 },
      },
    });
    const [recorded] = server.completionRequests;
    expect(recorded).toMatchObject({ reply: 'answer', finished: true, disconnected: false });
    expect(recorded!.headers.authorization).toBe('Bearer sk-test');
    expect(recorded!.body).toMatchObject({ stream_options: { include_usage: true } });
  });

  it('sends no usage unless asked for it, and none at all from a server scripted without usage', async () => {
    const server = await start({ replies: [chatReply.text('a'), chatReply.withoutUsage(['b'])] });
    const unasked = sseDataOf(await (await postCompletion(server, { stream: true })).text());
    expect(unasked.some((event) => typeof event === 'object' && 'usage' in (event as object))).toBe(false);
    const withoutUsage = sseDataOf(await (await postCompletion(server)).text());
    expect(withoutUsage.at(-1)).toBe('[DONE]');
    expect(JSON.stringify(withoutUsage)).not.toContain('prompt_tokens');
  });

  it('answers one JSON completion when not asked to stream', async () => {
    const server = await start({
      replies: [chatReply.chunks(['Hel', 'lo'], { usage: { prompt_tokens: 9, completion_tokens: 2 } })],
    });
    const response = await postCompletion(server, { stream: false });
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
    });
  });

  it('ends a truncated stream without [DONE], before or after the finish_reason', async () => {
    const server = await start({
      replies: [chatReply.truncated(['cut']), chatReply.truncated(['whole'], 'after-finish')],
    });
    const broken = sseDataOf(await (await postCompletion(server)).text()) as Chunk[];
    expect(broken).not.toContain('[DONE]');
    expect(broken.every((chunk) => chunk.choices.every((choice) => choice.finish_reason === null))).toBe(
      true,
    );
    const afterFinish = sseDataOf(await (await postCompletion(server)).text()) as Chunk[];
    expect(afterFinish).not.toContain('[DONE]');
    expect(afterFinish.some((chunk) => chunk.choices[0]?.finish_reason === 'stop')).toBe(true);
    expect(afterFinish.at(-1)).toMatchObject({ usage: { prompt_tokens: 100 } });
  });

  it('sends an error event mid-stream when scripted to', async () => {
    const server = await start({
      replies: [chatReply.chunks(['part'], { streamError: { message: 'engine died', code: 500 } })],
    });
    const events = sseDataOf(await (await postCompletion(server)).text());
    expect(events.at(-1)).toEqual({
      error: { message: 'engine died', type: 'server_error', param: null, code: 500 },
    });
  });

  it('answers scripted failures in order with OpenAI-shaped bodies and their headers, then the default answer', async () => {
    const resetAt = new Date(Date.UTC(2030, 0, 1, 12, 0, 0));
    const server = await start({
      replies: [
        chatReply.error(401, { code: 'invalid_api_key' }),
        chatReply.error(402),
        chatReply.rateLimited(3),
        chatReply.rateLimited(resetAt),
        chatReply.quotaExceeded(),
        chatReply.error(500),
        chatReply.error(503),
        chatReply.contextLengthExceeded('openai'),
        chatReply.contextLengthExceeded('vllm'),
        chatReply.raw(502, '<html>Bad gateway</html>'),
      ],
    });
    const answers: { status: number; retryAfter: string | null; body: string }[] = [];
    for (let index = 0; index < 10; index++) {
      const response = await postCompletion(server);
      answers.push({
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: await response.text(),
      });
    }
    expect(answers.map((answer) => answer.status)).toEqual([
      401, 402, 429, 429, 429, 500, 503, 400, 400, 502,
    ]);
    expect(answers[2]!.retryAfter).toBe('3');
    expect(answers[3]!.retryAfter).toBe('Tue, 01 Jan 2030 12:00:00 GMT');
    expect(JSON.parse(answers[0]!.body)).toMatchObject({ error: { code: 'invalid_api_key' } });
    expect(JSON.parse(answers[4]!.body)).toMatchObject({
      error: { type: 'insufficient_quota', code: 'insufficient_quota' },
    });
    expect(JSON.parse(answers[7]!.body)).toEqual({
      error: {
        message: contextLengthMessages.openai,
        type: 'invalid_request_error',
        param: null,
        code: 'context_length_exceeded',
      },
    });
    expect(JSON.parse(answers[8]!.body)).toMatchObject({ error: { message: contextLengthMessages.vllm } });
    expect(answers[9]!.body).toBe('<html>Bad gateway</html>');
    expect(await (await postCompletion(server)).text()).toContain(JSON.stringify(defaultChatAnswerText));
    expect(server.completionRequests).toHaveLength(11);
  });

  it('lists its models, and refuses a wrong key with a message that repeats it', async () => {
    const server = await start({ models: ['qwen2.5:7b', 'llama3.1:8b'], requireKey: 'sk-test' });
    const models = await fetch(`${server.baseUrl}/models`, { headers: { authorization: 'Bearer sk-test' } });
    expect(await models.json()).toMatchObject({
      object: 'list',
      data: [{ id: 'qwen2.5:7b' }, { id: 'llama3.1:8b' }],
    });
    const refused = await postCompletion(server, undefined, {
      headers: { authorization: 'Bearer wrong-key-123' },
    });
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('wrong-key-123');
    expect(server.modelsRequests).toHaveLength(1);
    expect(server.completionRequests).toHaveLength(1);
    expect(
      (await fetch(`${server.baseUrl}/other`, { headers: { authorization: 'Bearer sk-test' } })).status,
    ).toBe(404);
  });
});
