/**
 * Ctrl-C (SIGINT) and SIGTERM during `tasks run`: the running tools end, their tasks go back to `assigned` with a
 * note, the leases go, what finished stays finished, and the exit code is 130 or 143.
 */
import { readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  callsByTask,
  createProject,
  jsonLines,
  leaseFiles,
  processExists,
  readTasks,
  runCli,
  waitFor,
  writeTask,
} from './runner-support.js';

describe('tasks run: interrupted', () => {
  for (const [signal, code, name] of [
    ['SIGINT', 130, 'SIGINT (Ctrl-C)'],
    ['SIGTERM', 143, 'SIGTERM'],
  ] as const) {
    it(`${signal}: exits ${code}, ends the running tool, puts its task back with a note, and keeps what finished`, async () => {
      // The planner's tool takes a minute; the writer's answers at once.
      const project = createProject({
        toolEnv: { HANDOFF_DELAY_MS: '60000', HANDOFF_SLOW_AGENTS: 'planner' },
        agents: ['planner', 'writer'],
      });
      writeTask(project, { id: 'slow', agent: 'planner', title: 'Slow', createdAt: '2026-12-01T09:00:00Z' });
      writeTask(project, { id: 'quick', agent: 'writer', title: 'Quick', createdAt: '2026-12-01T09:00:01Z' });
      let child: ChildProcess | undefined;
      const running = runCli(project, ['tasks', 'run', '--concurrency', '2', '--json'], {
        onSpawn: (spawned) => (child = spawned),
      });
      await waitFor(() => callsByTask(project).has('slow'), 30_000);
      const quickDone = async () =>
        (await readTasks(project)).find((task) => task.id === 'quick')?.status === 'done';
      for (let tries = 0; !(await quickDone()); tries++) {
        if (tries > 300) throw new Error('quick did not finish');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const toolPid = Number(
        readFileSync(project.log, 'utf8')
          .split('\n')
          .find((line) => line.startsWith('slow '))!
          .split(' ')[2],
      );
      expect(processExists(toolPid)).toBe(true);
      child!.kill(signal);
      const run = await running;
      expect(run.code).toBe(code);

      const tasks = new Map((await readTasks(project)).map((task) => [task.id, task]));
      const slow = tasks.get('slow')!;
      expect(slow).toMatchObject({ status: 'assigned', error: { kind: 'interrupted' } });
      expect(slow.error!.message).toMatch(
        new RegExp(
          `^interrupted by ${name.replace(/[()]/g, '\\$&')} after \\d+ s; put back to assigned by the runner pid \\d+ on `,
        ),
      );
      expect(slow.startedAt).toBeUndefined();
      expect(tasks.get('quick')).toMatchObject({
        status: 'done',
        result: { answer: 'runs/quick/answer.md' },
      });
      expect(leaseFiles(project)).toEqual([]);
      await waitFor(() => !processExists(toolPid), 10_000);
      expect(jsonLines(run.stdout).at(-1)).toMatchObject({ type: 'summary', interrupted: 1, exitCode: code });
      expect(jsonLines(run.stdout)[0]).toMatchObject({ type: 'task', id: 'quick', status: 'done' });
    }, 60_000);
  }
});
