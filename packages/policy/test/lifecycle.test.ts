/**
 * The policy lifecycle end to end, in-process: the budget policy (PolicyV2) reserves through the real telemetry ledger
 * on a real SQLite database, and the kernel settles each hold only after the attempt's cost was committed.
 * Invariant under test: a cost is always either held (reserved) or committed (in the ledger), never neither.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createKernel, type Kernel } from '@llm-service/core';
import {
  isLlmServiceError,
  SpendLedgerToken,
  TelemetryQueryToken,
  type LlmServiceEvent,
  type SpendLedgerV1,
  type TelemetrySinkV1,
} from '@llm-service/spec';
import {
  createScriptedAdapter,
  createTestLogger,
  definePluginForTests,
  writeTestConfig,
  type Script,
  type ScriptStep,
} from '@llm-service/testkit/testing';
import telemetryPlugin, { TelemetryStore } from '@llm-service/telemetry';
import policyPlugin from '../src/index.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A config with a hard global budget of $5 a day; `big` costs $1 per 100,000 input tokens. */
function configDir(limitUsd = 5): string {
  const root = mkdtempSync(join(tmpdir(), 'llm-service-lifecycle-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  return writeTestConfig(join(root, 'config'), {
    agents: { writer: { preferred_tool: 'scripted-tool', preferred_model: 'big' } },
    tools: { 'scripted-tool': { adapter: 'scripted', binary: 'scripted-tool', models: ['big'] } },
    models: { big: { input_per_mtok: 10, output_per_mtok: 0 } },
    settings: { telemetry: { db_path: join(root, 'telemetry.db') } },
    files: {
      'policies.yaml': {
        version: 1,
        budgets: [{ scope: 'global', period: 'daily', limit_usd: limitUsd, mode: 'hard' }],
        // No output is expected, so a request's estimate is its prompt alone.
        estimate: { default_output_tokens: 0 },
      },
    },
  });
}

function kernelFor(dir: string, script: Script, extra: { sinks?: TelemetrySinkV1[] } = {}) {
  const logger = createTestLogger();
  const kernel = createKernel({
    configDir: dir,
    cwd: dir,
    env: { HOME: dir },
    logger,
    plugins: [
      telemetryPlugin,
      policyPlugin,
      definePluginForTests({
        adapters: [createScriptedAdapter('scripted', script)],
        sinks: extra.sinks ?? [],
      }),
    ],
  });
  return { kernel, logger };
}

/** What the ledger holds for running requests, read through the contract: a $0 limit reports it as `reservedUsd`. */
async function heldUsd(kernel: Kernel): Promise<number> {
  const ledger = (await kernel.service(SpendLedgerToken)) as SpendLedgerV1;
  const outcome = await ledger.reserve({
    scopes: ['global'],
    estimateUsd: 1,
    limits: [{ scope: 'global', period: 'daily', limitUsd: 0 }],
  });
  if (outcome.ok) throw new Error('a $0 limit admitted a request');
  return outcome.reservedUsd;
}

const spentUsd = async (kernel: Kernel) =>
  ((await kernel.service(SpendLedgerToken)) as SpendLedgerV1).spent('global', 'daily');

/** A prompt of `tokens` tokens for the o200k tokenizer (one per `word `). */
const promptOf = (tokens: number) => 'word '.repeat(tokens).trim();

