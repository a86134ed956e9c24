/**
 * `llm-service tasks run --watch` as users run it (the built CLI): it keeps running on an empty board and runs the
 * tasks other processes assign meanwhile; it puts a task a hard budget blocked back to `assigned`, and runs it, once
 * the budget allows it again; SIGTERM ends it with 143 and leaves no task `in_progress`.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskV1 } from '@llm-service/spec';
import {
  callsByTask,
  createProject,
  eventually,
  jsonLines,
  leaseFiles,
  processExists,
  readTasks,
  runCli,
  waitFor,
  writeTask,
  type CliRun,
  type Project,
} from './runner-support.js';

interface Watcher {
  child: ChildProcess;
  /** Settles when the runner has exited, with its exit code and everything it printed. */
  finished: Promise<CliRun>;
  exited: () => boolean;
}

const started: ChildProcess[] = [];

/** `tasks run --watch --json` in the background. */
function watch(project: Project): Watcher {
  let child: ChildProcess | undefined;
  let exited = false;
  const finished = runCli(project, ['tasks', 'run', '--watch', '--json'], {
    onSpawn: (spawned) => {
      child = spawned;
      started.push(spawned);
    },
  }).finally(() => (exited = true));
  return { child: child!, finished, exited: () => exited };
}

// A watching runner never ends by itself: one a failed test left running is killed (by its pid, through its handle).
afterEach(() => {
  for (const child of started.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function taskById(project: Project, id: string): Promise<TaskV1 | undefined> {
  return (await readTasks(project)).find((task) => task.id === id);
}

async function statusOf(project: Project, id: string): Promise<string | undefined> {
  return (await taskById(project, id))?.status;
}

/** `tasks new --assign` from another process, as a person would; the new task's id. */
async function assignNew(project: Project, agent: string, title: string): Promise<string> {
  const created = await runCli(project, [
    'tasks',
    'new',
    '--agent',
    agent,
    '--title',
    title,
    '--assign',
    '--json',
  ]);
  expect(created.stderr).toBe('');
  expect(created.code).toBe(0);
  const task = JSON.parse(created.stdout) as TaskV1;
  expect(task.status).toBe('assigned');
  return task.id;
}

describe('tasks run --watch', () => {
  it('keeps running on an empty board, and runs each task another process assigns meanwhile', async () => {
    const project = createProject();
    const watcher = watch(project);
    // A runner without --watch, started after the watching one on the same empty board, finds nothing and exits;
    // the watching one, which had as long to do the same, is still running.
    const drain = await runCli(project, ['tasks', 'run']);
    expect(drain.code).toBe(0);
    expect(drain.stdout).toContain('tasks run: 0 tasks');
    expect(watcher.exited()).toBe(false);

    // The second task is created only once the first is done: the runner can only have found it by watching.
    const ids: string[] = [];
    for (const title of ['Plan the export', 'Plan the import']) {
      const id = await assignNew(project, 'planner', title);
      ids.push(id);
      await eventually(async () => (await statusOf(project, id)) === 'done', `${id} done`);
      expect(watcher.exited()).toBe(false);
    }

    // Idle again: SIGTERM ends it.
    watcher.child.kill('SIGTERM');
    const run = await watcher.finished;
    expect(run.code).toBe(143);
    expect(run.stderr).toBe('');
    const lines = jsonLines(run.stdout);
    expect(
      lines.map((line) => `${String(line.type)}:${String(line.id ?? '')}:${String(line.status ?? '')}`),
    ).toEqual([`task:${ids[0]}:done`, `task:${ids[1]}:done`, 'summary::']);
    expect(lines[2]).toMatchObject({ type: 'summary', tasks: 2, done: 2, interrupted: 0, exitCode: 143 });
    for (const id of ids) {
      const task = (await taskById(project, id))!;
      expect(task.result!.costUsd).toBeGreaterThan(0);
      expect(readFileSync(join(project.workDir, task.result!.answer!), 'utf8')).toContain(
        `The planner worked on ${id}.`,
      );
    }
    expect(leaseFiles(project)).toEqual([]);
  }, 90_000);

  it('puts a task a hard budget blocked back to assigned, and runs it, once its budget allows it again', async () => {
    // Every prompt is the one token `hello` (the agents' template is the title) on a model that costs $1 a prompt
    // token and nothing for output: each task costs exactly $1.00. Each agent may spend $1.50 a day.
    const project = createProject({
      agents: ['planner', 'architect'],
      models: 'version: 1\nmodels:\n  model-a: { input_per_mtok: 1000000, output_per_mtok: 0 }\n',
      policies: [
        'version: 1',
        'budgets:',
        "  - { scope: 'agent:planner', period: daily, limit_usd: 1.5, mode: hard }",
        "  - { scope: 'agent:architect', period: daily, limit_usd: 1.5, mode: hard }",
        'estimate: { default_output_tokens: 0 }',
        '',
      ].join('\n'),
      tasksSection: ['  templates:', '    planner: one-token.md', '    architect: one-token.md'],
      extraFiles: { 'one-token.md': '{{title}}' },
    });
    // Each agent spends $1.00 of its $1.50, the planner first: the spend recorded before `cutoff` is the planner's.
    writeTask(project, { id: 'plan-1', agent: 'planner', title: 'hello' });
    expect((await runCli(project, ['tasks', 'run'])).code).toBe(0);
    const cutoff = new Date().toISOString();
    await waitFor(() => new Date().toISOString() > cutoff);
    writeTask(project, { id: 'design-1', agent: 'architect', title: 'hello' });
    expect((await runCli(project, ['tasks', 'run'])).code).toBe(0);

    // A second task each: both cost more than what is left of their budget.
    writeTask(project, { id: 'plan-2', agent: 'planner', title: 'hello', createdAt: '2026-12-01T09:00:01Z' });
    writeTask(project, {
      id: 'design-2',
      agent: 'architect',
      title: 'hello',
      createdAt: '2026-12-01T09:00:02Z',
    });
    const watcher = watch(project);
    await eventually(
      async () => (await readTasks(project)).filter((task) => task.status === 'blocked').length === 2,
      'plan-2 and design-2 blocked',
    );
    expect((await taskById(project, 'plan-2'))!.error).toMatchObject({
      kind: 'policy',
      message: expect.stringMatching(
        /^hard daily budget 'agent:planner' would be exceeded: spent \$1\.00 of \$1\.50/,
      ),
    });

    // The planner's budget allows its task again once its spend is gone. Raising limit_usd in policies.yaml is
    // what a user would do, but the watching runner's kernel read policies.yaml when it started and never again,
    // so a raised limit goes unnoticed; deleting the recorded spend is noticed, because the ledger is read afresh.
    const pruneStartedAt = new Date().toISOString();
    const pruned = await runCli(project, ['telemetry', 'prune', '--before', cutoff]);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toMatch(/^Deleted 1 invocation started before /);
    const budget = await runCli(project, ['budget', '--json']);
    expect(
      (JSON.parse(budget.stdout) as { budgets: { scope: string; spentUsd: number }[] }).budgets.map(
        (each) => `${each.scope}=${each.spentUsd}`,
      ),
    ).toEqual(['agent:planner=0', 'agent:architect=1']);

    // The runner looks at blocked tasks once a minute.
    await eventually(async () => (await statusOf(project, 'plan-2')) === 'done', 'plan-2 done', 150_000);
    expect(watcher.exited()).toBe(false);
    watcher.child.kill('SIGTERM');
    const run = await watcher.finished;
    expect(run.code).toBe(143);

    const plan = (await taskById(project, 'plan-2'))!;
    expect(plan.result).toMatchObject({ costUsd: 1, attempts: 1, answer: 'runs/plan-2/answer.md' });
    expect(existsSync(join(project.workDir, 'runs/plan-2/answer.md'))).toBe(true);
    // The architect's budget still does not allow its task: it stays blocked, untouched.
    const design = (await taskById(project, 'design-2'))!;
    expect(design.status).toBe('blocked');
    expect(design.error).toMatchObject({
      kind: 'policy',
      message: expect.stringMatching(/^hard daily budget 'agent:architect' would be exceeded/),
    });

    const putBack = run.stderr.split('\n').filter((line) => line.includes('put back to assigned'));
    expect(putBack).toEqual([
      expect.stringMatching(
        /^llm-service: plan-2 \(planner\): put back to assigned by the runner pid \d+ on .+: its budget allows it again \(checked \S+\)$/,
      ),
    ]);
    const checkedAt = /\(checked (\S+)\)$/.exec(putBack[0]!)![1]!;
    // Checked once the spend was being deleted, not before (the note's time has whole seconds).
    expect(checkedAt >= pruneStartedAt.replace(/\.\d{3}Z$/, 'Z')).toBe(true);
    const lines = jsonLines(run.stdout);
    const outcomes = (id: string) =>
      lines.filter((line) => line.type === 'task' && line.id === id).map((line) => line.status);
    expect(outcomes('plan-2')).toEqual(['blocked', 'done']);
    expect(outcomes('design-2')).toEqual(['blocked']);
    expect(lines.at(-1)).toMatchObject({
      type: 'summary',
      tasks: 2,
      runs: 3,
      done: 1,
      blocked: 2,
      exitCode: 143,
    });
    expect(leaseFiles(project)).toEqual([]);
  }, 240_000);

  it('SIGTERM while a task runs: exits 143, ends the tool, and puts the task back to assigned', async () => {
    const project = createProject({ toolEnv: { HANDOFF_DELAY_MS: '120000' } });
    const watcher = watch(project);
    const id = await assignNew(project, 'planner', 'Plan slowly');
    await waitFor(() => callsByTask(project).has(id));
    expect(await statusOf(project, id)).toBe('in_progress');
    const toolPid = Number(
      readFileSync(project.log, 'utf8')
        .split('\n')
        .find((line) => line.startsWith(`${id} `))!
        .split(' ')[2],
    );
    expect(processExists(toolPid)).toBe(true);

    const signalledAt = Date.now();
    watcher.child.kill('SIGTERM');
    const run = await watcher.finished;
    expect(run.code).toBe(143);
    // It did not wait for the tool's two minutes.
    expect(Date.now() - signalledAt).toBeLessThan(20_000);

    const tasks = await readTasks(project);
    expect(tasks.filter((task) => task.status === 'in_progress')).toEqual([]);
    const task = tasks.find((each) => each.id === id)!;
    expect(task).toMatchObject({ status: 'assigned', error: { kind: 'interrupted' } });
    expect(task.error!.message).toMatch(
      /^interrupted by SIGTERM after \d+ s; put back to assigned by the runner pid \d+ on /,
    );
    expect(task.startedAt).toBeUndefined();
    expect(leaseFiles(project)).toEqual([]);
    await waitFor(() => !processExists(toolPid), 10_000);
    expect(jsonLines(run.stdout)).toEqual([
      expect.objectContaining({ type: 'task', id, status: 'assigned' }),
      expect.objectContaining({ type: 'summary', tasks: 1, interrupted: 1, exitCode: 143 }),
    ]);
  }, 60_000);
});
