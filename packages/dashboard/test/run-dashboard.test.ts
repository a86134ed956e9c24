import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  BudgetReporterToken,
  TaskStoreToken,
  TelemetryQueryToken,
  type CommandInput,
  type TaskStoreV1,
  type InvocationFilter,
  type InvocationRecord,
  type TelemetryQueryV1,
} from '@llm-service/spec';
import type { Kernel } from '@llm-service/core';
import { createTaskStore } from '@llm-service/tasks';
import { describe, expect, it } from 'vitest';
import type { DashboardSnapshot } from '../src/model.js';
import { runDashboard } from '../src/server/index.js';
import { invocationRow, send, until } from '../src/server/test-support.js';

const TOKEN = 'run-dashboard-token-0123456789';

const emptyTelemetry: TelemetryQueryV1 = {
  specificationVersion: 'v1',
  invocations: async () => [],
  aggregate: async () => [],
  running: async () => [],
  savings: async () => ({ baselineUsd: 0, actualUsd: 0 }),
};

/** A kernel's task store on the config's default work directory, as the tasks plugin provides it. */
function storeOf(configDir: string): TaskStoreV1 {
  return createTaskStore({
    workDir: join(configDir, 'work/collaboration'),
    projectDir: configDir,
    agents: ['writer'],
  });
}

function commandInput(
  configDir: string,
  options: Record<string, unknown>,
  telemetry: TelemetryQueryV1 = emptyTelemetry,
  /** null: no plugin provides a task store. */
  store: TaskStoreV1 | null = storeOf(configDir),
) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let printed = '';
  stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const kernel = {
    config: async () => ({ dir: configDir, project: 'alpha', agents: { writer: {} } }),
    service: async (token: symbol) =>
      token === TelemetryQueryToken ? telemetry : token === TaskStoreToken ? (store ?? undefined) : undefined,
  } as unknown as Kernel;
  const input: CommandInput = {
    args: [],
    options,
    io: { stdout, stderr, interactive: false },
    kernel: async () => kernel,
  };
  return { input, printed: () => printed };
}

