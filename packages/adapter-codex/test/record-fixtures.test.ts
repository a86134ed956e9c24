/**
 * Records the fixtures the event-parser and classification tests read: the real `codex`'s stdout, exit status and
 * stderr for each scenario, against the Responses test server. Opt-in, since the fixtures are checked in:
 *
 *   LLM_SERVICE_RECORD_CODEX_FIXTURES=1 pnpm vitest run packages/adapter-codex/test/record-fixtures.test.ts
 */
import { runTool } from '@llm-service/plugin-kit';
import {
  codexEnvironment,
  findCodexBinary,
  responsesReply,
  ResponsesTestServer,
  type ResponsesScriptedReply,
} from '@llm-service/testkit';
import { removeTemporaryDirectories, temporaryDirectory, writeRecording } from '@llm-service/testkit/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { codexTimeZone } from '../src/adapter/reset-time.js';
import { buildArgs } from '../src/argv/build-args.js';
import { fixturesDir, type FixtureMeta } from './support/fixtures.js';

interface Scenario {
  name: string;
  description: string;
  replies: () => ResponsesScriptedReply[];
  apiKey?: string | null;
  /** A base URL where nothing listens, instead of the server's. */
  refused?: boolean;
  streamMaxRetries?: number;
  timeoutMs?: number;
  /** What the server was told, kept in the meta file for the tests to check against. */
  server?: () => Record<string, unknown>;
}

const hour = 60 * 60_000;
// The reset times are fixed when the module loads, so the server and the meta file agree.
const resetToday = new Date(Date.now() + hour);
const resetLater = new Date(Date.now() + 3 * 24 * hour);

const scenarios: Scenario[] = [
  {
    name: 'success',
    description:
      'one answer in three deltas; 2000 input tokens of which 500 cached, 300 output of which 100 reasoning',
    replies: () => [
      responsesReply.chunks(['Hello ', 'from the test server.', '\nSecond line é 日本.'], {
        usage: { input_tokens: 2000, cached_tokens: 500, output_tokens: 300, reasoning_tokens: 100 },
      }),
    ],
  },
  {
    name: 'two-messages',
    description: 'two assistant messages in one response',
    replies: () => [
      responsesReply.messages([['First message.'], ['Second message.\n']], {
        usage: { input_tokens: 120, cached_tokens: 0, output_tokens: 12, reasoning_tokens: 0 },
      }),
    ],
  },
  {
    name: 'not-logged-in',
    description: 'the provider’s key variable (OPENAI_API_KEY) is not set: codex sends no request',
    replies: () => [],
    apiKey: null,
  },
  {
    name: 'auth-401',
    description: 'the server refuses the key (401)',
    replies: () => [responsesReply.unauthorized()],
  },
  {
    name: 'rate-limit-429',
    description: '429 rate_limit_exceeded with retry-after: 7',
    replies: () => [responsesReply.rateLimited({ retryAfterSeconds: 7 })],
  },
  {
    name: 'rate-limit-in-stream',
    description: 'a 200 stream ending in response.failed rate_limit_exceeded, "Please try again in 7.5s"',
    replies: () => [responsesReply.rateLimitedInStream(7.5)],
  },
  {
    name: 'usage-limit-today',
    description: '429 usage_limit_reached (plan plus) resetting in an hour',
    replies: () => [responsesReply.usageLimitReached({ resetsAt: resetToday, planType: 'plus' })],
    server: () => ({ resetsAt: resetToday.toISOString() }),
  },
  {
    name: 'usage-limit-later',
    description: '429 usage_limit_reached (plan pro) resetting in three days',
    replies: () => [responsesReply.usageLimitReached({ resetsAt: resetLater, planType: 'pro' })],
    server: () => ({ resetsAt: resetLater.toISOString() }),
  },
  {
    name: 'usage-limit-model',
    description:
      '429 usage_limit_reached with x-codex-primary-* headers at 100% and x-codex-limit-name: a model-specific limit',
    replies: () => [
      responsesReply.usageLimitReached({
        resetsAt: resetToday,
        planType: 'plus',
        rateLimits: {
          primary: { usedPercent: 100, windowMinutes: 300, resetsAt: resetToday },
          limitName: 'GPT-5.5-Codex-Spark',
        },
      }),
    ],
    server: () => ({ resetsAt: resetToday.toISOString() }),
  },
  {
    name: 'usage-limit-no-reset',
    description: '429 usage_limit_reached with resets_in_seconds but no resets_at: codex names no time',
    replies: () => [
      {
        kind: 'error',
        status: 429,
        error: {
          type: 'usage_limit_reached',
          message: 'The usage limit has been reached',
          resets_in_seconds: 7200,
        },
      },
    ],
  },
  {
    name: 'rate-limit-headers',
    description:
      'an answer with x-codex-primary-* (42.5% of 300 min) and -secondary-* (12% of 10080 min) headers and a codex.rate_limits event: codex prints none of it',
    replies: () => [
      responsesReply.text('Within the plan.', {
        rateLimits: {
          primary: { usedPercent: 42.5, windowMinutes: 300, resetsAt: resetToday },
          secondary: { usedPercent: 12, windowMinutes: 10080, resetsAt: resetLater },
        },
        rateLimitsInStream: true,
      }),
    ],
  },
  {
    name: 'insufficient-quota',
    description: '429 insufficient_quota: an API account out of credit',
    replies: () => [responsesReply.insufficientQuota()],
  },
  {
    name: 'server-error-500',
    description: '500 server_error, no retries by codex (stream_max_retries = 0)',
    replies: () => [responsesReply.serverError(500)],
  },
  {
    name: 'server-error-500-retried',
    description: '500 on every try, stream_max_retries = 2: codex announces two reconnects',
    replies: () => [responsesReply.serverError(500)],
    streamMaxRetries: 2,
  },
  {
    name: 'overloaded-503',
    description: '503 overloaded',
    replies: () => [responsesReply.serverError(503)],
  },
  {
    name: 'context-too-long',
    description: '400 context_length_exceeded',
    replies: () => [responsesReply.contextTooLong()],
  },
  {
    name: 'truncated-stream',
    description: 'the stream closes after the first delta, without response.completed',
    replies: () => [responsesReply.truncated()],
  },
  {
    name: 'connection-refused',
    description: 'nothing listens at base_url: codex waits for the network until the 4 s timeout kills it',
    replies: () => [],
    refused: true,
    timeoutMs: 4_000,
  },
];

