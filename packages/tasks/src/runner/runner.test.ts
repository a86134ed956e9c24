import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  Candidate,
  InvocationRequest,
  LlmServiceEvent,
  PolicyDecision,
  PolicyV1,
  ResolvedConfig,
  TaskEvent,
} from '@llm-service/spec';
import { createKernel, type Kernel } from '@llm-service/core';
import {
  collectEvents,
  createScriptedAdapter,
  definePluginForTests,
  writeTestConfig,
  type Script,
} from '@llm-service/testkit/testing';
import { currentProcessIdentity } from '@llm-service/plugin-kit';
import { FileTaskStore } from '../store/task-store.js';
import { Leases } from './lease.js';
import type { RunOptions } from './options.js';
import { createReporter } from './progress.js';
import { TaskRunner } from './runner.js';

/**
 * The runner in-process: core's kernel with scripted adapters, a real work directory and the real task store. The
 * built CLI and real processes are exercised by test/runner*.e2e.test.ts.
 */
const directories: string[] = [];
const kernels: Kernel[] = [];
afterEach(async () => {
  for (const kernel of kernels.splice(0)) await kernel.dispose();
  for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const text = (request: InvocationRequest) => Buffer.from(request.prompt).toString('utf8');
const handOff = (fields: Record<string, string>) =>
  `Done.\n\n\`\`\`yaml\n${Object.entries(fields)
    .map(([key, value]) => `${key}: ${value}`)
    .join('\n')}\n\`\`\`\n`;

function setup(
  options: { a?: Script; b?: Script; policies?: PolicyV1[]; settings?: Record<string, unknown> } = {},
) {
  const root = mkdtempSync(join(tmpdir(), 'tasks-runner-'));
  directories.push(root);
  const configDir = join(root, 'config');
  writeTestConfig(configDir, {
    agents: {
      planner: { preferred_tool: 'a', preferred_model: 'm1', fallback_chain: ['b:m2'] },
      architect: { preferred_tool: 'a', preferred_model: 'm1' },
      'backend-dev': { preferred_tool: 'a', preferred_model: 'm1' },
    },
    tools: {
      a: { adapter: 'a', binary: 'tool-a', models: ['m1'] },
      b: { adapter: 'b', binary: 'tool-b', models: ['m2'] },
    },
    models: { m1: { input_per_mtok: 3, output_per_mtok: 15 }, m2: { input_per_mtok: 1, output_per_mtok: 5 } },
    ...(options.settings ? { settings: options.settings } : {}),
  });
  const a = createScriptedAdapter('a', options.a ?? [{ answer: 'from a', reportedCostUsd: 0.01 }]);
  const b = createScriptedAdapter('b', options.b ?? [{ answer: 'from b', reportedCostUsd: 0.02 }]);
  const kernel = createKernel({
    configDir,
    cwd: root,
    env: { HOME: root },
    plugins: [definePluginForTests({ adapters: [a, b], policies: options.policies ?? [] })],
  });
  kernels.push(kernel);
  const events = collectEvents(kernel);
  const workDir = join(root, 'work');
  const store = new FileTaskStore({
    workDir,
    projectDir: root,
    agents: ['planner', 'architect', 'backend-dev'],
  });
  return { root, kernel, a, b, events, store, workDir };
}

async function runner(
  context: ReturnType<typeof setup>,
  options: Partial<RunOptions> = {},
  extra: { pollMs?: number; blockedRecheckMs?: number; renewMs?: number } = {},
) {
  const config: ResolvedConfig = await context.kernel.config();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const runOptions: RunOptions = {
    agents: [],
    concurrency: 1,
    mode: 'drain',
    maxTasks: undefined,
    dryRun: false,
    json: true,
    workDir: undefined,
    ...options,
  };
  const identity = currentProcessIdentity();
  const instance = new TaskRunner({
    kernel: context.kernel,
    store: context.store,
    config,
    settings: { templates: new Map(), maxHandoffs: 10, projectDir: context.root },
    options: runOptions,
    reporter: createReporter({ stdout, stderr, interactive: false, color: false }, runOptions.json),
    leases: new Leases({ workDir: context.workDir, identity, runner: 'test-runner' }),
    env: {},
    runnerName: 'test',
    ...extra,
  });
  const lines = () =>
    out
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { instance, lines, stderr: () => err };
}

const taskEvents = (events: readonly LlmServiceEvent[]) =>
  events.filter((event): event is TaskEvent => event.type.startsWith('task.'));

describe('the task runner', () => {
  it('runs a planner → architect → backend-dev pipeline from one task, in one chain, with the costs summed', async () => {
    const next: Record<string, string> = { planner: 'architect', architect: 'backend-dev' };
    const context = setup({
      a: (request) => {
        const agent = request.agent;
        mkdirSync(join(context.root, 'docs'), { recursive: true });
        writeFileSync(join(context.root, `docs/${agent}.md`), `by ${agent}\n`);
        return {
          answer: handOff({
            summary: `${agent} did its part`,
            artefacts: `[docs/${agent}.md]`,
            ...(next[agent] ? { next_agent: next[agent], next_task_title: `Continue after ${agent}` } : {}),
          }),
          reportedCostUsd: 0.25,
        };
      },
    });
    const first = await context.store.create({
      agent: 'planner',
      title: 'Plan the export feature',
      assign: true,
    });
    const { instance, lines } = await runner(context);
    expect(await instance.run()).toBe(0);

    const listed = (await context.store.list()).tasks;
    const tasks = ['planner', 'architect', 'backend-dev'].map((agent) =>
      listed.find((task) => task.agent === agent)!,
    );
    expect(listed).toHaveLength(3);
    expect(tasks.map((task) => task.status)).toEqual(['done', 'done', 'done']);
    const chain = tasks[0]!.result!.chainId!;
    for (const task of tasks) {
      expect(task.result).toMatchObject({
        chainId: chain,
        costUsd: 0.25,
        attempts: 1,
        tool: 'a',
        model: 'm1',
      });
      expect(readFileSync(join(context.workDir, task.result!.answer!), 'utf8')).toContain(
        `${task.agent} did its part`,
      );
    }
    // Each follow-up depends on its parent, gets its artefacts as context, and its prompt shows the parent's work.
    expect(tasks[1]).toMatchObject({
      title: 'Continue after planner',
      dependsOn: [first.id],
      context: { files: ['docs/planner.md'] },
    });
    const architectPrompt = text(context.a.calls[1]!.request);
    expect(architectPrompt).toContain('<context file="docs/planner.md">\nby planner\n</context>');
    expect(architectPrompt).toContain(
      `- ${first.id} (planner): Plan the export feature\n  planner did its part`,
    );
    expect(context.a.calls.map((call) => call.request.chainId)).toEqual([chain, chain, chain]);

    const summary = lines().at(-1);
    expect(summary).toMatchObject({
      type: 'summary',
      tasks: 3,
      done: 3,
      created: 2,
      costUsd: 0.75,
      exitCode: 0,
    });
    expect(taskEvents(context.events).map((event) => `${event.type} ${event.agent}`)).toEqual([
      'task.started planner',
      'task.created architect',
      'task.completed planner',
      'task.started architect',
      'task.created backend-dev',
      'task.completed architect',
      'task.started backend-dev',
      'task.completed backend-dev',
    ]);
    expect(taskEvents(context.events).every((event) => event.chainId === chain)).toBe(true);
    expect(readdirSync(join(context.workDir, 'runs', first.id))).toEqual(['answer.md']);
  });

  it('sums every attempt, fallbacks included, records the failures beside the answer, and the task id on each', async () => {
    const context = setup({
      a: [
        {
          fail: 'rate-limit',
          message: 'tool-a: 429 Too Many Requests',
          error: { retrySameTool: false, reportedCostUsd: 0.5 },
        },
      ],
      b: [{ answer: 'fine', reportedCostUsd: 0.25 }],
    });
    const task = await context.store.create({ agent: 'planner', title: 'Plan', assign: true });
    const { instance, lines } = await runner(context);
    expect(await instance.run()).toBe(0);
    expect(lines()[0]).toMatchObject({
      type: 'task',
      status: 'done',
      attempts: 2,
      costUsd: 0.75,
      tool: 'b',
      summary: 'fine',
    });
    expect((await context.store.get(task.id))?.result).toMatchObject({
      costUsd: 0.75,
      attempts: 2,
      tool: 'b',
    });
    expect(readFileSync(join(context.workDir, 'runs', task.id, 'attempts.log'), 'utf8')).toBe(
      'attempt 1 a:m1 (preferred) failed (rate-limit): tool-a: 429 Too Many Requests\n',
    );
    const started = context.events.filter((event) => event.type === 'invocation.started');
    expect(started.map((event) => ('taskId' in event ? event.taskId : undefined))).toEqual([
      task.id,
      task.id,
    ]);
  });

  it('marks a failed task error with the failure kind and message, and exits 1', async () => {
    const context = setup({
      a: [{ fail: 'auth', message: 'tool-a: not logged in' }],
      b: [{ fail: 'auth', message: 'tool-b: no key' }],
    });
    const task = await context.store.create({ agent: 'planner', title: 'Plan', assign: true });
    const { instance } = await runner(context);
    expect(await instance.run()).toBe(1);
    const failed = await context.store.get(task.id);
    expect(failed).toMatchObject({ status: 'error', error: { kind: 'auth', attempts: 2 } });
    expect(failed?.error?.message).toMatch(
      /^no available tool for agent 'planner': tried a:m1 \(auth: tool-a: not logged in\)/,
    );
    expect(failed?.error?.message).not.toContain('\n');
  });

  it('marks a task a policy blocks as blocked with its message, and exits 3', async () => {
    const budget: PolicyV1 = {
      specificationVersion: 'v1',
      id: 'budget',
      evaluate: (): PolicyDecision => ({
        action: 'block',
        message: "hard daily budget 'global' would be exceeded",
        hints: [],
        endsRequest: true,
      }),
    };
    const context = setup({ policies: [budget] });
    const task = await context.store.create({ agent: 'planner', title: 'Plan', assign: true });
    const { instance, lines } = await runner(context);
    expect(await instance.run()).toBe(3);
    expect(await context.store.get(task.id)).toMatchObject({
      status: 'blocked',
      error: { kind: 'policy', message: "hard daily budget 'global' would be exceeded" },
    });
    expect(lines()[0]).toMatchObject({ status: 'blocked', attempts: 0 });
    expect(context.a.calls).toHaveLength(0);
  });

  it('on interrupt, aborts the running tool and puts the task back to assigned with a note, its lease gone', async () => {
    const context = setup({ a: [{ hang: true }] });
    const task = await context.store.create({ agent: 'planner', title: 'Plan', assign: true });
    const { instance, lines } = await runner(context);
    const running = instance.run();
    while (context.a.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    instance.interrupt(130);
    expect(await running).toBe(130);
    expect(context.a.calls[0]!.aborted).toBe(true);
    const back = await context.store.get(task.id);
    expect(back).toMatchObject({ status: 'assigned', error: { kind: 'interrupted' } });
    expect(back?.error?.message).toBe(
      'interrupted by SIGINT (Ctrl-C) after 0 s; put back to assigned by the runner test',
    );
    expect(readdirSync(join(context.workDir, 'runs', task.id))).toEqual([]);
    expect(lines().at(-1)).toMatchObject({ type: 'summary', interrupted: 1, exitCode: 130 });
  });

  it('puts back and runs a task left in progress by a runner that ended, and says so', async () => {
    const context = setup();
    const created = await context.store.create({ agent: 'planner', title: 'Plan', assign: true });
    await context.store.transition(created.id, { to: 'in_progress' }, created.revision);
    const ended = Number(
      spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout,
    );
    const identity = { ...currentProcessIdentity(), pid: ended };
    const dead = await new Leases({ workDir: context.workDir, identity, runner: 'dead' }).claim(created.id);
    if (!dead.ok) throw new Error(dead.reason);
    // What kill -9 leaves: the file (the handle is let go here only because this process lives on).
    await dead.lease.close();
    const { instance, stderr } = await runner(context);
    expect(await instance.run()).toBe(0);
    expect(await context.store.get(created.id)).toMatchObject({ status: 'done' });
    expect(stderr()).toContain(
      `${created.id} (planner): put back to assigned by the runner test: its runner (pid ${ended} on`,
    );
    const assigned = taskEvents(context.events).find((event) => event.type === 'task.assigned');
    expect(assigned).toMatchObject({ taskId: created.id, note: expect.stringContaining('has ended') });
    expect(readdirSync(join(context.workDir, 'runs', created.id))).toEqual(['answer.md']);
  });

  it('leaves a task alone while a live runner holds its lease', async () => {
    const context = setup();
    const created = await context.store.create({ agent: 'planner', title: 'Plan', assign: true });
    const other = await new Leases({
      workDir: context.workDir,
      identity: { ...currentProcessIdentity(), runner: 'x' } as ReturnType<typeof currentProcessIdentity>,
      runner: 'other',
    }).claim(created.id);
    if (!other.ok) throw new Error(other.reason);
    await context.store.transition(created.id, { to: 'in_progress' }, created.revision);
    const { instance, lines } = await runner(context);
    expect(await instance.run()).toBe(0);
    expect(context.a.calls).toHaveLength(0);
    expect(lines()).toEqual([expect.objectContaining({ type: 'summary', tasks: 0 })]);
    await other.lease.release();
  });

  it('takes the most urgent first, stops after --max-tasks, and --once does not take tasks created meanwhile', async () => {
    const context = setup({
      a: () => ({ answer: handOff({ summary: 'ok', next_agent: 'architect' }) }),
    });
    const low = await context.store.create({ agent: 'planner', title: 'Low', priority: 'low', assign: true });
    const high = await context.store.create({
      agent: 'planner',
      title: 'High',
      priority: 'high',
      assign: true,
    });
    const capped = await runner(context, { maxTasks: 1 });
    expect(await capped.instance.run()).toBe(0);
    expect(capped.lines().map((line) => line.id)).toEqual([high.id, undefined]);
    const once = await runner(context, { mode: 'once', agents: ['planner'] });
    expect(await once.instance.run()).toBe(0);
    expect(once.lines().map((line) => line.id)).toEqual([low.id, undefined]);
    // The hand-offs created two architect tasks; neither ran.
    expect((await context.store.list({ status: ['assigned'] })).tasks.map((task) => task.agent)).toEqual([
      'architect',
      'architect',
    ]);
  });

  it('--dry-run lists what would run, in order, with the prompt size, and changes nothing', async () => {
    const context = setup();
    const normal = await context.store.create({ agent: 'planner', title: 'Normal', assign: true });
    const critical = await context.store.create({
      agent: 'architect',
      title: 'Critical',
      priority: 'critical',
      assign: true,
    });
    await context.store.create({ agent: 'planner', title: 'Later', assign: true, dependsOn: [normal.id] });
    const before = readdirSync(context.workDir, { recursive: true });
    const { instance, lines } = await runner(context, { dryRun: true });
    expect(await instance.dryRun()).toBe(0);
    const planned = lines();
    expect(planned.map((line) => line.id)).toEqual([critical.id, normal.id, undefined]);
    expect(planned[0]).toMatchObject({
      type: 'planned',
      agent: 'architect',
      tool: 'a',
      model: 'm1',
      refused: null,
    });
    expect(planned[0]!.promptBytes).toBeGreaterThan(100);
    expect(planned[2]).toEqual({ type: 'summary', dryRun: true, runnable: 2, waiting: 1 });
    expect(readdirSync(context.workDir, { recursive: true })).toEqual(before);
    expect(context.a.calls).toHaveLength(0);
  });

  it('under --watch, runs tasks assigned later, and puts a blocked task back when its budget allows it again', async () => {
    let blocking = true;
    const budget: PolicyV1 = {
      specificationVersion: 'v1',
      id: 'budget',
      evaluate: (candidate: Candidate): PolicyDecision =>
        blocking
          ? { action: 'block', message: `over budget on ${candidate.tool}`, hints: [], endsRequest: true }
          : { action: 'allow' },
    };
    const context = setup({ policies: [budget] });
    const blockedTask = await context.store.create({
      agent: 'planner',
      title: 'Blocked first',
      assign: true,
    });
    const { instance, lines } = await runner(
      context,
      { mode: 'watch' },
      { pollMs: 50, blockedRecheckMs: 100 },
    );
    const running = instance.run();
    const until = async (condition: () => Promise<boolean>) => {
      const deadline = Date.now() + 10_000;
      while (!(await condition())) {
        if (Date.now() > deadline) throw new Error('not in time');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await until(async () => (await context.store.get(blockedTask.id))?.status === 'blocked');
    blocking = false;
    const later = await context.store.create({ agent: 'architect', title: 'Assigned later', assign: true });
    await until(async () => (await context.store.get(later.id))?.status === 'done');
    await until(async () => (await context.store.get(blockedTask.id))?.status === 'done');
    instance.interrupt(130);
    expect(await running).toBe(130);
    expect(lines().map((line) => `${line.type} ${line.status ?? ''}`)).toEqual([
      'task blocked',
      'task done',
      'task done',
      'summary ',
    ]);
    const notes = taskEvents(context.events).filter((event) => event.type === 'task.assigned');
    expect(notes).toEqual([
      expect.objectContaining({
        taskId: blockedTask.id,
        note: expect.stringContaining('its budget allows it again'),
      }),
    ]);
    expect(existsSync(join(context.workDir, 'runs', blockedTask.id, 'lease.1'))).toBe(false);
  });

  it('under --watch, a deferring block puts the task back until the time it lifts, then runs it', async () => {
    // A `defer` plan-limit rule: blocked until the window resets, said by the block's resumeAt.
    const resetsAt = Date.now() + 700;
    const window: PolicyV1 = {
      specificationVersion: 'v1',
      id: 'plan-limits',
      evaluate: (candidate: Candidate): PolicyDecision =>
        Date.now() < resetsAt
          ? {
              action: 'block',
              message: `${candidate.tool}'s five_hour window is at 93%`,
              hints: [],
              endsRequest: false,
              resumeAt: new Date(resetsAt).toISOString(),
            }
          : { action: 'allow' },
    };
    let ranAt = Number.NaN;
    const context = setup({
      policies: [window],
      a: () => {
        ranAt = Date.now();
        return { answer: 'from a', reportedCostUsd: 0.01 };
      },
    });
    const task = await context.store.create({
      agent: 'architect',
      title: 'Waits for the reset',
      assign: true,
    });
    const { instance, lines } = await runner(context, { mode: 'watch' }, { pollMs: 50 });
    const running = instance.run();
    const deadline = Date.now() + 10_000;
    while ((await context.store.get(task.id))?.status !== 'done') {
      if (Date.now() > deadline) throw new Error('the deferred task did not run after the reset');
      // While deferred, the task is assigned and not run again (the runner polls every 50 ms meanwhile).
      if (Date.now() < resetsAt - 100) expect((await context.store.get(task.id))?.status).not.toBe('blocked');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    instance.interrupt(130);
    expect(await running).toBe(130);
    expect(context.a.calls).toHaveLength(1);
    expect(ranAt).toBeGreaterThanOrEqual(resetsAt);
    expect(lines().map((line) => `${line.type} ${line.status ?? ''}`)).toEqual([
      'task assigned',
      'task done',
      'summary ',
    ]);
    const notes = taskEvents(context.events).filter((event) => event.type === 'task.assigned');
    expect(notes).toEqual([
      expect.objectContaining({
        taskId: task.id,
        note: expect.stringMatching(
          /^deferred until \S+Z by the runner test: a's five_hour window is at 93%/,
        ),
      }),
    ]);
  });

  it('without --watch, a deferring block blocks the task as any block does', async () => {
    const window: PolicyV1 = {
      specificationVersion: 'v1',
      id: 'plan-limits',
      evaluate: (): PolicyDecision => ({
        action: 'block',
        message: "a's five_hour window is at 93%",
        hints: [],
        endsRequest: false,
        resumeAt: new Date(Date.now() + 60_000).toISOString(),
      }),
    };
    const context = setup({ policies: [window] });
    const task = await context.store.create({ agent: 'architect', title: 'Blocked', assign: true });
    const { instance } = await runner(context);
    expect(await instance.run()).toBe(3);
    expect(await context.store.get(task.id)).toMatchObject({ status: 'blocked', error: { kind: 'policy' } });
  });
});
