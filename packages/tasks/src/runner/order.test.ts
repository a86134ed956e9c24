import { describe, expect, it } from 'vitest';
import type { TaskPriority, TaskStatus } from '@llm-service/spec';
import { task } from './test-support.js';
import { compareTasks, priorityRank, selectRunnable } from './order.js';

const withPriority = (id: string, priority: TaskPriority, createdAt = '2026-12-01T09:00:00Z') =>
  task(id, { priority, createdAt });

describe('the runner order', () => {
  it('ranks priorities from critical to low', () => {
    expect(['critical', 'high', 'medium', 'normal', 'low'].map(priorityRank)).toEqual([0, 1, 2, 3, 4]);
  });

  it('takes the most urgent first, then the oldest, then by id', () => {
    const tasks = [
      withPriority('low-old', 'low', '2026-01-01T00:00:00Z'),
      withPriority('normal-new', 'normal', '2026-12-02T00:00:00Z'),
      withPriority('normal-old-b', 'normal', '2026-12-01T00:00:00Z'),
      withPriority('normal-old-a', 'normal', '2026-12-01T00:00:00Z'),
      withPriority('critical', 'critical', '2026-12-09T00:00:00Z'),
      withPriority('medium', 'medium'),
      withPriority('high', 'high'),
    ];
    expect([...tasks].sort(compareTasks).map((each) => each.id)).toEqual([
      'critical',
      'high',
      'medium',
      'normal-old-a',
      'normal-old-b',
      'normal-new',
      'low-old',
    ]);
    expect(selectRunnable(tasks).runnable.map((each) => each.id)[0]).toBe('critical');
  });

  it('runs only assigned tasks whose dependencies are all done, of the chosen agents', () => {
    const status = (id: string, value: TaskStatus, agent = 'writer') => task(id, { status: value, agent });
    const tasks = [
      status('done-1', 'done'),
      status('running', 'in_progress'),
      status('new', 'new'),
      task('ready', { dependsOn: ['done-1'] }),
      task('waits', { dependsOn: ['done-1', 'running'] }),
      task('reviewer-task', { agent: 'reviewer' }),
    ];
    const all = selectRunnable(tasks);
    expect(all.runnable.map((each) => each.id)).toEqual(['ready', 'reviewer-task']);
    expect(all.waiting).toEqual([{ task: tasks[4], on: ['running'] }]);
    expect(selectRunnable(tasks, ['reviewer']).runnable.map((each) => each.id)).toEqual(['reviewer-task']);
  });

  it('names what keeps a task from ever running: a cycle, a failed or unknown dependency', () => {
    const tasks = [
      task('a', { dependsOn: ['b'] }),
      task('b', { dependsOn: ['a'] }),
      task('failed', { status: 'error' }),
      task('after-failed', { dependsOn: ['failed'] }),
      task('orphan', { dependsOn: ['nowhere'] }),
      task('self', { dependsOn: ['self'] }),
    ];
    const { runnable, stuck } = selectRunnable(tasks);
    expect(runnable).toEqual([]);
    expect(Object.fromEntries(stuck.map(({ task: each, reason }) => [each.id, reason]))).toEqual({
      a: 'its depends_on leads back to itself (a → b → a); remove one of these dependencies',
      b: 'its depends_on leads back to itself (b → a → b); remove one of these dependencies',
      'after-failed':
        "its dependency 'failed' failed; retry it (llm-service tasks retry failed) or drop it from depends_on",
      orphan: "it depends on 'nowhere', which is not a task of this work directory; fix depends_on",
      self: 'its depends_on leads back to itself (self → self); remove one of these dependencies',
    });
  });
});
