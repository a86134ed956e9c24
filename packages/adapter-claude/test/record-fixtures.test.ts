/**
 * Records the fixtures the stream-parser and classification tests read: the real `claude`'s stdout, exit status and
 * stderr for each scenario, against the Anthropic test server. Opt-in, since the fixtures are checked in:
 *
 *   LLM_SERVICE_RECORD_CLAUDE_FIXTURES=1 pnpm vitest run packages/adapter-claude/test/record-fixtures.test.ts
 */
import { runTool } from '@llm-service/plugin-kit';
import {
  AnthropicTestServer,
  claudeEnvironment,
  findClaudeBinary,
  reply,
  type ScriptedReply,
} from '@llm-service/testkit';
import { removeTemporaryDirectories, temporaryDirectory, writeRecording } from '@llm-service/testkit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { buildArgs } from '../src/argv/build-args.js';
import { fixturesDir, type FixtureMeta } from './support/fixtures.js';

interface Scenario {
  name: string;
  description: string;
  replies: ScriptedReply[];
  apiKey?: string | null;
  /** A base URL where nothing listens, instead of the server's. */
  refused?: boolean;
  maxBudgetUsd?: number;
  retries?: number;
  /** Run as a subscriber (CLAUDE_CODE_OAUTH_TOKEN), the login on which claude prints `rate_limit_event` lines. */
  login?: 'subscription';
}

const hour = 60 * 60_000;
// Fixed when the module loads, so every scenario's reset times agree with each other.
const fiveHourReset = new Date(Date.now() + 2 * hour);
const sevenDayReset = new Date(Date.now() + 3 * 24 * hour);

