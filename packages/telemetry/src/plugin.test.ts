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
    expect(settings.telemetry).toEqual({ db_path: '/data/t.db', capture_content: false });
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
    const { SpendLedgerToken, TelemetryQueryToken } = await import('@llm-service/spec');
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
    expect(telemetryPlugin.commands?.map((command) => command.name)).toEqual(['stats', 'telemetry prune']);
    expect(telemetryPlugin.provides).toEqual([SpendLedgerToken, TelemetryQueryToken]);
  });
});
