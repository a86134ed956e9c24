import { chatReply } from '@llm-service/testkit';
import { collectInvocation } from '@llm-service/testkit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createOpenAIAdapter } from '../src/index.js';
import { cleanUp, invocationRequest, keyVariable, startServer, toolConfig } from './support/helpers.js';

afterEach(cleanUp);

const adapter = createOpenAIAdapter();

describe('the openai adapter on its own', () => {
  it('emits each delta as an output event, then one result with the server’s model', async () => {
    const server = await startServer({
      replies: [
        chatReply.chunks(['a', 'b', 'c'], {
          model: 'served-model',
          usage: { prompt_tokens: 3, completion_tokens: 3 },
        }),
      ],
    });
    const outcome = await collectInvocation(
      adapter,
      invocationRequest(toolConfig({ base_url: server.baseUrl, api_key_env: keyVariable }), 'hi'),
    );
    expect(outcome.error).toBeUndefined();
    expect(outcome.outputs).toEqual(['a', 'b', 'c']);
    expect(outcome.result).toMatchObject({ text: 'abc', model: 'served-model', exitCode: 0 });
    expect(outcome.result?.usageReported).toBeUndefined();
  });

  it('stops reading at an event that is not a chunk: bad-output, and the connection is let go', async () => {
    const server = await startServer({
      replies: [
        chatReply.raw(
          200,
          'data: {"choices":[{"delta":{"content":"ok"}}]}\n\ndata: <html>oops</html>\n\n',
          'text/event-stream',
        ),
      ],
    });
    const outcome = await collectInvocation(
      adapter,
      invocationRequest(toolConfig({ base_url: server.baseUrl }), 'hi'),
    );
    expect(outcome.outputs).toEqual(['ok']);
    expect(outcome.error).toMatchObject({ kind: 'bad-output', detail: '<html>oops</html>' });
    expect(outcome.error?.message).toContain('sent an event that is not a Chat Completions chunk');
  });

  it('passes max_completion_tokens, seed and top_p as given', async () => {
    const server = await startServer();
    await collectInvocation(
      adapter,
      invocationRequest(toolConfig({ base_url: server.baseUrl }), 'hi', {
        adapterOptions: { max_completion_tokens: 64, seed: 3, top_p: 0.5 },
      }),
    );
    expect(server.completionRequests[0]!.body).toMatchObject({
      max_completion_tokens: 64,
      seed: 3,
      top_p: 0.5,
    });
    expect(server.completionRequests[0]!.body).not.toHaveProperty('max_tokens');
  });

  it('refuses a prompt that is not UTF-8 before sending it, letting the chain go on', async () => {
    const server = await startServer();
    const request = invocationRequest(toolConfig({ base_url: server.baseUrl }), 'hi');
    const outcome = await collectInvocation(adapter, {
      ...request,
      prompt: Uint8Array.from([0x68, 0x0a, 0xff, 0xfe]),
    });
    expect(outcome.error).toMatchObject({ kind: 'tool-error', fallback: true });
    expect(outcome.error?.message).toContain('not UTF-8 text (line 2)');
    expect(server.completionRequests).toHaveLength(0);
  });

  it('is auth, naming only the variable, when an env_required variable is missing', async () => {
    const server = await startServer();
    const outcome = await collectInvocation(
      adapter,
      invocationRequest(toolConfig({ base_url: server.baseUrl, env_required: ['TEAM_PROXY_TOKEN'] }), 'hi', {
        env: {},
      }),
    );
    expect(outcome.error).toMatchObject({ kind: 'auth', message: 'TEAM_PROXY_TOKEN is not set' });
  });

  it('is cancelled, sending nothing, when the signal is already aborted', async () => {
    const server = await startServer();
    const controller = new AbortController();
    controller.abort();
    const outcome = await collectInvocation(
      adapter,
      invocationRequest(toolConfig({ base_url: server.baseUrl }), 'hi'),
      { signal: controller.signal },
    );
    expect(outcome.error).toMatchObject({ kind: 'cancelled' });
    expect(server.completionRequests).toHaveLength(0);
  });

  it('aborts the fetch when the subscriber unsubscribes', async () => {
    const server = await startServer({ fallback: chatReply.stall({ afterHeaders: true }) });
    const subscription = adapter
      .invoke(invocationRequest(toolConfig({ base_url: server.baseUrl }), 'hi'), new AbortController().signal)
      .subscribe({ error: () => undefined });
    await server.waitForCompletionRequests(1);
    subscription.unsubscribe();
    await server.waitForDisconnect(0, 2_000);
  });
});
