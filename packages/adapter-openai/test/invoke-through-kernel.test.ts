import { chatReply, type ChatScriptedReply } from '@llm-service/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanUp,
  configDir,
  deadBaseUrl,
  failures,
  kernelFor,
  keyVariable,
  price,
  startServer,
  testKey,
} from './support/helpers.js';

afterEach(cleanUp);

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error & Record<string, unknown>,
  );

describe('the openai adapter in core’s kernel, against the Chat Completions test server', () => {
  it('streams the answer to the caller before the server has finished it', async () => {
    const server = await startServer({
      replies: [chatReply.chunks(['first chunk ', 'second chunk'], { holdAfterChunk: 1 })],
    });
    const { kernel } = kernelFor(configDir({ local: { base_url: server.baseUrl } }));
    const seen: { text: string; serverFinished: number }[] = [];
    const result = await kernel.exec(
      { agent: 'tester', prompt: 'hi' },
      {
        onText: (text) => {
          seen.push({ text, serverFinished: server.finishedAnswers });
          server.release();
        },
      },
    );
    expect(seen[0]).toEqual({ text: 'first chunk ', serverFinished: 0 });
    expect(seen.map((each) => each.text)).toEqual(['first chunk ', 'second chunk']);
    expect(result.text).toBe('first chunk second chunk');
  });

  it('reports the server’s usage exactly, cached tokens as cache reads only, and the kernel prices it', async () => {
    const server = await startServer({
      replies: [
        chatReply.chunks(['The answer ', 'is 42.'], {
          usage: { prompt_tokens: 1200, completion_tokens: 340, cached_tokens: 1000 },
          model: 'qwen2.5:7b-instruct-q4',
        }),
      ],
    });
    const dir = configDir(
      { local: { base_url: server.baseUrl, headers: { 'x-team': 'platform' } } },
      {
        adapter_options: {
          openai: { system_prompt: 'Answer briefly.', temperature: 0.2, max_tokens: 512, stop: ['END'] },
        },
      },
    );
    const prompt = 'What is the answer? ✓ «bytes as given»\n';
    const result = await kernelFor(dir).kernel.exec({ agent: 'tester', prompt });
    expect(result).toMatchObject({
      text: 'The answer is 42.',
      tool: 'local',
      model: 'qwen2.5:7b',
      usage: { inputTokens: 200, outputTokens: 340, cacheReadTokens: 1000, cacheWriteTokens: 0 },
      costSource: 'computed',
    });
    // models.yaml's prices: 200 uncached input, 1000 cache reads, 340 output; never the 1200 prompt tokens at once.
    const expected =
      (200 * price.input_per_mtok + 1000 * price.cache_read_per_mtok + 340 * price.output_per_mtok) /
      1_000_000;
    expect(result.costUsd).toBeCloseTo(expected, 15);

    const [sent] = server.completionRequests;
    expect(sent!.headers.authorization).toBe(`Bearer ${testKey}`);
    expect(sent!.headers['x-team']).toBe('platform');
    expect(sent!.headers['content-type']).toBe('application/json');
    expect(sent!.body).toEqual({
      model: 'qwen2.5:7b',
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: prompt },
      ],
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      max_tokens: 512,
      stop: ['END'],
    });
  });

  it('says a server that sent no usage reported none, so the kernel does not price it as free', async () => {
    const server = await startServer({ replies: [chatReply.withoutUsage(['no usage here'])] });
    const { kernel, events } = kernelFor(configDir({ local: { base_url: server.baseUrl } }));
    const result = await kernel.exec({ agent: 'tester', prompt: 'hi' });
    expect(result.text).toBe('no usage here');
    // With no estimator loaded the kernel records the cost as unknown, never as a reported $0.
    expect(result.costSource).toBe('unknown');
    expect(events.find((event) => event.type === 'invocation.succeeded')).toMatchObject({
      costSource: 'unknown',
    });
  });

  it('reads a server that answers stream: true with one JSON completion', async () => {
    const server = await startServer({
      replies: [chatReply.text('whole', { json: true, usage: { prompt_tokens: 10, completion_tokens: 2 } })],
    });
    const streamed: string[] = [];
    const result = await kernelFor(configDir({ local: { base_url: server.baseUrl } })).kernel.exec(
      { agent: 'tester', prompt: 'hi' },
      { onText: (text) => streamed.push(text) },
    );
    expect(streamed).toEqual(['whole']);
    expect(result.usage).toEqual({
      inputTokens: 10,
      outputTokens: 2,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  it('accepts a stream cut after its finish_reason, without [DONE]', async () => {
    const server = await startServer({ replies: [chatReply.truncated(['complete'], 'after-finish')] });
    const result = await kernelFor(configDir({ local: { base_url: server.baseUrl } })).kernel.exec({
      agent: 'tester',
      prompt: 'hi',
    });
    expect(result).toMatchObject({ text: 'complete', usage: { inputTokens: 100, outputTokens: 20 } });
  });

  const failing: [name: string, reply: ChatScriptedReply, kind: string, hint: RegExp][] = [
    [
      '401',
      chatReply.error(401, { code: 'invalid_api_key' }),
      'auth',
      new RegExp(`refused the key in ${keyVariable}`),
    ],
    ['403', chatReply.error(403), 'auth', new RegExp(keyVariable)],
    [
      '402',
      chatReply.error(402, { message: 'Insufficient credits' }),
      'plan-limit',
      /no quota or credit left/,
    ],
    [
      'a quota error (429 insufficient_quota)',
      chatReply.quotaExceeded(),
      'plan-limit',
      /no quota or credit left/,
    ],
    ['429', chatReply.rateLimited(), 'rate-limit', /fallback_chain/],
    ['500', chatReply.error(500), 'overloaded', /failed or is busy/],
    ['503', chatReply.error(503), 'overloaded', /failed or is busy/],
    ['a proxy’s 502 page', chatReply.raw(502, '<html>Bad gateway</html>'), 'overloaded', /failed or is busy/],
    [
      'OpenAI’s context_length_exceeded',
      chatReply.contextLengthExceeded('openai'),
      'context-too-long',
      /context window/,
    ],
    ['vLLM’s context message', chatReply.contextLengthExceeded('vllm'), 'context-too-long', /context window/],
    [
      'vLLM’s engine message',
      chatReply.contextLengthExceeded('vllm-engine'),
      'context-too-long',
      /--max-model-len/,
    ],
    [
      'llama.cpp’s context message',
      chatReply.contextLengthExceeded('llama.cpp'),
      'context-too-long',
      /num_ctx/,
    ],
    [
      'a 404 (model not pulled)',
      chatReply.error(404, { code: 'model_not_found' }),
      'tool-error',
      /ollama pull qwen2\.5:7b/,
    ],
    ['an HTML page with 200', chatReply.raw(200, '<html>login</html>'), 'bad-output', /API root/],
    ['a stream without a finish_reason or [DONE]', chatReply.truncated([]), 'bad-output', /API root/],
    [
      'an error event in the stream',
      chatReply.chunks([], { streamError: { message: 'engine died' } }),
      'overloaded',
      /failed or is busy/,
    ],
  ];

  it.each(failing)(
    'classifies %s as %s, with a hint that fits, and falls back',
    async (_name, reply, kind, hint) => {
      const primary = await startServer({ fallback: reply });
      const secondary = await startServer({ fallback: chatReply.text('from the second tool') });
      const dir = configDir({
        local: { base_url: primary.baseUrl, retry: { max: 0 } },
        backup: { base_url: secondary.baseUrl },
      });
      const { kernel, events } = kernelFor(dir);
      const result = await kernel.exec({ agent: 'tester', prompt: 'hi' }, { onText: () => undefined });
      expect(failures(events)).toEqual([expect.objectContaining({ kind, tool: 'local' })]);
      expect(result).toMatchObject({ text: 'from the second tool', tool: 'backup' });
      expect(result.attempts.map((attempt) => [attempt.tool, attempt.status, attempt.errorKind])).toEqual([
        ['local', 'failed', kind],
        ['backup', 'success', undefined],
      ]);
      expect(primary.completionRequests).toHaveLength(1);
      // The hint reaches the caller when the whole request fails on this error.
      const alone = await startServer({ fallback: reply });
      const error = await rejection(
        kernelFor(configDir({ local: { base_url: alone.baseUrl, retry: { max: 0 } } })).kernel.exec({
          agent: 'tester',
          prompt: 'hi',
        }),
      );
      expect(error).toMatchObject({ code: 'E_NO_AVAILABLE_TOOL' });
      expect(error?.hint).toMatch(hint);
    },
  );

  it('fails a stream that broke off after its first words as bad-output, ending the request', async () => {
    const server = await startServer({ replies: [chatReply.truncated(['half an ans'])] });
    const { kernel, events } = kernelFor(configDir({ local: { base_url: server.baseUrl } }));
    const streamed: string[] = [];
    const error = await rejection(
      kernel.exec({ agent: 'tester', prompt: 'hi' }, { onText: (text) => streamed.push(text) }),
    );
    expect(streamed).toEqual(['half an ans']);
    expect(error).toMatchObject({ code: 'E_REQUEST_FAILED' });
    expect(failures(events)).toEqual([expect.objectContaining({ kind: 'bad-output' })]);
    expect(failures(events)[0]!.message).toContain('broke off');
  });

  it('says connection refused is tool-error naming base_url, and falls back', async () => {
    const dead = await deadBaseUrl();
    const secondary = await startServer();
    const { kernel, events } = kernelFor(
      configDir({ local: { base_url: dead }, backup: { base_url: secondary.baseUrl } }),
    );
    const result = await kernel.exec({ agent: 'tester', prompt: 'hi' });
    expect(result.tool).toBe('backup');
    const [failure] = failures(events);
    expect(failure).toMatchObject({ kind: 'tool-error' });
    expect(failure!.message).toContain(`nothing answered at ${dead} (ECONNREFUSED)`);
    const error = await rejection(
      kernelFor(configDir({ local: { base_url: dead } })).kernel.exec({ agent: 'tester', prompt: 'hi' }),
    );
    expect(error?.hint).toContain(`nothing answered at ${dead}: start the server`);
  });

  it('keeps the key out of every message, detail and event, even when the server repeats it', async () => {
    const wrongKey = 'k3y-n0t-sh4ped-like-any-known-t0ken';
    const server = await startServer({ requireKey: 'the-right-key' });
    const { kernel, events } = kernelFor(configDir({ local: { base_url: server.baseUrl } }), {
      [keyVariable]: wrongKey,
    });
    const error = await rejection(kernel.exec({ agent: 'tester', prompt: 'hi' }));
    expect(server.completionRequests[0]!.headers.authorization).toBe(`Bearer ${wrongKey}`);
    expect(failures(events)).toEqual([expect.objectContaining({ kind: 'auth' })]);
    expect(failures(events)[0]!.message).toContain('Incorrect API key provided: [REDACTED]');
    const everything = JSON.stringify({
      events,
      error,
      message: error?.message,
      hint: error?.hint,
      cause: error?.cause,
    });
    expect(everything).not.toContain(wrongKey);
    const cause = error?.cause as { detail?: string; message?: string } | undefined;
    expect(`${cause?.message ?? ''}${cause?.detail ?? ''}`).not.toContain(wrongKey);
  });

  it('fails as auth before sending anything when the key’s variable is not set', async () => {
    const server = await startServer();
    const { kernel, events } = kernelFor(configDir({ local: { base_url: server.baseUrl } }), {});
    const error = await rejection(kernel.exec({ agent: 'tester', prompt: 'hi' }));
    expect(failures(events)).toEqual([
      expect.objectContaining({ kind: 'auth', message: `${keyVariable} is not set` }),
    ]);
    expect(error?.hint).toContain(`set ${keyVariable} to the API key for ${server.baseUrl}`);
    expect(server.completionRequests).toHaveLength(0);
  });

  it('runs a local server without a key when api_key_env is not configured', async () => {
    const server = await startServer();
    const { kernel } = kernelFor(
      configDir({ local: { base_url: server.baseUrl, api_key_env: undefined } }),
      {},
    );
    await kernel.exec({ agent: 'tester', prompt: 'hi' });
    expect(server.completionRequests[0]!.headers.authorization).toBeUndefined();
  });

  it('times out on a stalled server and closes the connection', async () => {
    const server = await startServer({ fallback: chatReply.stall({ afterHeaders: true }) });
    const { kernel, events } = kernelFor(configDir({ local: { base_url: server.baseUrl, timeout_s: 1 } }));
    const started = Date.now();
    const error = await rejection(kernel.exec({ agent: 'tester', prompt: 'hi' }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(error).toMatchObject({ code: 'E_NO_AVAILABLE_TOOL' });
    expect(error?.hint).toContain('raise tools.local.timeout_s');
    expect(failures(events)).toEqual([
      expect.objectContaining({ kind: 'timeout', message: "'local' timed out after 1 s" }),
    ]);
    await server.waitForDisconnect(0, 2_000);
  });

  it('times out on a stream that stops mid-answer, ending the request with what was said', async () => {
    const server = await startServer({
      fallback: chatReply.chunks(['begun ', 'never sent'], { holdAfterChunk: 1 }),
    });
    const { kernel, events } = kernelFor(configDir({ local: { base_url: server.baseUrl, timeout_s: 0.5 } }));
    const streamed: string[] = [];
    const error = await rejection(
      kernel.exec({ agent: 'tester', prompt: 'hi' }, { onText: (text) => streamed.push(text) }),
    );
    expect(streamed).toEqual(['begun ']);
    expect(error).toMatchObject({ code: 'E_REQUEST_FAILED' });
    expect(failures(events)).toEqual([
      expect.objectContaining({ kind: 'timeout', message: "'local' timed out after 0.5 s while answering" }),
    ]);
    await server.waitForDisconnect(0, 2_000);
  });

  it('times out on a server that never answers at all', async () => {
    const server = await startServer({ fallback: chatReply.stall() });
    const { kernel, events } = kernelFor(configDir({ local: { base_url: server.baseUrl, timeout_s: 0.5 } }));
    await rejection(kernel.exec({ agent: 'tester', prompt: 'hi' }));
    expect(failures(events)).toEqual([expect.objectContaining({ kind: 'timeout' })]);
    await server.waitForDisconnect(0, 2_000);
  });

  it('aborts the request when the caller cancels: the server sees the connection close', async () => {
    const server = await startServer({ fallback: chatReply.chunks(['partial '], { holdAfterChunk: 1 }) });
    const { kernel } = kernelFor(configDir({ local: { base_url: server.baseUrl } }));
    const controller = new AbortController();
    const pending = rejection(
      kernel.exec(
        { agent: 'tester', prompt: 'hi' },
        { signal: controller.signal, onText: () => controller.abort() },
      ),
    );
    const error = await pending;
    expect(error).toMatchObject({ code: 'E_CANCELLED' });
    await server.waitForDisconnect(0, 2_000);
    expect(server.completionRequests[0]).toMatchObject({ finished: false, disconnected: true });
    expect(server.completionRequests).toHaveLength(1);
  });

  it('retries a 429 after the Retry-After the server gave, through the kernel, then answers', async () => {
    const server = await startServer({
      replies: [chatReply.rateLimited(2), chatReply.text('after the wait')],
    });
    // base_ms 0: any wait comes from Retry-After alone.
    const { kernel, events } = kernelFor(
      configDir({ local: { base_url: server.baseUrl, retry: { max: 1, base_ms: 0 } } }),
    );
    const result = await kernel.exec({ agent: 'tester', prompt: 'hi' });
    expect(result.text).toBe('after the wait');
    const [first, second] = server.completionRequests;
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(1_900);
    expect(failures(events)).toEqual([expect.objectContaining({ kind: 'rate-limit' })]);
    expect(result.attempts.map((attempt) => attempt.reason)).toEqual(['preferred', 'retry']);
  });

  it('retries after a Retry-After given as an HTTP date too', async () => {
    // HTTP dates have whole seconds: two seconds ahead is one to two seconds away.
    const resetAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2_000);
    const server = await startServer({ replies: [chatReply.rateLimited(resetAt), chatReply.text('ok')] });
    const { kernel } = kernelFor(
      configDir({ local: { base_url: server.baseUrl, retry: { max: 1, base_ms: 0 } } }),
    );
    await kernel.exec({ agent: 'tester', prompt: 'hi' });
    expect(server.completionRequests[1]!.receivedAt).toBeGreaterThanOrEqual(resetAt.getTime() - 5);
  });

  it('does not wait for a Retry-After too far off: it falls back at once', async () => {
    const primary = await startServer({ fallback: chatReply.rateLimited(3600) });
    const secondary = await startServer();
    const { kernel } = kernelFor(
      configDir({ local: { base_url: primary.baseUrl }, backup: { base_url: secondary.baseUrl } }),
    );
    const started = Date.now();
    const result = await kernel.exec({ agent: 'tester', prompt: 'hi' });
    expect(result.tool).toBe('backup');
    expect(primary.completionRequests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
