import { describe, expect, it } from 'vitest';
import type { TaskV1 } from '@llm-service/spec';
import { chainOf, handOffDepth, planHandOff } from './handoff.js';
import { task } from './test-support.js';

const done = (
  id: string,
  agent: string,
  nextAgent: string | undefined,
  dependsOn: string[] = [],
  chainId = 'chain-1',
) => task(id, { agent, status: 'done', dependsOn, result: { chainId, ...(nextAgent ? { nextAgent } : {}) } });
const byId = (tasks: TaskV1[]) => new Map(tasks.map((each) => [each.id, each]));
const agents = ['planner', 'architect', 'backend-dev'];
const answer = (nextAgent?: string, nextTaskTitle?: string, nextTaskNotes?: string) => ({
  nextAgent,
  nextTaskTitle,
  nextTaskNotes,
});

describe('chains', () => {
  it('starts a chain at the first task and passes it along hand-offs', () => {
    const planner = done('p', 'planner', 'architect');
    const architect = task('a', { agent: 'architect', dependsOn: ['p'] });
    expect(chainOf(architect, byId([planner]), {})).toBe('chain-1');
    expect(chainOf(task('x'), byId([]), { LLM_SERVICE_CHAIN_ID: 'from-env' })).toBe('from-env');
    expect(chainOf(task('x'), byId([]), {})).toMatch(/^[0-9a-f-]{36}$/);
    // A task that merely depends on another (no hand-off to its agent) starts its own chain.
    expect(chainOf(task('y', { agent: 'planner', dependsOn: ['p'] }), byId([planner]), {})).not.toBe(
      'chain-1',
    );
    // A task retried after an error keeps the chain it ran in.
    expect(chainOf(task('z', { result: { chainId: 'earlier' } }), byId([]), {})).toBe('earlier');
  });

  it('counts the hand-offs that led to a task, and sees a cycle', () => {
    const tasks = [done('p', 'planner', 'architect'), done('a', 'architect', 'backend-dev', ['p'])];
    expect(handOffDepth(task('b', { agent: 'backend-dev', dependsOn: ['a'] }), byId(tasks))).toEqual({
      depth: 2,
      cycle: undefined,
    });
    const looped = [done('x', 'planner', 'architect', ['y']), done('y', 'architect', 'planner', ['x'])];
    expect(handOffDepth(looped[0]!, byId(looped)).cycle).toEqual(['x', 'y', 'x']);
  });
});

describe('planning a hand-off', () => {
  const parent = task('a', { agent: 'architect', priority: 'high', title: 'Design it', dependsOn: ['p'] });
  const tasks = [done('p', 'planner', 'architect'), parent];
  const plan = (fields: ReturnType<typeof answer>, extra: { tasks?: TaskV1[]; maxHandoffs?: number } = {}) =>
    planHandOff({
      task: parent,
      answer: fields,
      artefacts: ['docs/design.md'],
      tasks: extra.tasks ?? tasks,
      agents,
      maxHandoffs: extra.maxHandoffs ?? 10,
    });

  it('creates an assigned follow-up for the next agent, depending on this task, with its artefacts', () => {
    expect(plan(answer('backend-dev', 'Build the API', 'REST, please'))).toEqual({
      action: 'create',
      task: {
        agent: 'backend-dev',
        title: 'Build the API',
        priority: 'high',
        description: 'REST, please',
        context: { files: ['docs/design.md'] },
        dependsOn: ['a'],
        assign: true,
      },
    });
    expect(plan(answer('backend-dev'))).toMatchObject({ task: { title: 'Follow-up of Design it' } });
    expect(plan(answer())).toEqual({ action: 'none' });
  });

  it('refuses an unknown agent, a pipeline past max_handoffs, and a cycle', () => {
    expect(plan(answer('backend-deb'))).toEqual({
      action: 'refuse',
      message:
        "hand-off refused: next_agent 'backend-deb' is not an agent of agents.yaml (did you mean 'backend-dev'?); " +
        'create the follow-up by hand with llm-service tasks new',
    });
    expect(plan(answer('backend-dev'), { maxHandoffs: 1 })).toEqual({
      action: 'refuse',
      message:
        "hand-off to 'backend-dev' refused: this pipeline already made 1 hand-off (tasks.max_handoffs is 1); " +
        'raise tasks.max_handoffs in llm-service.yaml or create the follow-up by hand',
    });
    // Files edited by hand so that the planner's task depends on the architect's, which handed off to the planner.
    const looped = [
      done('p', 'planner', 'architect', ['a']),
      { ...parent, result: { nextAgent: 'planner' } },
    ];
    expect(
      planHandOff({
        task: looped[1]!,
        answer: answer('backend-dev'),
        artefacts: [],
        tasks: looped,
        agents,
        maxHandoffs: 10,
      }),
    ).toMatchObject({
      action: 'refuse',
      message: expect.stringContaining('lead back to a task they came from (a → p → a)'),
    });
  });

  it('finds the follow-up an earlier run of the task created instead of making a second', () => {
    const existing = task('b', { agent: 'backend-dev', dependsOn: ['a'] });
    expect(plan(answer('backend-dev'), { tasks: [...tasks, existing] })).toEqual({
      action: 'exists',
      task: existing,
    });
  });
});
