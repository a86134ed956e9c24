import {
  geminiEnvironment,
  geminiReply,
  GeminiTestServer,
  type GeminiScriptedReply,
} from '@llm-service/testkit';
import { removeTemporaryDirectories, startedServers, temporaryDirectory } from '@llm-service/testkit/testing';
import type { AdapterEvent } from '@llm-service/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { createGeminiAdapter } from '../src/index.js';
import { invocationRequest, toolConfig, type GeminiRequest } from './support/helpers.js';
import { geminiBinary, skipReason } from './support/real-gemini.js';

const adapter = createGeminiAdapter();
const servers = startedServers((replies: GeminiScriptedReply[]) => GeminiTestServer.start({ replies }));
afterEach(async () => {
  await servers.closeAll();
  removeTemporaryDirectories();
});

function request(target: GeminiTestServer): GeminiRequest {
  const { env } = geminiEnvironment({
    home: temporaryDirectory('adapter-gemini-home-'),
    baseUrl: target.url,
  });
  return invocationRequest(toolConfig({ binary: geminiBinary }), 'hi', {
    env,
    configDir: temporaryDirectory('adapter-gemini-config-'),
  });
}

/** Every event of one invocation, in order, and the error it failed with. */
function events(invocation: GeminiRequest): Promise<{ events: AdapterEvent[]; error: unknown }> {
  const seen: AdapterEvent[] = [];
  return new Promise((resolve) => {
    adapter.invoke(invocation, new AbortController().signal).subscribe({
      next: (event) => seen.push(event),
      complete: () => resolve({ events: seen, error: undefined }),
      error: (error: unknown) => resolve({ events: seen, error }),
    });
  });
}

describe.skipIf(skipReason !== undefined)('quota limits of the real gemini', () => {
  it('reports the quota rejected, then fails with plan-limit', async () => {
    const target = await servers.start([geminiReply.dailyQuotaExhausted()]);
    const outcome = await events(request(target));
    expect(outcome.events).toEqual([{ type: 'limits', windows: [{ window: 'quota', status: 'rejected' }] }]);
    expect(outcome.error).toMatchObject({ kind: 'plan-limit', resetsAt: undefined });
  });

  it('reports nothing for an answer', async () => {
    const target = await servers.start([geminiReply.text('Hello.')]);
    const outcome = await events(request(target));
    expect(outcome.error).toBeUndefined();
    expect(outcome.events.map((event) => event.type)).not.toContain('limits');
  });
});