describe('the policy lifecycle', () => {
  it('settles a failed attempt that reported a cost at that cost, and the ledger counts it', async () => {
    const dir = configDir();
    const failing: ScriptStep = {
      fail: 'tool-error',
      message: 'stopped at its budget cap',
      error: {
        fallback: false,
        usage: { inputTokens: 20_000, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
        reportedCostUsd: 0.42,
      },
    };
    const { kernel } = kernelFor(dir, [failing]);
    cleanups.push(() => kernel.dispose());
    const failure = await kernel.exec({ agent: 'writer', prompt: 'hello' }).catch((error: unknown) => error);
    expect(isLlmServiceError(failure) && failure.code).toBe('E_REQUEST_FAILED');
    expect(await spentUsd(kernel)).toBeCloseTo(0.42, 9);
    expect(await heldUsd(kernel)).toBe(0);
    const query = await kernel.service(TelemetryQueryToken);
    const [row] = (await query!.invocations({})).filter((record) => record.status === 'failed');
    expect(row).toMatchObject({ costUsd: 0.42, costSource: 'tool', inputTokens: 20_000 });
  });

  it('never lets a reported cost that cannot be true free a hard budget: -100 counts as the estimate held', async () => {
    const dollar = { inputTokens: 100_000, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
    // $5.50: the prompt is estimated at a hair over $1 (100,001 tokens), so five requests fit and a sixth does not.
    const dir = configDir(5.5);
    const { kernel, logger } = kernelFor(dir, (_request, call) =>
      call === 0
        ? { answer: 'cheap?', usage: dollar, reportedCostUsd: -100 }
        : { answer: 'ok', usage: dollar },
    );
    cleanups.push(() => kernel.dispose());
    const prompt = promptOf(100_000);
    const first = await kernel.exec({ agent: 'writer', prompt });
    expect(first).toMatchObject({ text: 'cheap?', costUsd: expect.closeTo(1, 4), costSource: 'estimated' });
    expect(logger.warnings).toEqual([
      'warning: scripted-tool:big reported cost_usd -100, which cannot be true; counting the estimate the budget held, $1.0000 instead',
    ]);
    const outcomes: string[] = [];
    for (let request = 0; request < 20; request++)
      outcomes.push(
        await kernel.exec({ agent: 'writer', prompt }).then(
          () => 'ran',
          (error: unknown) => (isLlmServiceError(error) ? error.code : 'other'),
        ),
      );
    // $1 counted for the first, so four more fit under $5; today's bug let all twenty run.
    expect(outcomes.filter((outcome) => outcome === 'ran')).toHaveLength(4);
    expect(new Set(outcomes.slice(4))).toEqual(new Set(['E_POLICY_BLOCKED']));
    expect(await spentUsd(kernel)).toBeCloseTo(5, 4);
    await kernel.dispose();
    const store = new TelemetryStore({ path: join(dir, '..', 'telemetry.db'), create: false });
    cleanups.push(() => store.close());
    expect(
      store
        .open()
        .prepare(
          `SELECT cost_usd, status, input_tokens, message FROM invocations WHERE cost_source = 'estimated'`,
        )
        .all(),
    ).toEqual([
      {
        cost_usd: expect.closeTo(1, 4),
        status: 'success',
        input_tokens: 100_000,
        message: 'the tool reported cost_usd -100; counted the estimate the budget held, $1.0000',
      },
    ]);
  });

  it('counts a token count that cannot be true as none, and the attempt as the estimate held', async () => {
    const { kernel, logger } = kernelFor(configDir(5), [
      { answer: 'ok', usage: { inputTokens: -5, outputTokens: Number.NaN, cacheReadTokens: Infinity } },
    ]);
    cleanups.push(() => kernel.dispose());
    const result = await kernel.exec({ agent: 'writer', prompt: promptOf(10_000) });
    expect(result).toMatchObject({
      costUsd: 0.1,
      costSource: 'estimated',
      usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
    });
    expect(logger.warnings[0]).toContain(
      'reported input_tokens -5, output_tokens NaN, cache_read_tokens Infinity, which cannot be true',
    );
    expect(await spentUsd(kernel)).toBeCloseTo(0.1, 9);
    expect(await heldUsd(kernel)).toBe(0);
  });

  it('releases the hold of an attempt that cost nothing', async () => {
    const { kernel } = kernelFor(configDir(), [{ fail: 'tool-error', error: { fallback: false } }]);
    cleanups.push(() => kernel.dispose());
    await kernel.exec({ agent: 'writer', prompt: 'hello' }).catch(() => undefined);
    expect(await spentUsd(kernel)).toBe(0);
    expect(await heldUsd(kernel)).toBe(0);
  });

  it('keeps the cost held when a subscriber throws during settlement, instead of losing it', async () => {
    const dir = configDir();
    // A sink that fails once the attempt has finished: its record of the cost cannot be trusted to be committed.
    const brokenSink: TelemetrySinkV1 = {
      specificationVersion: 'v1',
      id: 'broken',
      handle(event: LlmServiceEvent) {
        if (event.type === 'invocation.succeeded') throw new Error('disk full');
      },
      flush: async () => undefined,
      dispose: async () => undefined,
    };
    const { kernel, logger } = kernelFor(
      dir,
      [{ answer: 'fine', usage: { inputTokens: 10_000 }, reportedCostUsd: 0.1 }],
      { sinks: [brokenSink] },
    );
    cleanups.push(() => kernel.dispose());
    const prompt = promptOf(50_000);
    const result = await kernel.exec({ agent: 'writer', prompt });
    expect(result.text).toBe('fine');
    // The estimate (50,000 prompt tokens at $10 per million = $0.50) stays held beside the recorded $0.10.
    expect(await heldUsd(kernel)).toBeCloseTo(0.5, 3);
    expect(logger.warnings.join('\n')).toMatch(/reservation stays held/);
  });

  it('two kernels in one process: disposing one leaves the other enforcing its budgets', async () => {
    const dir = configDir(1);
    const answer: ScriptStep = { answer: 'ok', usage: { inputTokens: 40_000 } };
    const first = kernelFor(dir, () => answer).kernel;
    const second = kernelFor(dir, () => answer).kernel;
    cleanups.push(() => second.dispose());
    await first.exec({ agent: 'writer', prompt: 'warm up' });
    await first.dispose();
    // $0.40 a request against $1, $0.40 already spent: one more fits, the next is blocked by the second kernel.
    await second.exec({ agent: 'writer', prompt: promptOf(40_000) });
    const blocked = await second
      .exec({ agent: 'writer', prompt: promptOf(40_000) })
      .catch((error: unknown) => error);
    expect(isLlmServiceError(blocked) && blocked.code).toBe('E_POLICY_BLOCKED');
    expect(await heldUsd(second)).toBe(0);
  });
});