const scenarios: Scenario[] = [
  {
    name: 'success',
    description: 'one streamed answer in four chunks, with cache reads and writes',
    replies: [
      reply.chunks(['Hello ', 'from the ', 'test server.', '\nSecond line é 日本.'], {
        usage: {
          input_tokens: 120,
          output_tokens: 17,
          cache_read_input_tokens: 40,
          cache_creation_input_tokens: 30,
        },
      }),
    ],
  },
  {
    name: 'tool-use',
    description: 'two turns: text and a Bash call (denied without allowed_tools), then the final text',
    replies: [
      reply.text('Let me look.', {
        usage: { input_tokens: 50, output_tokens: 8 },
        toolUse: {
          id: 'toolu_test_1',
          name: 'Bash',
          input: { command: 'touch made-by-claude', description: 'touch' },
        },
      }),
      reply.text('The command was not allowed.', { usage: { input_tokens: 70, output_tokens: 6 } }),
    ],
  },
  {
    name: 'not-logged-in',
    description: 'no ANTHROPIC_API_KEY and no login: claude sends no request at all',
    replies: [],
    apiKey: null,
  },
  {
    name: 'auth-401',
    description: 'the server refuses the key (401) on every try; CLAUDE_CODE_MAX_RETRIES=2',
    replies: [reply.error(401), reply.error(401), reply.error(401)],
  },
  {
    name: 'rate-limit-429',
    description: '429 on every try; CLAUDE_CODE_MAX_RETRIES=2',
    replies: [reply.error(429), reply.error(429), reply.error(429)],
  },
  {
    name: 'rate-limit-then-success',
    description: 'one 429, then an answer',
    replies: [reply.error(429), reply.text('Answered after a retry.')],
  },
  {
    name: 'overloaded-529',
    description: '529 on every try; CLAUDE_CODE_MAX_RETRIES=2',
    replies: [reply.error(529), reply.error(529), reply.error(529)],
  },
  {
    name: 'server-error-500',
    description: '500 on every try; CLAUDE_CODE_MAX_RETRIES=1',
    replies: [reply.error(500), reply.error(500)],
    retries: 1,
  },
  {
    name: 'connection-refused',
    description: 'nothing listens at ANTHROPIC_BASE_URL; CLAUDE_CODE_MAX_RETRIES=0',
    replies: [],
    refused: true,
    retries: 0,
  },
  {
    name: 'budget-exceeded-mid-task',
    description: 'a first turn that asks for a tool and costs more than --max-budget-usd 0.0001',
    replies: [
      reply.text('Let me look.', {
        usage: { input_tokens: 1000, output_tokens: 100 },
        toolUse: { id: 'toolu_test_1', name: 'Read', input: { file_path: '/etc/hostname' } },
      }),
      reply.text('Never sent.'),
    ],
    maxBudgetUsd: 0.0001,
  },
  {
    name: 'budget-exceeded',
    description: 'a whole answer (end_turn) that costs more than --max-budget-usd 0.0001',
    replies: [reply.text('An answer over budget.', { usage: { input_tokens: 1000, output_tokens: 100 } })],
    maxBudgetUsd: 0.0001,
  },
  {
    name: 'plan-limits-allowed',
    description:
      'subscription login; the answer carries unified headers: five_hour 0.42 and seven_day 0.1 allowed',
    login: 'subscription',
    replies: [
      reply.text('Within the plan.', {
        rateLimits: {
          status: 'allowed',
          representativeClaim: 'five_hour',
          resetsAt: fiveHourReset,
          fiveHour: { utilization: 0.42, resetsAt: fiveHourReset, status: 'allowed' },
          sevenDay: { utilization: 0.1, resetsAt: sevenDayReset, status: 'allowed' },
        },
      }),
    ],
  },
  {
    name: 'plan-limits-warning',
    description:
      'subscription login; five_hour at 0.93 past the 0.9 threshold (allowed_warning), seven_day 0.5',
    login: 'subscription',
    replies: [
      reply.text('Close to the limit.', {
        rateLimits: {
          status: 'allowed_warning',
          representativeClaim: 'five_hour',
          resetsAt: fiveHourReset,
          fiveHour: {
            utilization: 0.93,
            resetsAt: fiveHourReset,
            status: 'allowed_warning',
            surpassedThreshold: 0.9,
          },
          sevenDay: { utilization: 0.5, resetsAt: sevenDayReset, status: 'allowed' },
        },
      }),
    ],
  },
  {
    name: 'plan-limit-rejected-five-hour',
    description:
      'subscription login; 429 with the unified status rejected on five_hour (claude does not retry)',
    login: 'subscription',
    replies: [reply.planLimitRejected({ window: 'five_hour', resetsAt: fiveHourReset })],
  },
  {
    name: 'plan-limit-rejected-seven-day',
    description: 'subscription login; 429 rejected on seven_day, five_hour at 0.3 still allowed',
    login: 'subscription',
    replies: [
      reply.planLimitRejected({
        window: 'seven_day',
        resetsAt: sevenDayReset,
        windows: {
          fiveHour: { utilization: 0.3, resetsAt: fiveHourReset, status: 'allowed' },
          sevenDay: { utilization: 1, resetsAt: sevenDayReset, status: 'rejected', surpassedThreshold: 1 },
        },
      }),
    ],
  },
  {
    name: 'plan-limit-rejected-opus',
    description: 'subscription login; 429 rejected on seven_day_opus, which has no per-window headers',
    login: 'subscription',
    replies: [reply.planLimitRejected({ window: 'seven_day_opus', resetsAt: sevenDayReset })],
  },
  {
    name: 'plan-limits-overage',
    description:
      'subscription login; five_hour rejected but overage allowed: the request is answered on credits',
    login: 'subscription',
    replies: [
      reply.text('Answered on overage.', {
        rateLimits: {
          status: 'rejected',
          representativeClaim: 'five_hour',
          resetsAt: fiveHourReset,
          fiveHour: { utilization: 1, resetsAt: fiveHourReset, status: 'rejected' },
          overage: { status: 'allowed', resetsAt: sevenDayReset, utilization: 0.2 },
        },
      }),
    ],
  },
  {
    name: 'rate-limit-429-subscription',
    description:
      'subscription login; a plain 429 without unified headers on every try; CLAUDE_CODE_MAX_RETRIES=2',
    login: 'subscription',
    replies: [reply.error(429), reply.error(429), reply.error(429)],
  },
];

afterAll(removeTemporaryDirectories);

describe.runIf(process.env.LLM_SERVICE_RECORD_CLAUDE_FIXTURES === '1')('recording claude fixtures', () => {
  it.each(scenarios)('records $name', async (scenario) => {
    const binary = findClaudeBinary();
    expect(binary, 'the real claude binary').toBeDefined();
    const server = await AnthropicTestServer.start({ replies: scenario.replies });
    try {
      const { env } = claudeEnvironment({
        baseUrl: scenario.refused ? 'http://127.0.0.1:9' : server.url,
        ...(scenario.apiKey === undefined ? {} : { apiKey: scenario.apiKey }),
        ...(scenario.login === undefined ? {} : { login: scenario.login }),
      });
      env.CLAUDE_CODE_MAX_RETRIES = String(scenario.retries ?? 2);
      const cwd = temporaryDirectory('claude-fixture-cwd-');
      const args = buildArgs({
        model: 'claude-sonnet-4-5',
        options: {},
        appendSystemPrompt: undefined,
        configDir: cwd,
        maxBudgetUsd: scenario.maxBudgetUsd,
      });
      const run = await runTool({
        file: binary!,
        args,
        cwd,
        env,
        input: new TextEncoder().encode('Say hello.\n'),
        timeoutMs: 60_000,
        signal: new AbortController().signal,
        collectStdout: true,
      });
      writeRecording<FixtureMeta>(fixturesDir, scenario.name, run, {
        description: scenario.description,
        args: args.slice(0),
        messageRequests: server.messageRequests.length,
      });
    } finally {
      await server.close();
    }
  });
});
