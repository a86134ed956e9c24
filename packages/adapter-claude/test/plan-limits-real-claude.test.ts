import { AnthropicTestServer, claudeEnvironment, reply, type ScriptedReply } from '@llm-service/testkit';
import { removeTemporaryDirectories, startedServers, temporaryDirectory } from '@llm-service/testkit/testing';
import type { AdapterEvent } from '@llm-service/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { createClaudeAdapter } from '../src/index.js';
import { invocationRequest, toolConfig, type ClaudeRequest } from './support/helpers.js';
import { claudeBinary, skipReason } from './support/real-claude.js';

const adapter = createClaudeAdapter();
const servers = startedServers((replies: ScriptedReply[]) => AnthropicTestServer.start({ replies }));
afterEach(async () => {
  await servers.closeAll();
  removeTemporaryDirectories();
});

/** A request that runs the real claude as a subscriber (CLAUDE_CODE_OAUTH_TOKEN) against `target`. */
function subscriberRequest(
  target: AnthropicTestServer,
  login: 'subscription' | 'api-key' = 'subscription',
): ClaudeRequest {
  const { env } = claudeEnvironment({ baseUrl: target.url, login });
  env.CLAUDE_CODE_MAX_RETRIES = '2';
  return invocationRequest(toolConfig({ binary: claudeBinary }), 'Say hello.\n', {
    env,
    configDir: temporaryDirectory('adapter-claude-config-'),
  });
}

/** Every event of one invocation, in order, and the error it failed with. */
function events(request: ClaudeRequest): Promise<{ events: AdapterEvent[]; error: unknown }> {
  const seen: AdapterEvent[] = [];
  return new Promise((resolve) => {
    adapter.invoke(request, new AbortController().signal).subscribe({
      next: (event) => seen.push(event),
      complete: () => resolve({ events: seen, error: undefined }),
      error: (error: unknown) => resolve({ events: seen, error }),
    });
  });
}

const hour = 3_600_000;
/** A reset time in whole seconds, as the headers carry it. */
const resetIn = (ms: number) => new Date(Math.floor((Date.now() + ms) / 1000) * 1000);

describe.skipIf(skipReason !== undefined)(
  'plan windows reported by the real claude on a subscription login',
  () => {
    it('reports each window with its utilization and reset time before the result', async () => {
      const fiveHour = resetIn(2 * hour);
      const sevenDay = resetIn(72 * hour);
      const target = await servers.start([
        reply.text('Within the plan.', {
          rateLimits: {
            status: 'allowed_warning',
            representativeClaim: 'five_hour',
            resetsAt: fiveHour,
            fiveHour: {
              utilization: 0.95,
              resetsAt: fiveHour,
              status: 'allowed_warning',
              surpassedThreshold: 0.9,
            },
            sevenDay: { utilization: 0.25, resetsAt: sevenDay, status: 'allowed' },
          },
        }),
      ]);
      const outcome = await events(subscriberRequest(target));
      expect(outcome.error).toBeUndefined();
      const types = outcome.events.map((event) => event.type);
      expect(types.at(-1)).toBe('result');
      expect(outcome.events.filter((event) => event.type === 'limits')).toEqual([
        {
          type: 'limits',
          windows: [
            { window: 'five_hour', status: 'warning', utilization: 0.95, resetsAt: fiveHour.toISOString() },
            { window: 'seven_day', status: 'allowed', utilization: 0.25, resetsAt: sevenDay.toISOString() },
          ],
        },
      ]);
      expect(target.messageRequests[0]!.headers.authorization).toMatch(/^Bearer /);
    });

    it('reports the rejected window, then fails with plan-limit and its reset time, without retrying', async () => {
      const sevenDay = resetIn(72 * hour);
      const target = await servers.start([
        reply.planLimitRejected({ window: 'seven_day', resetsAt: sevenDay }),
      ]);
      const outcome = await events(subscriberRequest(target));
      expect(outcome.events).toEqual([
        {
          type: 'limits',
          windows: [
            { window: 'seven_day', status: 'rejected', utilization: 1, resetsAt: sevenDay.toISOString() },
          ],
        },
      ]);
      expect(outcome.error).toMatchObject({
        kind: 'plan-limit',
        resetsAt: sevenDay.toISOString(),
        fallback: true,
      });
      expect(target.messageRequests).toHaveLength(1);
    });

    it('reports nothing on an API-key login, where claude ignores the headers', async () => {
      const fiveHour = resetIn(2 * hour);
      const target = await servers.start([
        reply.text('Metered.', {
          rateLimits: {
            status: 'allowed',
            fiveHour: { utilization: 0.5, resetsAt: fiveHour, status: 'allowed' },
          },
        }),
      ]);
      const outcome = await events(subscriberRequest(target, 'api-key'));
      expect(outcome.error).toBeUndefined();
      expect(outcome.events.map((event) => event.type)).not.toContain('limits');
      expect(outcome.events.at(-1)?.type).toBe('result');
    });
  },
);
