/**
 * Plan limits end to end, in-process: the kernel, the real telemetry plugin's plan windows and spend ledger on a real
 * SQLite database, the policy plugin, and two scripted tools, one billed by subscription. Readings are recorded
 * through the PlanWindowsV1 service as an adapter's `limits.observed` would be; the clock is the real one (a window
 * resetting in an hour is in force for the whole test).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createKernel } from '@llm-service/core';
import {
  BudgetReporterToken,
  isLlmServiceError,
  PlanWindowsToken,
  type PlanWindowsV1,
  type PolicyBlockedError,
} from '@llm-service/spec';
import {
  createScriptedAdapter,
  type Script,
  createTestLogger,
  definePluginForTests,
  writeTestConfig,
} from '@llm-service/testkit/testing';
import telemetryPlugin from '@llm-service/telemetry';
import policyPlugin from '../src/index.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

/**
 * `writer` prefers `plan-tool` (subscription) and falls back to `metered-tool` (api). A hard global budget (by default
 * $0.01 a day) counts api spend only; a one-token prompt costs $0.10 at list price, so by default only the subscription
 * tool fits under it.
 */
function setup(planLimits: unknown[], limitUsd = 0.01, planScript?: Script) {
  const root = mkdtempSync(join(tmpdir(), 'llm-service-plan-limits-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  const dir = writeTestConfig(join(root, 'config'), {
    agents: {
      writer: {
        preferred_tool: 'plan-tool',
        preferred_model: 'big',
        fallback_chain: ['metered-tool:big'],
      },
    },
    tools: {
      'plan-tool': { adapter: 'plan', binary: 'plan-tool', models: ['big'], billing: 'subscription' },
      'metered-tool': { adapter: 'metered', binary: 'metered-tool', models: ['big'] },
    },
    models: { big: { input_per_mtok: 100_000, output_per_mtok: 0 } },
    settings: { telemetry: { db_path: join(root, 'telemetry.db') } },
    files: {
      'policies.yaml': {
        version: 1,
        budgets: [{ scope: 'global', period: 'daily', limit_usd: limitUsd, mode: 'hard' }],
        plan_limits: planLimits,
        estimate: { default_output_tokens: 0 },
      },
    },
  });
  const plan = createScriptedAdapter('plan', planScript ?? (() => ({ answer: 'from the plan' })));
  const metered = createScriptedAdapter('metered', () => ({ answer: 'from the meter' }));
  const logger = createTestLogger();
  const kernel = createKernel({
    configDir: dir,
    cwd: dir,
    env: { HOME: dir },
    logger,
    plugins: [telemetryPlugin, policyPlugin, definePluginForTests({ adapters: [plan, metered] })],
  });
  cleanups.push(() => kernel.dispose());
  const windows = async () => (await kernel.service(PlanWindowsToken)) as PlanWindowsV1;
  return { kernel, plan, metered, windows, logger };
}

describe('plan limits in the kernel', () => {
  it('runs a subscription tool past an api-only dollar budget, and blocks the metered one', async () => {
    const { kernel, plan, metered } = setup([]);
    const result = await kernel.exec({ agent: 'writer', prompt: 'hello' });
    expect(result.text).toBe('from the plan');
    expect(plan.calls).toHaveLength(1);
    const blocked = await kernel
      .exec({ agent: 'writer', prompt: 'hello', tool: 'metered-tool' })
      .catch((error: unknown) => error);
    expect(isLlmServiceError(blocked) && blocked.code).toBe('E_POLICY_BLOCKED');
    expect(metered.calls).toHaveLength(0);
  });

  it('reroutes to the next free candidate without starting the tool past its reroute threshold', async () => {
    const { kernel, plan, metered, windows } = setup(
      [{ tool: 'plan-tool', window: 'five_hour', above: 0.9, action: 'reroute' }],
      100,
    );
    await (
      await windows()
    ).record({
      tool: 'plan-tool',
      window: 'five_hour',
      status: 'warning',
      utilization: 0.95,
      resetsAt: inAnHour(),
      observedAt: new Date().toISOString(),
    });
    const result = await kernel.exec({ agent: 'writer', prompt: 'hello' });
    expect(result.text).toBe('from the meter');
    expect(plan.calls).toHaveLength(0);
    expect(metered.calls).toHaveLength(1);
    expect(result.attempts[0]).toMatchObject({ tool: 'plan-tool', status: 'skipped' });
    expect(result.attempts[0]?.message).toMatch(
      /^plan-tool's 5-hour window is at 95%, past 90%; rerouted to metered-tool:big; it resets at /,
    );
  });

  it('holds a tool refused for its plan: skips it with the reset time, and ends a request with none left with resumeAt', async () => {
    const until = inAnHour();
    const { kernel, plan } = setup([], 1, [
      { fail: 'plan-limit', message: "You've hit your 5-hour limit", error: { resetsAt: until } },
      { answer: 'from the plan' },
    ]);
    // The refusal falls back to the metered tool, and holds the plan tool for later requests.
    expect((await kernel.exec({ agent: 'writer', prompt: 'hello' })).text).toBe('from the meter');
    expect(plan.calls).toHaveLength(1);
    const blocked = await kernel
      .exec({ agent: 'writer', prompt: 'hello', noFallback: true })
      .catch((error: unknown) => error);
    expect(isLlmServiceError(blocked) && blocked.code).toBe('E_POLICY_BLOCKED');
    expect((blocked as PolicyBlockedError).message).toMatch(/^plan-tool is held until .* \(in (59m|1h 0m)\)/);
    expect(Date.parse((blocked as PolicyBlockedError).resumeAt ?? '')).toBe(Date.parse(until));
    expect((blocked as PolicyBlockedError).message).toContain("You've hit your 5-hour limit");
    expect(plan.calls).toHaveLength(1);
    // --force --reason runs it anyway.
    const forced = await kernel.exec({
      agent: 'writer',
      prompt: 'hello',
      noFallback: true,
      force: { reason: 'testing the hold' },
    });
    expect(forced.text).toBe('from the plan');
  });

  it('shows the windows in the budget report', async () => {
    const { kernel, windows } = setup([]);
    await (
      await windows()
    ).record({
      tool: 'plan-tool',
      window: 'seven_day',
      status: 'allowed',
      utilization: 0.4,
      resetsAt: inAnHour(),
      observedAt: new Date().toISOString(),
    });
    const reporter = await kernel.service(BudgetReporterToken);
    const report = await reporter!.report();
    expect(report.windows).toMatchObject([{ tool: 'plan-tool', window: 'seven_day', utilization: 0.4 }]);
  });
});
