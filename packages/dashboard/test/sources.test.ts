/**
 * The dashboard's sources against the real telemetry and policy plugins on a real SQLite database: one kernel records
 * (as `exec` in another terminal would), the dashboard's own kernel reads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom, filter, type Observable } from 'rxjs';
import { createKernel, type Kernel } from '@llm-service/core';
import { PlanWindowsToken } from '@llm-service/spec';
import { createScriptedAdapter, definePluginForTests, writeTestConfig } from '@llm-service/testkit/testing';
import policyPlugin from '@llm-service/policy';
import telemetryPlugin from '@llm-service/telemetry';
import { openDashboardSources, type DashboardSources } from '../src/feed/index.js';
import type { InvocationRow } from '../src/model.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function configDir(
  options: { project?: string; root?: string; billing?: 'api' | 'subscription' } = {},
): string {
  const root = options.root ?? mkdtempSync(join(tmpdir(), 'llm-service-dashboard-'));
  if (!options.root) cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  return writeTestConfig(join(root, `config-${options.project ?? 'default'}`), {
    agents: { writer: { preferred_tool: 'scripted-tool', preferred_model: 'big' } },
    tools: {
      'scripted-tool': {
        adapter: 'scripted',
        binary: 'scripted-tool',
        models: ['big'],
        ...(options.billing ? { billing: options.billing } : {}),
      },
    },
    models: { big: { input_per_mtok: 10, output_per_mtok: 50 } },
    settings: {
      ...(options.project ? { project: options.project } : {}),
      telemetry: { db_path: join(root, 'telemetry.db') },
    },
    files: {
      'policies.yaml': {
        version: 1,
        budgets: [{ scope: 'global', period: 'daily', limit_usd: 1, mode: 'hard', alert_at_percent: 80 }],
      },
    },
  });
}

function kernelFor(dir: string, adapter = createScriptedAdapter('scripted', [{ answer: 'unused' }])): Kernel {
  const kernel = createKernel({
    configDir: dir,
    cwd: dir,
    env: {},
    logger: { warn: () => undefined },
    plugins: [telemetryPlugin, policyPlugin, definePluginForTests({ adapters: [adapter] })],
  });
  cleanups.push(() => kernel.dispose());
  return kernel;
}

async function sourcesFor(dir: string, project?: string): Promise<DashboardSources> {
  const sources = await openDashboardSources(kernelFor(dir), project === undefined ? {} : { project });
  cleanups.push(() => sources.close());
  return sources;
}

const next = <T>(changes: Observable<T>, matches: (value: T) => boolean) =>
  firstValueFrom(changes.pipe(filter(matches)));

describe('dashboard sources', () => {
  it('start empty on a database nobody has written, with the configured budgets', async () => {
    const sources = await sourcesFor(configDir());
    expect(sources.invocations.recent()).toEqual([]);
    const spend = sources.spend.current();
    expect(spend.totals).toEqual({ todayUsd: 0, weekUsd: 0, monthUsd: 0 });
    expect(
      spend.budgets?.map((budget) => [budget.scope, budget.limitUsd, budget.mode, budget.spentUsd]),
    ).toEqual([['global', 1, 'hard', 0]]);
  });

  it('show an invocation another kernel records: running first, then completed in place, and its spend', async () => {
    const dir = configDir();
    const sources = await sourcesFor(dir);
    const recorder = kernelFor(
      dir,
      createScriptedAdapter('scripted', [
        {
          answer: [{ text: 'slow answer', delayMs: 1_500 }],
          usage: { inputTokens: 10_000, outputTokens: 2_000 },
        },
      ]),
    );
    const running = next(sources.invocations.changes, (row) => row.status === 'running');
    const finished = next(sources.invocations.changes, (row) => row.status === 'success');
    const spent = next(sources.spend.changes, (snapshot) => snapshot.totals.todayUsd > 0);
    const result = await recorder.exec({ agent: 'writer', prompt: 'hello' });

    const first: InvocationRow = await running;
    const last: InvocationRow = await finished;
    expect(first.key).toBe(`${result.invocationId}#1`);
    expect(last).toMatchObject({ key: first.key, agent: 'writer', tool: 'scripted-tool', model: 'big' });
    expect(last.costUsd).toBeCloseTo(0.2, 10);
    expect(sources.invocations.recent().map((row) => [row.key, row.status])).toEqual([
      [first.key, 'success'],
    ]);

    const snapshot = await spent;
    expect(snapshot.totals.todayUsd).toBeCloseTo(0.2, 10);
    expect(snapshot.totals.monthUsd).toBeCloseTo(0.2, 10);
    expect(snapshot.byModel).toEqual([
      { day: new Date().toISOString().slice(0, 10), group: 'big', costUsd: expect.closeTo(0.2, 10) },
    ]);
    expect(snapshot.agentTotals.map((row) => row.group)).toEqual(['writer']);
    expect(snapshot.budgets?.[0]).toMatchObject({
      spentUsd: expect.closeTo(0.2, 10),
      percent: expect.closeTo(20, 6),
    });
  });

  it("show one project's invocations and spend when given it, every project's otherwise", async () => {
    const alphaDir = configDir({ project: 'alpha' });
    const betaDir = configDir({ project: 'beta', root: join(alphaDir, '..') });
    const alphaOnly = await sourcesFor(alphaDir, 'alpha');
    const every = await sourcesFor(alphaDir);
    const answer = (text: string) => [{ answer: text, usage: { inputTokens: 10_000, outputTokens: 2_000 } }];
    const alpha = await kernelFor(alphaDir, createScriptedAdapter('scripted', answer('a'))).exec({
      agent: 'writer',
      prompt: 'for alpha',
    });
    const beta = await kernelFor(betaDir, createScriptedAdapter('scripted', answer('b'))).exec({
      agent: 'writer',
      prompt: 'for beta',
    });
    await every.invocations.refresh();
    await alphaOnly.invocations.refresh();
    expect(
      every.invocations
        .recent()
        .map((row) => [row.invocationId, row.project])
        .sort(),
    ).toEqual(
      [
        [alpha.invocationId, 'alpha'],
        [beta.invocationId, 'beta'],
      ].sort(),
    );
    expect(alphaOnly.invocations.recent().map((row) => row.invocationId)).toEqual([alpha.invocationId]);

    const alphaSpend = next(alphaOnly.spend.changes, (snapshot) => snapshot.totals.todayUsd > 0);
    const everySpend = next(every.spend.changes, (snapshot) => snapshot.totals.todayUsd > 0.3);
    alphaOnly.spend.invalidate();
    every.spend.invalidate();
    expect((await alphaSpend).totals.todayUsd).toBeCloseTo(0.2, 10);
    expect((await everySpend).totals.todayUsd).toBeCloseTo(0.4, 10);
  });

  it('show the plan window another kernel records, and each new reading of it, with no invocation in between', async () => {
    const dir = configDir({ billing: 'subscription' });
    const sources = await sourcesFor(dir);
    expect(sources.spend.current().windows).toEqual([]);
    const recorder = kernelFor(dir);
    const planWindows = await recorder.service(PlanWindowsToken);
    if (!planWindows) throw new Error('the telemetry plugin provides no PlanWindowsV1');
    const resetsAt = new Date(Date.now() + 72 * 60_000).toISOString();

    const first = next(sources.spend.changes, (snapshot) => (snapshot.windows?.length ?? 0) > 0);
    await planWindows.record({
      tool: 'scripted-tool',
      window: 'five_hour',
      status: 'allowed',
      utilization: 0.4,
      resetsAt,
      observedAt: new Date().toISOString(),
    });
    expect((await first).windows).toEqual([
      expect.objectContaining({
        tool: 'scripted-tool',
        window: 'five_hour',
        status: 'allowed',
        utilization: 0.4,
      }),
    ]);

    const rejected = next(sources.spend.changes, (snapshot) => snapshot.windows?.[0]?.status === 'rejected');
    await planWindows.record({
      tool: 'scripted-tool',
      window: 'five_hour',
      status: 'rejected',
      utilization: 1,
      resetsAt,
      observedAt: new Date().toISOString(),
    });
    // What the telemetry plugin records when the tool then refuses a request for its plan.
    await planWindows.hold({
      tool: 'scripted-tool',
      until: resetsAt,
      reason: 'refused',
      window: 'five_hour',
    });
    const [window] = (await rejected).windows ?? [];
    expect(window).toMatchObject({
      utilization: 1,
      resetsAt,
      hold: { tool: 'scripted-tool', until: resetsAt },
    });
    expect(sources.invocations.recent()).toEqual([]);
  });
});
