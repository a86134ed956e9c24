/**
 * Two `tasks run` processes on one work directory never run the same task, and a runner killed with SIGKILL leaves
 * at most its running tasks leased, which the next run puts back and runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  callsByTask,
  createProject,
  jsonLines,
  leaseFiles,
  readTasks,
  runCli,
  waitFor,
  writeTask,
  type Project,
} from './runner-support.js';

const TASKS = 60;

function sixtyTasks(project: Project): string[] {
  const ids = Array.from({ length: TASKS }, (_, index) => `task-${String(index).padStart(2, '0')}`);
  for (const [index, id] of ids.entries())
    writeTask(project, { id, agent: index % 2 === 0 ? 'planner' : 'architect', title: `Task ${index}` });
  return ids;
}

describe('tasks run: two runners, and a crash', () => {
  it('two --concurrency 4 runners started at once run each of 60 tasks exactly once', async () => {
    const project = createProject({ toolEnv: { HANDOFF_DELAY_MS: '100' } });
    const ids = sixtyTasks(project);
    const runs = await Promise.all([
      runCli(project, ['tasks', 'run', '--concurrency', '4', '--json']),
      runCli(project, ['tasks', 'run', '--concurrency', '4', '--json']),
    ]);
    for (const run of runs) {
      expect(run.stderr).toBe('');
      expect(run.code, `${run.stdout}${run.stderr}`).toBe(0);
    }
    const calls = callsByTask(project);
    expect([...calls.keys()].sort()).toEqual(ids);
    expect([...calls.values()].every((count) => count === 1)).toBe(true);
    const tasks = await readTasks(project);
    expect(tasks.filter((task) => task.status === 'done')).toHaveLength(TASKS);
    // What the two runners report adds up to the 60 tasks, none reported twice.
    const reported = runs.flatMap((run) => jsonLines(run.stdout).filter((line) => line.type === 'task'));
    expect(reported.map((line) => line.id).sort()).toEqual(ids);
    expect(leaseFiles(project)).toEqual([]);
  }, 180_000);

  it('after kill -9 of one runner mid-run, its tasks are recovered and every task ends done, none run twice', async () => {
    const project = createProject({ toolEnv: { HANDOFF_DELAY_MS: '400' } });
    const ids = sixtyTasks(project);
    let victim: ChildProcess | undefined;
    let other: ChildProcess | undefined;
    const killed = runCli(project, ['tasks', 'run', '--concurrency', '4'], {
      onSpawn: (child) => (victim = child),
    });
    const survivor = runCli(project, ['tasks', 'run', '--concurrency', '4'], {
      onSpawn: (child) => (other = child),
    });
    await waitFor(() => [...callsByTask(project).values()].length >= 12, 60_000);
    // The survivor is held still (SIGSTOP: alive, so its own leases stay its own) while the kill's aftermath is read.
    other!.kill('SIGSTOP');
    victim!.kill('SIGKILL');
    const victimPid = victim!.pid!;
    expect((await killed).signal).toBe('SIGKILL');

    // What the killed runner left: at most its running tasks, leased by it.
    const ownerPid = (file: string): number | undefined => {
      try {
        return (JSON.parse(readFileSync(join(project.workDir, 'runs', file), 'utf8')) as { pid?: number })
          .pid;
      } catch {
        return undefined; // Released meanwhile by the survivor, or cut short by the kill.
      }
    };
    const leftLeased = leaseFiles(project)
      .filter((file) => ownerPid(file) === victimPid)
      .map((file) => file.split('/')[0]!);
    expect(leftLeased.length).toBeLessThanOrEqual(4);
    const leftInProgress = (await readTasks(project))
      .filter((task) => task.status === 'in_progress' && leftLeased.includes(task.id))
      .map((task) => task.id);
    other!.kill('SIGCONT');

    const survived = await survivor;
    expect(survived.code, `${survived.stdout}${survived.stderr}`).toBe(0);
    // A new run finishes whatever is left (the survivor usually recovered everything already).
    const after = await runCli(project, ['tasks', 'run', '--concurrency', '4']);
    expect(after.code, `${after.stdout}${after.stderr}`).toBe(0);

    const tasks = await readTasks(project);
    expect(tasks.map((task) => task.status)).toEqual(Array.from({ length: TASKS }, () => 'done'));
    const calls = callsByTask(project);
    expect([...calls.keys()].sort()).toEqual(ids);
    for (const [id, count] of calls) {
      // A task the killed runner was running was lost with it and ran again; every other task ran once.
      if (leftLeased.includes(id)) expect(count).toBeLessThanOrEqual(2);
      else expect(count, id).toBe(1);
    }
    // Whoever put back a task the killed runner left in progress said so.
    const recovered = `${survived.stderr}${after.stderr}`;
    for (const id of leftInProgress)
      expect(recovered).toMatch(
        new RegExp(
          `${id} \\(\\w+\\): put back to assigned by the runner pid \\d+ on .*: its runner \\(pid ${victimPid} on .*\\) has ended`,
        ),
      );
    expect(leaseFiles(project)).toEqual([]);
  }, 180_000);
});