afterAll(removeTemporaryDirectories);

describe.runIf(process.env.LLM_SERVICE_RECORD_CODEX_FIXTURES === '1')('recording codex fixtures', () => {
  it.each(scenarios)('records $name', async (scenario) => {
    const binary = findCodexBinary();
    expect(binary, 'the real codex binary').toBeDefined();
    const replies = scenario.replies();
    const server = await ResponsesTestServer.start({
      replies,
      ...(replies.length > 0 ? { fallback: replies.at(-1)! } : {}),
    });
    try {
      const { env, home } = codexEnvironment({
        baseUrl: scenario.refused ? 'http://127.0.0.1:9/v1' : server.baseUrl,
        home: temporaryDirectory('codex-fixture-home-'),
        ...(scenario.apiKey === undefined ? {} : { apiKey: scenario.apiKey }),
        ...(scenario.streamMaxRetries === undefined ? {} : { streamMaxRetries: scenario.streamMaxRetries }),
      });
      const cwd = temporaryDirectory('codex-fixture-cwd-');
      const args = buildArgs({ model: 'gpt-5.5', options: {}, configDir: cwd });
      const run = await runTool({
        file: binary!,
        args,
        cwd,
        env,
        input: new TextEncoder().encode('Say hello.\n'),
        timeoutMs: scenario.timeoutMs ?? 60_000,
        signal: new AbortController().signal,
        collectStdout: true,
      });
      writeRecording<FixtureMeta>(fixturesDir, scenario.name, run, {
        description: scenario.description,
        args,
        timedOut: run.timedOut,
        // The temporary home differs on every run: kept out so re-recording changes only what codex changed.
        stderr: run.stderr.replaceAll(home, '$HOME'),
        responseRequests: server.responseRequests.length,
        endedAt: new Date().toISOString(),
        timeZone: codexTimeZone(env),
        ...(scenario.server ? { server: scenario.server() } : {}),
      });
    } finally {
      await server.close();
    }
  });
});