describe('runDashboard', () => {
  it('prints the URL with the token, serves the board of --work-dir, and returns 0 on SIGTERM', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'dashboard-config-'));
    mkdirSync(join(configDir, 'tasks/inbox'), { recursive: true });
    writeFileSync(
      join(configDir, 'tasks/inbox/a.yaml'),
      'id: a\nagent: writer\nstatus: new\ntitle: A task\ncreated_at: 2026-12-01T09:00:00Z\n',
    );
    const { input, printed } = commandInput(configDir, {
      port: '0',
      host: '127.0.0.1',
      workDir: 'tasks',
      token: TOKEN,
      configDir,
    });
    expect(BudgetReporterToken).toBeTypeOf('symbol');
    const signalsBefore = process.listenerCount('SIGTERM');
    const running = runDashboard(input);
    const match = await until(
      () => /^Dashboard: http:\/\/127\.0\.0\.1:(\d+)\/\?token=(\S+)$/m.exec(printed()) ?? undefined,
    );
    expect(match[2]).toBe(TOKEN);
    expect(printed()).toContain('Ctrl-C');
    const port = Number(match[1]);
    const snapshot = await send(port, {
      path: '/api/snapshot',
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(snapshot.status).toBe(200);
    expect(JSON.parse(snapshot.body)).toMatchObject({
      board: { available: true, workDir: join(configDir, 'tasks'), agents: ['writer'] },
      tasks: [{ key: 'a', path: 'inbox/a.yaml', title: 'A task', column: 'inbox' }],
      spend: { budgets: null },
    });

    process.emit('SIGTERM', 'SIGTERM');
    await expect(running).resolves.toBe(0);
    expect(process.listenerCount('SIGTERM')).toBe(signalsBefore);
    await expect(send(port, { path: '/' })).rejects.toThrow();
  });

  it('shows no board, and says which plugin adds one, when no plugin provides a task store', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'dashboard-config-'));
    const { input, printed } = commandInput(configDir, { port: '0', token: TOKEN }, emptyTelemetry, null);
    const running = runDashboard(input);
    const match = await until(
      () => /^Dashboard: http:\/\/127\.0\.0\.1:(\d+)\//m.exec(printed()) ?? undefined,
    );
    const port = Number(match[1]);
    const headers = { Authorization: `Bearer ${TOKEN}` };
    const snapshot = JSON.parse(
      (await send(port, { path: '/api/snapshot', headers })).body,
    ) as DashboardSnapshot;
    expect(snapshot.tasks).toEqual([]);
    expect(snapshot.board).toEqual({
      available: false,
      reason: expect.stringContaining('@llm-service/tasks'),
    });
    const create = await send(port, {
      method: 'POST',
      path: '/api/tasks',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ agent: 'writer', title: 'x' }),
    });
    expect(create.status).toBe(404);
    expect(JSON.parse(create.body).error).toContain('@llm-service/tasks');
    process.emit('SIGTERM', 'SIGTERM');
    await expect(running).resolves.toBe(0);
  });

  it('generates a token when none is given', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'dashboard-config-'));
    const { input, printed } = commandInput(configDir, { port: '0' });
    const running = runDashboard(input);
    const match = await until(() => /\?token=([A-Za-z0-9_-]+)$/m.exec(printed()) ?? undefined);
    expect(match[1]).toHaveLength(32);
    process.emit('SIGINT', 'SIGINT');
    await expect(running).resolves.toBe(0);
  });

  /** Telemetry of two projects that records every filter it is asked for, as the SQL filter would apply them. */
  function twoProjects() {
    const { key: _key, ...alpha } = invocationRow({ invocationId: 'a', project: 'alpha', status: 'success' });
    const beta: InvocationRecord = { ...alpha, invocationId: 'b', project: 'beta', status: 'running' };
    const filters: InvocationFilter[] = [];
    const match = (filter: InvocationFilter) => (record: InvocationRecord) =>
      filter.project === undefined || record.project === filter.project;
    const telemetry: TelemetryQueryV1 = {
      specificationVersion: 'v1',
      invocations: async (filter) => (filters.push(filter), [alpha, beta].filter(match(filter))),
      aggregate: async ({ filter }) => (filters.push(filter), []),
      running: async () => [beta],
      savings: async (filter) => (filters.push(filter), { baselineUsd: 0, actualUsd: 0 }),
    };
    return { telemetry, filters };
  }

  async function snapshotOf(options: Record<string, unknown>) {
    const configDir = mkdtempSync(join(tmpdir(), 'dashboard-config-'));
    const { telemetry, filters } = twoProjects();
    const { input, printed } = commandInput(configDir, { port: '0', token: TOKEN, ...options }, telemetry);
    const running = runDashboard(input);
    const match = await until(
      () => /^Dashboard: http:\/\/127\.0\.0\.1:(\d+)\//m.exec(printed()) ?? undefined,
    );
    const response = await send(Number(match[1]), {
      path: '/api/snapshot',
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    process.emit('SIGTERM', 'SIGTERM');
    await expect(running).resolves.toBe(0);
    return { snapshot: JSON.parse(response.body) as DashboardSnapshot, filters };
  }

  it("shows the config's project only, and every project with --all-projects", async () => {
    const scoped = await snapshotOf({});
    expect(scoped.snapshot).toMatchObject({ project: 'alpha', allProjects: false });
    expect(scoped.snapshot.invocations.map((row) => row.key)).toEqual(['a#1']);
    expect(scoped.filters.length).toBeGreaterThan(2);
    expect(scoped.filters.every((filter) => filter.project === 'alpha')).toBe(true);

    const all = await snapshotOf({ allProjects: true });
    expect(all.snapshot).toMatchObject({ project: 'alpha', allProjects: true });
    expect(all.snapshot.invocations.map((row) => row.key).sort()).toEqual(['a#1', 'b#1']);
    expect(all.filters.every((filter) => filter.project === undefined)).toBe(true);
  });

  it('refuses bad options before loading anything', async () => {
    const { input } = commandInput('/nonexistent', { port: '99999' });
    await expect(runDashboard(input)).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});
