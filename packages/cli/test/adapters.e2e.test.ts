/**
 * `llm-service exec` with each new built-in adapter as the agent's preferred tool: the real `codex` and `gemini` (the
 * pinned npm releases) and the HTTP adapter, each against its testkit stand-in of the paid API, offline. What `exec`
 * promises for any tool holds for these: the answer, the usage and cost recorded in telemetry as the server reported
 * them, a hard budget that stops the request before the program starts, and a fallback when the tool fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// The testkit is a private workspace package that the CLI does not depend on; its sources are imported directly.
import {
  ChatCompletionsTestServer,
  GeminiTestServer,
  ResponsesTestServer,
  chatReply,
  codexEnvironment,
  codexSkipReason,
  findCodexBinary,
  findGeminiBinary,
  geminiEnvironment,
  geminiReply,
  geminiSkipReason,
  responsesReply,
} from '../../testkit/src/index.js';
import {
  isolatedHome,
  processesMatching,
  runCli,
  standInPath,
  temporaryDir,
  waitFor,
} from './support/cli.js';

interface StartedServer {
  url: string;
  /** Requests for an answer the server has received. */
  answerRequests(): number;
  /** Resolves once the first request for an answer has arrived. */
  firstRequest(): Promise<void>;
  close(): Promise<void>;
}

/** One adapter under test: its stand-in server, its tools.yaml entry and environment, and what the server reports. */
interface AdapterCase {
  adapter: 'codex' | 'gemini' | 'openai';
  skipReason: string | undefined;
  model: string;
  /** The server answering `answer` with this usage, refusing the key (`unauthorized`), or never answering. */
  start(reply: 'answer' | 'unauthorized' | 'stall'): Promise<StartedServer>;
  toolEntry(server: StartedServer): string[];
  /**
   * The agent's adapter_options (YAML flow) that put `marker`, a directory, on the program's command line, so its
   * processes can be found; undefined for an adapter that runs no program.
   */
  markerOptions?(marker: string): string;
  environment(server: StartedServer, home: string): Record<string, string>;
  /** The usage as llm-service must record it (uncached input, cache reads, output) from what the server sent. */
  recorded: { inputTokens: number; cacheReadTokens: number; outputTokens: number };
}

const answer = 'The cache sits in front of the database.';
// Prices of the model each case runs, per million tokens: input, cache reads, output.
const prices = { input: 2, cacheRead: 0.5, output: 8 };

