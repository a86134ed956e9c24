import { chatReply } from '@llm-service/testkit';
import type { AdapterEvent } from '@llm-service/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { createOpenAIAdapter } from '../src/index.js';
import { cleanUp, invocationRequest, startServer, toolConfig } from './support/helpers.js';

afterEach(cleanUp);

const adapter = createOpenAIAdapter();

/** Every event of one invocation against `baseUrl`, in order, and the error it failed with. */
function events(baseUrl: string): Promise<{ events: AdapterEvent[]; error: unknown }> {
  const seen: AdapterEvent[] = [];
  return new Promise((resolve) => {
    adapter
      .invoke(invocationRequest(toolConfig({ base_url: baseUrl }), 'hi'), new AbortController().signal)
      .subscribe({
        next: (event) => seen.push(event),
        complete: () => resolve({ events: seen, error: undefined }),
        error: (error: unknown) => resolve({ events: seen, error }),
      });
  });
}

describe('limits the OpenAI-compatible adapter reports', () => {
  it('an account out of credit: the quota rejected, with no reset, before the plan-limit failure', async () => {
    const server = await startServer({ replies: [chatReply.quotaExceeded()] });
    const outcome = await events(server.baseUrl);
    expect(outcome.events).toEqual([{ type: 'limits', windows: [{ window: 'quota', status: 'rejected' }] }]);
    expect(outcome.error).toMatchObject({ kind: 'plan-limit', resetsAt: undefined });
  });

  it('a 429 with Retry-After: the limit OpenAI names (requests) rejected until then, before the rate-limit failure', async () => {
    const server = await startServer({ replies: [chatReply.rateLimited(30)] });
    const before = Date.now();
    const outcome = await events(server.baseUrl);
    expect(outcome.error).toMatchObject({ kind: 'rate-limit' });
    const resetsAt = (outcome.error as { resetsAt: string }).resetsAt;
    expect(Date.parse(resetsAt)).toBeGreaterThanOrEqual(before + 30_000);
    expect(outcome.events).toEqual([
      { type: 'limits', windows: [{ window: 'requests', status: 'rejected', resetsAt }] },
    ]);
  });

  it('names a 429 rate_limit when the server names no limit, and gives no reset it was not told', async () => {
    const server = await startServer({ replies: [chatReply.error(429, { message: 'Too many requests' })] });
    const outcome = await events(server.baseUrl);
    expect(outcome.events).toEqual([
      { type: 'limits', windows: [{ window: 'rate_limit', status: 'rejected' }] },
    ]);
  });

  it('reports nothing for an answer or a failure that says nothing of a limit', async () => {
    const server = await startServer({ replies: [chatReply.text('ok'), chatReply.error(500)] });
    expect((await events(server.baseUrl)).events.map((event) => event.type)).toEqual(['output', 'result']);
    const failed = await events(server.baseUrl);
    expect(failed.events).toEqual([]);
    expect(failed.error).toMatchObject({ kind: 'overloaded' });
  });
});
