import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigIssue, SpendLedgerV1, TelemetryQueryV1 } from '@llm-service/spec';
import { createKernel } from '@llm-service/core';
import telemetryPlugin from './index.js';

const directories: string[] = [];
afterEach(() => {
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function configDir(settings: string | undefined): string {
  const dir = mkdtempSync(join(tmpdir(), 'llm-service-telemetry-'));
  directories.push(dir);
  writeFileSync(join(dir, 'agents.yaml'), 'version: 1\nagents: {}\n');
  writeFileSync(join(dir, 'tools.yaml'), 'version: 1\ntools: {}\n');
  writeFileSync(join(dir, 'models.yaml'), 'version: 1\nmodels: {}\n');
  if (settings !== undefined) writeFileSync(join(dir, 'llm-service.yaml'), settings);
  return dir;
}

async function settingsOf(dir: string): Promise<Record<string, unknown>> {
  const kernel = createKernel({
    configDir: dir,
    cwd: dir,
    env: { DATA: '/data' },
    plugins: [telemetryPlugin],
  });
  try {
    return (await kernel.config()).settings;
  } finally {
    await kernel.dispose();
  }
}

describe('telemetry in the kernel', () => {
  it('validates the telemetry section of llm-service.yaml, with environment variables', async () => {
    const settings = await settingsOf(configDir('version: 1\ntelemetry: { db_path: "${DATA}/t.db" }\n'));
    expect(settings.telemetry).toEqual({ store: 'sqlite', db_path: '/data/t.db', capture_content: false });
  });

  it('leaves the section out when llm-service.yaml has none', async () => {
    expect((await settingsOf(configDir(undefined))).telemetry).toBeUndefined();
  });

  it('reports an unknown key with a suggestion', async () => {
    const error = await settingsOf(configDir('version: 1\ntelemetry:\n  capture_contents: true\n')).catch(
      (caught: unknown) => caught as { issues: ConfigIssue[] },
    );
    expect((error as { issues: ConfigIssue[] }).issues).toMatchObject([
      {
        file: 'llm-service.yaml',
        line: 3,
        path: 'telemetry.capture_contents',
        suggestion: expect.stringContaining("did you mean 'capture_content'?"),
      },
    ]);
  });
});

describe('telemetry recording through the kernel', () => {
  it('records every attempt of a request, provides the ledger and query service, and declares its commands', async () => {
    const { createScriptedAdapter, definePluginForTests, writeTestConfig } =
      await import('@llm-service/testkit/testing');
    const { PlanWindowsToken, SpendLedgerToken, TelemetryQueryToken } = await import('@llm-service/spec');
    const dir = mkdtempSync(join(tmpdir(), 'llm-service-telemetry-kernel-'));
    directories.push(dir);
    const dbPath = join(dir, 'data', 'telemetry.db');
    writeTestConfig(join(dir, 'config'), {
      agents: {
        architect: { preferred_tool: 'flaky', preferred_model: 'big', fallback_chain: ['steady:small'] },
        blocked: { preferred_tool: 'steady', preferred_model: 'small' },
      },
      tools: {
        flaky: { adapter: 'scripted', binary: 'flaky', models: ['big'] },
        steady: { adapter: 'scripted', binary: 'steady', models: ['small'] },
      },
      models: {
        big: { input_per_mtok: 10, output_per_mtok: 50 },
        small: { input_per_mtok: 1, output_per_mtok: 5 },
      },
      settings: { telemetry: { db_path: dbPath } },
    });
    const adapter = createScriptedAdapter('scripted', (request) =>
      request.toolId === 'flaky'
        ? { fail: 'overloaded', message: 'overloaded; api_key=abcdef123456 rejected' }
        : { answer: 'fine', usage: { inputTokens: 1000, outputTokens: 100 } },
    );
    const services: { ledger?: unknown; query?: unknown } = {};
    const kernel = createKernel({
      configDir: join(dir, 'config'),
      cwd: dir,
      env: {},
      logger: { warn: () => undefined },
      plugins: [
        telemetryPlugin,
        definePluginForTests({
          adapters: [adapter],
          policies: [
            {
              specificationVersion: 'v1',
              id: 'no-blocked-agent',
              evaluate: (_candidate, context) =>
                context.agent === 'blocked'
                  ? { action: 'block', message: 'agent budget spent', hints: [], endsRequest: true }
                  : { action: 'allow' },
            },
          ],
          register(context) {
            services.ledger = context.services.require(SpendLedgerToken);
            services.query = context.services.require(TelemetryQueryToken);
          },
        }),
      ],
    });
    const result = await kernel.exec({ agent: 'architect', prompt: 'hello', chainId: 'pipeline-1' });
    await expect(
      kernel.exec({ agent: 'blocked', prompt: 'hello', chainId: 'pipeline-1' }),
    ).rejects.toMatchObject({
      code: 'E_POLICY_BLOCKED',
    });
    const query = services.query as TelemetryQueryV1;
    const recorded = await query.invocations({ chainId: 'pipeline-1' });
    expect(
      recorded.map((row) => [row.agent, row.attempt, row.tool, row.status, row.errorKind]).reverse(),
    ).toEqual([
      ['architect', 1, 'flaky', 'failed', 'overloaded'],
      ['architect', 2, 'steady', 'success', null],
      ['blocked', 1, 'steady', 'blocked', 'policy'],
    ]);
    expect(recorded.find((row) => row.status === 'success')).toMatchObject({
      invocationId: result.invocationId,
      inputTokens: 1000,
      outputTokens: 100,
      costUsd: 0.0015,
      costSource: 'computed',
    });
    const ledger = services.ledger as SpendLedgerV1;
    expect(await ledger.spent('chain:pipeline-1', 'daily')).toBeCloseTo(0.0015, 10);
    await kernel.dispose();
    expect(telemetryPlugin.commands?.map((command) => command.name)).toEqual([
      'stats',
      'telemetry prune',
      'telemetry migrate',
    ]);
    expect(telemetryPlugin.provides).toEqual([SpendLedgerToken, TelemetryQueryToken, PlanWindowsToken]);
  });
});

describe('plan windows through the kernel', () => {
  it('records every limits.observed reading and holds a tool refused for its plan, committed before dispose resolves, and how each attempt was paid for', async () => {
    const { createScriptedAdapter, definePluginForTests, writeTestConfig } =
      await import('@llm-service/testkit/testing');
    const { PlanWindowsToken } = await import('@llm-service/spec');
    const { SqliteTelemetryStore } = await import('./sqlite/sqlite-store.js');
    const { PlanWindows } = await import('./plan-windows/plan-windows.js');
    const { TelemetryQuery } = await import('./query/telemetry-query.js');
    const dir = mkdtempSync(join(tmpdir(), 'llm-service-telemetry-windows-'));
    directories.push(dir);
    const dbPath = join(dir, 'data', 'telemetry.db');
    writeTestConfig(join(dir, 'config'), {
      agents: {
        writer: { preferred_tool: 'plan', preferred_model: 'small' },
        metered: { preferred_tool: 'key', preferred_model: 'small' },
      },
      tools: {
        plan: { adapter: 'scripted', binary: 'plan', models: ['small'], billing: 'subscription' },
        key: { adapter: 'scripted', binary: 'key', models: ['small'] },
      },
      models: { small: { input_per_mtok: 1, output_per_mtok: 5 } },
      settings: { telemetry: { db_path: dbPath } },
    });
    const warnings: string[] = [];
    const provided: { windows?: unknown } = {};
    const kernel = createKernel({
      configDir: join(dir, 'config'),
      cwd: dir,
      env: {},
      logger: { warn: (message) => warnings.push(message) },
      plugins: [
        telemetryPlugin,
        definePluginForTests({
          adapters: [
            createScriptedAdapter('scripted', () => ({
              answer: 'fine',
              usage: { inputTokens: 1000, outputTokens: 100 },
            })),
          ],
          register(context) {
            provided.windows = context.services.require(PlanWindowsToken);
          },
        }),
      ],
    });
    const result = await kernel.exec({ agent: 'writer', prompt: 'hello' });
    await kernel.exec({ agent: 'metered', prompt: 'hello' });
    expect(provided.windows).toBeDefined();
    const base = { invocationId: result.invocationId, chainId: 'c', attempt: 1 };
    const resetsAt = new Date(Date.now() + 60 * 60 * 1000).toISOString();
    kernel.events.emit({
      type: 'limits.observed',
      ...base,
      at: new Date().toISOString(),
      tool: 'plan',
      account: 'org-1',
      window: 'five_hour',
      status: 'rejected',
      utilization: 1,
      resetsAt,
    });
    // The rejected reading alone holds nothing; the refusal that follows does, until its reset.
    kernel.events.emit({
      type: 'invocation.failed',
      ...base,
      at: new Date().toISOString(),
      agent: 'writer',
      tool: 'plan',
      model: 'small',
      reason: 'preferred',
      errorKind: 'plan-limit',
      message: "You've hit your 5-hour limit",
      latencyMs: 5,
      exitCode: 1,
      resetsAt,
    });
    // A plan-limit failure whose reset has passed, and a rate limit, hold nothing.
    for (const [tool, errorKind, until] of [
      ['key', 'plan-limit', new Date(Date.now() - 1000).toISOString()],
      ['key', 'rate-limit', resetsAt],
    ] as const)
      kernel.events.emit({
        type: 'invocation.failed',
        ...base,
        at: new Date().toISOString(),
        agent: 'metered',
        tool,
        model: 'small',
        reason: 'preferred',
        errorKind,
        message: 'refused',
        latencyMs: 5,
        exitCode: 1,
        resetsAt: until,
      });
    // A reading no contract allows is warned about, and the readings after it are still recorded.
    kernel.events.emit({
      type: 'limits.observed',
      ...base,
      at: new Date().toISOString(),
      tool: 'plan',
      window: 'seven_day',
      status: 'exhausted' as never,
    });
    kernel.events.emit({
      type: 'limits.observed',
      ...base,
      at: new Date().toISOString(),
      tool: 'plan',
      window: 'seven_day',
      status: 'warning',
      utilization: 0.8,
    });
    // Exec exits right after dispose: what it recorded must be in the file by then.
    await kernel.dispose();

    const store = new SqliteTelemetryStore({ path: dbPath, create: false });
    try {
      const windows = new PlanWindows(store);
      expect(await windows.latest()).toEqual([
        expect.objectContaining({ tool: 'plan', account: 'org-1', window: 'five_hour', status: 'rejected' }),
        expect.objectContaining({ tool: 'plan', window: 'seven_day', status: 'warning', utilization: 0.8 }),
      ]);
      expect(await windows.heldUntil('plan')).toEqual({
        tool: 'plan',
        until: resetsAt,
        reason: "You've hit your 5-hour limit",
        // The window its rejected reading named, just before the refusal.
        window: 'five_hour',
      });
      expect(await windows.heldUntil('key')).toBeUndefined();
      expect(warnings).toEqual([
        expect.stringContaining(
          'plan window reading not recorded (1 event lost): invalid plan window observation: status:',
        ),
      ]);
      const recorded = await new TelemetryQuery(store).invocations({});
      expect(recorded.map((row) => [row.tool, row.billing])).toEqual([
        ['key', 'api'],
        ['plan', 'subscription'],
      ]);
    } finally {
      await store.close();
    }
  });
});