const cases: AdapterCase[] = [
  {
    adapter: 'codex',
    skipReason: codexSkipReason(),
    model: 'gpt-5.5',
    async start(reply) {
      const server = await ResponsesTestServer.start({
        fallback:
          reply === 'answer'
            ? responsesReply.text(answer, {
                usage: { input_tokens: 2000, cached_tokens: 500, output_tokens: 300, reasoning_tokens: 100 },
              })
            : reply === 'unauthorized'
              ? responsesReply.unauthorized()
              : responsesReply.stall(),
      });
      return {
        url: server.url,
        answerRequests: () => server.responseRequests.length,
        firstRequest: () => server.waitForResponseRequests(1),
        close: () => server.close(),
      };
    },
    toolEntry: () => ['adapter: codex', `binary: ${JSON.stringify(findCodexBinary() ?? 'codex')}`],
    markerOptions: (marker) => `{ codex: { add_dirs: [${JSON.stringify(marker)}] } }`,
    environment: (server, home) => codexEnvironment({ baseUrl: `${server.url}/v1`, home }).env,
    // codex's input_tokens include the cached ones; its output_tokens include reasoning.
    recorded: { inputTokens: 1500, cacheReadTokens: 500, outputTokens: 300 },
  },
  {
    adapter: 'gemini',
    skipReason: geminiSkipReason(),
    model: 'gemini-3-flash-preview',
    async start(reply) {
      const server = await GeminiTestServer.start({
        fallback:
          reply === 'answer'
            ? geminiReply.text(answer, {
                usage: {
                  promptTokenCount: 2000,
                  cachedContentTokenCount: 500,
                  candidatesTokenCount: 240,
                  thoughtsTokenCount: 60,
                },
              })
            : reply === 'unauthorized'
              ? geminiReply.apiKeyInvalid(400)
              : geminiReply.stall(),
      });
      return {
        url: server.url,
        answerRequests: () => server.generateRequests.length,
        firstRequest: () => server.waitForGenerateRequests(1),
        close: () => server.close(),
      };
    },
    toolEntry: () => ['adapter: gemini', `binary: ${JSON.stringify(findGeminiBinary() ?? 'gemini')}`],
    markerOptions: (marker) => `{ gemini: { include_directories: [${JSON.stringify(marker)}] } }`,
    environment: (server, home) => geminiEnvironment({ baseUrl: server.url, home }).env,
    // Gemini's prompt count includes the cached tokens; thoughts are output.
    recorded: { inputTokens: 1500, cacheReadTokens: 500, outputTokens: 300 },
  },
  {
    adapter: 'openai',
    skipReason: undefined,
    model: 'qwen2.5-coder:7b',
    async start(reply) {
      const server = await ChatCompletionsTestServer.start({
        fallback:
          reply === 'answer'
            ? chatReply.text(answer, {
                usage: { prompt_tokens: 2000, completion_tokens: 300, cached_tokens: 500 },
              })
            : reply === 'unauthorized'
              ? chatReply.error(401, { message: 'Incorrect API key provided', code: 'invalid_api_key' })
              : chatReply.stall(),
      });
      return {
        url: server.url,
        answerRequests: () => server.completionRequests.length,
        firstRequest: () => server.waitForCompletionRequests(1),
        close: () => server.close(),
      };
    },
    toolEntry: (server) => ['adapter: openai', `base_url: ${JSON.stringify(`${server.url}/v1`)}`],
    environment: () => ({}),
    // Chat Completions' prompt_tokens include the cached ones.
    recorded: { inputTokens: 1500, cacheReadTokens: 500, outputTokens: 300 },
  },
];

const servers: StartedServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** A config whose agent prefers the adapter's tool and falls back to the stand-in CLI. */
function writeConfig(
  testCase: AdapterCase,
  server: StartedServer,
  extra: { policies?: string; adapterOptions?: string } = {},
): string {
  const dir = temporaryDir(`${testCase.adapter}-exec`);
  mkdirSync(join(dir, 'work'));
  writeFileSync(
    join(dir, 'tools.yaml'),
    [
      'version: 1',
      'tools:',
      `  preferred:`,
      ...testCase.toolEntry(server).map((line) => `    ${line}`),
      `    models: [${JSON.stringify(testCase.model)}]`,
      '    timeout_s: 60',
      ...(testCase.adapter === 'openai' ? [] : ['    cwd: work']),
      '  standin:',
      '    adapter: generic-yaml',
      `    binary: ${JSON.stringify(standInPath)}`,
      '    args: ["exec", "--model", "{{model}}", "-"]',
      '    models: [stand-in-small]',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'agents.yaml'),
    [
      'version: 1',
      'agents:',
      '  architect:',
      '    preferred_tool: preferred',
      `    preferred_model: ${JSON.stringify(testCase.model)}`,
      '    fallback_chain: ["standin:stand-in-small"]',
      ...(extra.adapterOptions === undefined ? [] : [`    adapter_options: ${extra.adapterOptions}`]),
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'models.yaml'),
    [
      'version: 1',
      'models:',
      `  ${JSON.stringify(testCase.model)}: { input_per_mtok: ${prices.input}, cache_read_per_mtok: ${prices.cacheRead}, output_per_mtok: ${prices.output} }`,
      '  stand-in-small: { input_per_mtok: 0.1, output_per_mtok: 0.4 }',
      '',
    ].join('\n'),
  );
  if (extra.policies !== undefined) writeFileSync(join(dir, 'policies.yaml'), extra.policies);
  return dir;
}

function environment(testCase: AdapterCase, server: StartedServer): Record<string, string> {
  const { env, home } = isolatedHome();
  return { ...env, ...testCase.environment(server, home) };
}

