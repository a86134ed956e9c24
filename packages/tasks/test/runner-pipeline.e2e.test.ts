/**
 * `llm-service tasks run` as users run it (the built CLI): one assigned task becomes a planner → architect →
 * backend-dev pipeline through the hand-off blocks of the answers, in one chain whose cost `stats` reports.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProject, jsonLines, leaseFiles, readTasks, runCli, writeTask } from './runner-support.js';

describe('tasks run: hand-offs', () => {
  it('turns one assigned task into three done tasks for three agents, in one chain whose cost stats reports', async () => {
    const project = createProject({ toolEnv: { HANDOFF_NEXT: 'planner=architect,architect=backend-dev' } });
    writeTask(project, { id: 'plan-export', agent: 'planner', title: 'Plan the export feature' });

    const run = await runCli(project, ['tasks', 'run', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);

    const tasks = await readTasks(project);
    const byAgent = (agent: string) => tasks.find((task) => task.agent === agent)!;
    const [planner, architect, developer] = ['planner', 'architect', 'backend-dev'].map(byAgent);
    expect(tasks).toHaveLength(3);
    expect(tasks.map((task) => task.status)).toEqual(['done', 'done', 'done']);
    const chain = planner!.result!.chainId!;
    expect(chain).toMatch(/^[0-9a-f-]{36}$/);
    for (const task of [planner!, architect!, developer!]) {
      expect(task.result).toMatchObject({ chainId: chain, tool: 'llm', model: 'model-a', attempts: 1 });
      expect(task.result!.costUsd).toBeGreaterThan(0);
      expect(task.result!.summary).toBe(`${task.agent} finished ${task.id}`);
      expect(task.result!.answer).toBe(`runs/${task.id}/answer.md`);
      expect(readFileSync(join(project.workDir, task.result!.answer!), 'utf8')).toContain(
        `The ${task.agent} worked on`,
      );
    }
    // Each follow-up depends on its parent, in the same chain, with the parent's artefact as context.
    expect(architect).toMatchObject({
      dependsOn: ['plan-export'],
      title: 'architect continues plan-export',
      context: { files: ['docs/planner-plan-export.md'] },
    });
    expect(developer).toMatchObject({
      dependsOn: [architect!.id],
      context: { files: [`docs/architect-${architect!.id}.md`] },
    });
    expect(planner!.result).toMatchObject({
      nextAgent: 'architect',
      artefacts: ['docs/planner-plan-export.md'],
    });
    expect(developer!.result?.nextAgent).toBeUndefined();
    expect(leaseFiles(project)).toEqual([]);

    const lines = jsonLines(run.stdout);
    expect(
      lines.map((line) => `${line.type}:${String(line.agent ?? '')}:${String(line.status ?? '')}`),
    ).toEqual(['task:planner:done', 'task:architect:done', 'task:backend-dev:done', 'summary::']);
    const sum = [planner!, architect!, developer!].reduce((total, task) => total + task.result!.costUsd!, 0);
    expect(lines[3]).toMatchObject({ type: 'summary', tasks: 3, done: 3, created: 2, exitCode: 0 });
    expect(lines[3]!.costUsd).toBeCloseTo(sum, 9);
    expect(lines[0]).toMatchObject({ followUp: architect!.id, nextAgent: 'architect', chainId: chain });

    const stats = await runCli(project, ['stats', '--chain-id', chain, '--json']);
    expect(stats.code).toBe(0);
    const report = JSON.parse(stats.stdout) as { total: { costUsd: number; invocations: number } };
    expect(report.total.invocations).toBe(3);
    expect(report.total.costUsd).toBeCloseTo(sum, 9);
  }, 90_000);

  it('refuses a hand-off past tasks.max_handoffs (the task says why) and to an unknown agent', async () => {
    const project = createProject({
      toolEnv: { HANDOFF_NEXT: 'planner=architect,architect=designer' },
      tasksSection: ['  max_handoffs: 1'],
    });
    writeTask(project, { id: 'plan', agent: 'planner', title: 'Plan' });
    const run = await runCli(project, ['tasks', 'run']);
    expect(run.code).toBe(1);
    const tasks = await readTasks(project);
    const architect = tasks.find((task) => task.agent === 'architect')!;
    expect(architect).toMatchObject({ status: 'error', error: { kind: 'handoff' } });
    expect(architect.error!.message).toBe(
      "hand-off refused: next_agent 'designer' is not an agent of agents.yaml; create the follow-up by hand with llm-service tasks new",
    );
    // The answer and what it cost are kept.
    expect(existsSync(join(project.workDir, architect.result!.answer!))).toBe(true);
    expect(run.stdout).toContain(`error ${architect.id} (architect)`);

    const deeper = createProject({
      toolEnv: { HANDOFF_NEXT: 'planner=architect,architect=backend-dev' },
      tasksSection: ['  max_handoffs: 1'],
    });
    writeTask(deeper, { id: 'plan', agent: 'planner', title: 'Plan' });
    expect((await runCli(deeper, ['tasks', 'run'])).code).toBe(1);
    const stopped = (await readTasks(deeper)).find((task) => task.agent === 'architect')!;
    expect(stopped.error?.message).toBe(
      "hand-off to 'backend-dev' refused: this pipeline already made 1 hand-off (tasks.max_handoffs is 1); " +
        'raise tasks.max_handoffs in llm-service.yaml or create the follow-up by hand',
    );
  }, 90_000);

  it('records a failed run with its kind, message and attempts, and the tool’s stderr beside the answer', async () => {
    const project = createProject({ toolEnv: { HANDOFF_FAIL_AGENTS: 'planner' } });
    writeTask(project, { id: 'plan', agent: 'planner', title: 'Plan' });
    const run = await runCli(project, ['tasks', 'run', '--json']);
    expect(run.code).toBe(1);
    const [task] = await readTasks(project);
    expect(task).toMatchObject({ status: 'error', error: { kind: 'tool-error', attempts: 1 } });
    expect(task!.error!.message).toContain('handoff-llm: planner fails on purpose (task plan)');
    expect(readFileSync(join(project.workDir, 'runs/plan/attempts.log'), 'utf8')).toContain(
      'attempt 1 llm:model-a (preferred) failed (tool-error)',
    );
    expect(jsonLines(run.stdout)[0]).toMatchObject({
      type: 'task',
      status: 'error',
      error: { kind: 'tool-error' },
    });
  }, 60_000);

  it('--dry-run lists what would run in order with the prompt size, and changes nothing', async () => {
    const project = createProject();
    writeTask(project, { id: 'b-normal', agent: 'planner', title: 'Normal' });
    writeTask(project, { id: 'a-low', agent: 'planner', title: 'Low', priority: 'low' });
    writeTask(project, { id: 'c-critical', agent: 'architect', title: 'Critical', priority: 'critical' });
    writeTask(project, { id: 'd-waits', agent: 'architect', title: 'Waits', dependsOn: ['b-normal'] });
    const run = await runCli(project, ['tasks', 'run', '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(
        /^1\. c-critical \(architect, critical\) Critical: prompt \d{3,} bytes on llm:model-a, about \$/,
      ),
      expect.stringMatching(/^2\. b-normal \(planner, normal\) Normal: prompt \d{3,} bytes on llm:model-a/),
      expect.stringMatching(/^3\. a-low \(planner, low\) Low: prompt/),
      'tasks run --dry-run: 3 runnable now, 1 waiting for dependencies; nothing was changed',
    ]);
    expect(existsSync(project.log)).toBe(false);
    expect((await readTasks(project)).map((task) => task.status)).toEqual([
      'assigned',
      'assigned',
      'assigned',
      'assigned',
    ]);
  }, 60_000);
});
