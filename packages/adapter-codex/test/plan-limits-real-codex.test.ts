import {
  codexEnvironment,
  responsesReply,
  ResponsesTestServer,
  type ResponsesScriptedReply,
} from '@llm-service/testkit';
import { removeTemporaryDirectories, startedServers, temporaryDirectory } from '@llm-service/testkit/testing';
import type { AdapterEvent } from '@llm-service/spec';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createCodexAdapter } from '../src/index.js';
import { invocationRequest, toolConfig, type CodexRequest } from './support/helpers.js';
import { codexBinary, skipReason } from './support/real-codex.js';

const adapter = createCodexAdapter();
const servers = startedServers((replies: ResponsesScriptedReply[]) => ResponsesTestServer.start({ replies }));
afterEach(servers.closeAll);
afterAll(removeTemporaryDirectories);

function request(target: ResponsesTestServer): CodexRequest {
  const { env } = codexEnvironment({
    baseUrl: target.baseUrl,
    home: temporaryDirectory('adapter-codex-home-'),
  });
  return invocationRequest(toolConfig({ binary: codexBinary }), 'Say hello.\n', {
    env,
    configDir: temporaryDirectory('adapter-codex-config-'),
  });
}

/** Every event of one invocation, in order, and the error it failed with. */
function events(invocation: CodexRequest): Promise<{ events: AdapterEvent[]; error: unknown }> {
  const seen: AdapterEvent[] = [];
  return new Promise((resolve) => {
    adapter.invoke(invocation, new AbortController().signal).subscribe({
      next: (event) => seen.push(event),
      complete: () => resolve({ events: seen, error: undefined }),
      error: (error: unknown) => resolve({ events: seen, error }),
    });
  });
}

const hour = 3_600_000;

describe.skipIf(skipReason !== undefined)('plan limits of the real codex', () => {
  it('reports the usage limit rejected with the reset codex printed, then fails with plan-limit', async () => {
    const resetsAt = new Date(Date.now() + 3 * hour);
    const target = await servers.start([responsesReply.usageLimitReached({ resetsAt, planType: 'pro' })]);
    const outcome = await events(request(target));
    expect(outcome.events).toHaveLength(1);
    const [limits] = outcome.events;
    expect(limits).toMatchObject({
      type: 'limits',
      windows: [{ window: 'usage_limit', status: 'rejected' }],
    });
    const reported = (limits as Extract<AdapterEvent, { type: 'limits' }>).windows[0]!.resetsAt!;
    // codex prints the minute; the reading says the end of it.
    expect(Date.parse(reported)).toBeGreaterThan(resetsAt.getTime());
    expect(Date.parse(reported)).toBeLessThanOrEqual(resetsAt.getTime() + 60_000);
    expect(outcome.error).toMatchObject({ kind: 'plan-limit', resetsAt: reported, fallback: true });
    expect(target.responseRequests).toHaveLength(1);
  });

  it('reports nothing for the rate-limit headers of an answer, which codex does not print', async () => {
    const target = await servers.start([
      responsesReply.text('Within the plan.', {
        rateLimits: {
          primary: { usedPercent: 95, windowMinutes: 300, resetsAt: new Date(Date.now() + hour) },
        },
        rateLimitsInStream: true,
      }),
    ]);
    const outcome = await events(request(target));
    expect(outcome.error).toBeUndefined();
    expect(outcome.events.map((event) => event.type)).toEqual(['output', 'result']);
  });
});