const exec = (dir: string, ...extra: string[]) => [
  'exec',
  '--config-dir',
  dir,
  '--agent',
  'architect',
  '--prompt',
  'Where does the cache sit?',
  ...extra,
];

for (const testCase of cases) {
  if (testCase.skipReason !== undefined)
    process.stderr.write(`cli: skipping ${testCase.adapter} end-to-end tests: ${testCase.skipReason}\n`);

  describe.skipIf(testCase.skipReason !== undefined)(
    `llm-service exec preferring adapter ${testCase.adapter}`,
    () => {
      it('answers, and records the usage the server reported at the models.yaml prices', async () => {
        const server = await testCase.start('answer');
        servers.push(server);
        const dir = writeConfig(testCase, server);
        const env = environment(testCase, server);

        const run = await runCli(exec(dir, '--json'), { env });
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        const result = JSON.parse(run.stdout.toString()) as Record<string, unknown>;
        const { inputTokens, cacheReadTokens, outputTokens } = testCase.recorded;
        const costUsd =
          (inputTokens * prices.input + cacheReadTokens * prices.cacheRead + outputTokens * prices.output) /
          1e6;
        expect(result).toMatchObject({
          text: answer,
          tool: 'preferred',
          model: testCase.model,
          usage: { inputTokens, cacheReadTokens, outputTokens, cacheWriteTokens: 0 },
          costSource: 'computed',
        });
        expect(result.costUsd).toBeCloseTo(costUsd, 12);

        const stats = await runCli(['stats', '--config-dir', dir, '--by', 'tool', '--json'], { env });
        expect(stats.code).toBe(0);
        const report = JSON.parse(stats.stdout.toString()) as {
          total: { invocations: number; successes: number; costUsd: number };
        };
        expect(report.total).toMatchObject({ invocations: 1, successes: 1 });
        expect(report.total.costUsd).toBeCloseTo(costUsd, 12);
      });

      it('falls back to the next tool when the server refuses the key', async () => {
        const server = await testCase.start('unauthorized');
        servers.push(server);
        const dir = writeConfig(testCase, server);
        const run = await runCli(exec(dir, '--json'), { env: environment(testCase, server) });
        expect(run.code).toBe(0);
        const result = JSON.parse(run.stdout.toString()) as {
          tool: string;
          attempts: { errorKind?: string }[];
        };
        expect(result.tool).toBe('standin');
        expect(result.attempts[0]).toMatchObject({ errorKind: 'auth' });
        expect(server.answerRequests()).toBeGreaterThan(0);
      });

      it('Ctrl-C ends the run, exits 130 and leaves no process of the program', async () => {
        const server = await testCase.start('stall');
        servers.push(server);
        const marker = join(temporaryDir(`${testCase.adapter}-sigint`), 'sigint-marker');
        mkdirSync(marker);
        const options = testCase.markerOptions?.(marker);
        const dir = writeConfig(testCase, server, options === undefined ? {} : { adapterOptions: options });
        let sawProgram = false;
        const run = await runCli(exec(dir), {
          env: environment(testCase, server),
          onSpawn: (child) =>
            void server.firstRequest().then(() => {
              sawProgram = processesMatching(marker).length > 0;
              child.kill('SIGINT');
            }),
        });
        expect(run.code).toBe(130);
        expect(run.stdout.toString()).toBe('');
        if (options !== undefined) {
          expect(sawProgram).toBe(true);
          await waitFor(() => processesMatching(marker).length === 0, 5_000);
        }
      });

      it('stops at a hard budget before the program is started', async () => {
        const server = await testCase.start('answer');
        servers.push(server);
        const budget = [
          'version: 1',
          'budgets:',
          '  - { scope: global, period: daily, limit_usd: 0.000001, mode: hard }',
          '',
        ];
        const dir = writeConfig(testCase, server, { policies: budget.join('\n') });
        const run = await runCli(exec(dir, '--no-fallback'), { env: environment(testCase, server) });
        expect(run.code).toBe(3);
        expect(run.stderr).toContain('budget');
        expect(server.answerRequests()).toBe(0);
      });
    },
  );
}
