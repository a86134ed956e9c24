/**
 * Records the fixtures the stream-parser and classification tests read: the real `gemini`'s stdout, exit status and
 * stderr for each scenario, against the Gemini test server. Opt-in, since the fixtures are checked in:
 *
 *   LLM_SERVICE_RECORD_GEMINI_FIXTURES=1 pnpm vitest run packages/adapter-gemini/test/record-fixtures.test.ts
 */
import { runTool } from '@llm-service/plugin-kit';
import {
  findGeminiBinary,
  geminiEnvironment,
  geminiReply,
  GeminiTestServer,
  type GeminiScriptedReply,
} from '@llm-service/testkit';
import { removeTemporaryDirectories, temporaryDirectory, writeRecording } from '@llm-service/testkit/testing';
import { describe, expect, it } from 'vitest';
import { buildArgs } from '../src/argv/build-args.js';
import { fixturesDir, type FixtureMeta } from './support/fixtures.js';

interface Scenario {
  name: string;
  description: string;
  replies: GeminiScriptedReply[];
  apiKey?: string | null;
  selectedAuthType?: string | null;
  /** A base URL where nothing listens, instead of the server's. */
  refused?: boolean;
  /** The prompt on stdin; default `Say hello.`. */
  prompt?: string;
  /** Run without `--skip-trust` (and without GEMINI_CLI_TRUST_WORKSPACE): the untrusted-folder refusal. */
  untrusted?: boolean;
}

const scenarios: Scenario[] = [
  {
    name: 'success',
    description: 'one streamed answer in four chunks, with cached and thought tokens',
    replies: [
      geminiReply.chunks(['Hello ', 'from the ', 'test server.', '\nSecond line é 日本.'], {
        usage: {
          promptTokenCount: 1200,
          candidatesTokenCount: 340,
          cachedContentTokenCount: 500,
          thoughtsTokenCount: 60,
        },
        chunkDelayMs: 20,
      }),
    ],
  },
  {
    name: 'api-key-invalid-400',
    description: 'the server refuses the key as the API does: 400 INVALID_ARGUMENT, reason API_KEY_INVALID',
    replies: [geminiReply.apiKeyInvalid(400)],
  },
  {
    name: 'unauthenticated-401',
    description: 'the server refuses the key with 401 UNAUTHENTICATED',
    replies: [geminiReply.apiKeyInvalid(401)],
  },
  {
    name: 'permission-denied-403',
    description: 'the server refuses the key with 403 PERMISSION_DENIED',
    replies: [geminiReply.apiKeyInvalid(403)],
  },
  {
    name: 'no-auth-selected',
    description: 'GEMINI_API_KEY set but no security.auth.selectedType in settings.json: no request is sent',
    replies: [],
    selectedAuthType: null,
  },
  {
    name: 'no-api-key',
    description: 'API-key auth selected but GEMINI_API_KEY unset: no request is sent',
    replies: [],
    apiKey: null,
  },
  {
    name: 'rate-limit-429',
    description: '429 RESOURCE_EXHAUSTED with RetryInfo retryDelay 7s; general.maxAttempts 1',
    replies: [geminiReply.rateLimited(7)],
  },
  {
    name: 'daily-quota-429',
    description: '429 RESOURCE_EXHAUSTED with a QuotaFailure on a per-day quota',
    replies: [geminiReply.dailyQuotaExhausted()],
  },
  {
    name: 'overloaded-503',
    description: '503 UNAVAILABLE "The model is overloaded"; general.maxAttempts 1',
    replies: [geminiReply.overloaded()],
  },
  {
    name: 'server-error-500',
    description: '500 INTERNAL; general.maxAttempts 1',
    replies: [geminiReply.serverError()],
  },
  {
    name: 'context-too-long',
    description:
      '400 INVALID_ARGUMENT "The input token count (1200000) exceeds the maximum number of tokens allowed"',
    replies: [geminiReply.contextTooLong()],
  },
  {
    name: 'truncated-socket',
    description: 'one chunk, then half an event and the connection dropped',
    replies: [geminiReply.truncated({ chunks: ['Partial '], cut: 'socket' })],
  },
  {
    name: 'truncated-no-finish',
    description: 'one chunk, then the response ends without a finish reason or usage',
    replies: [geminiReply.truncated({ chunks: ['Partial '], cut: 'no-finish' })],
  },
  {
    name: 'connection-refused',
    description: 'nothing listens at GOOGLE_GEMINI_BASE_URL',
    replies: [],
    refused: true,
  },
  {
    name: 'empty-prompt',
    description: 'nothing on stdin: exit code 42 (FatalInputError) before any request',
    replies: [],
    prompt: '',
  },
  {
    name: 'untrusted-folder',
    description: 'without --skip-trust or GEMINI_CLI_TRUST_WORKSPACE: exit code 55 before any request',
    replies: [],
    untrusted: true,
  },
];

describe.runIf(process.env.LLM_SERVICE_RECORD_GEMINI_FIXTURES === '1')('recording gemini fixtures', () => {
  it.each(scenarios)('records $name', async (scenario) => {
    const binary = findGeminiBinary();
    expect(binary, 'the real gemini binary').toBeDefined();
    const server = await GeminiTestServer.start({ replies: scenario.replies });
    try {
      const { env } = geminiEnvironment({
        home: temporaryDirectory('gemini-fixture-home-'),
        baseUrl: scenario.refused ? 'http://127.0.0.1:9' : server.url,
        ...(scenario.apiKey === undefined ? {} : { apiKey: scenario.apiKey }),
        ...(scenario.selectedAuthType === undefined ? {} : { selectedAuthType: scenario.selectedAuthType }),
      });
      const cwd = temporaryDirectory('gemini-fixture-cwd-');
      const built = buildArgs({ model: 'gemini-2.5-flash', options: {}, configDir: cwd });
      const args = scenario.untrusted ? built.filter((arg) => arg !== '--skip-trust') : built;
      const run = await runTool({
        file: binary!,
        args,
        cwd,
        env,
        input: new TextEncoder().encode(scenario.prompt ?? 'Say hello.\n'),
        timeoutMs: 60_000,
        signal: new AbortController().signal,
        collectStdout: true,
      });
      writeRecording<FixtureMeta>(fixturesDir, scenario.name, run, {
        description: scenario.description,
        args,
        generateRequests: server.generateRequests.length,
      });
    } finally {
      await server.close();
      removeTemporaryDirectories();
    }
  });
});
